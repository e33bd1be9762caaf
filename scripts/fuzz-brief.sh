#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME each, default 10000 executions) beyond its
# seed corpus, which `go test` already runs. Part of `make test`. A count rather than a
# duration: Go's fuzzer can report a spurious "context deadline exceeded" when a timed
# run ends while a worker is busy; a run that fails that way without writing a failing
# input is tried once more.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-10000x}
for pkg in $(go list ./... ); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz $pkg $f ($t)"
    for try in 1 2; do
      if go test -run '^$' -fuzz "^${f}\$" -fuzztime "$t" "$pkg" >/tmp/fuzz-$$.log 2>&1; then break; fi
      if [ "$try" = 1 ] && grep -q "context deadline exceeded" /tmp/fuzz-$$.log && ! grep -q "Failing input written" /tmp/fuzz-$$.log; then
        echo "  spurious fuzzer deadline; trying again"
        continue
      fi
      cat /tmp/fuzz-$$.log; rm -f /tmp/fuzz-$$.log; exit 1
    done
  done
done
rm -f /tmp/fuzz-$$.log
