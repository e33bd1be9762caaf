# Stratus: `make run` starts the server, `make test` runs every test.
GO ?= go
BIN := bin/stratus
export CGO_ENABLED ?= 0

.PHONY: run build test test-short fuzz bench generate deps fmt

deps:
	@scripts/deps.sh

build:
	$(GO) build -o $(BIN) ./cmd/stratus

run: deps build
	./$(BIN) server $(ARGS)

# Every test, including the end-to-end ones with the real AWS CLI, boto3 and the Go SDK.
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	scripts/fuzz-brief.sh

test-short:
	$(GO) test -short ./...

# Every fuzz target beyond its seeds, FUZZTIME each.
fuzz:
	scripts/fuzz-brief.sh

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 2s ./bench/...

generate:
	$(GO) generate ./internal/awsproto/...

fmt:
	gofmt -w cmd internal test bench
