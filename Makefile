# Stratus: `make run` starts the server, `make test` runs every test.
GO ?= go
BIN := bin/stratus
export CGO_ENABLED ?= 0

.PHONY: run build test test-short bench generate deps fmt vet

deps:
	@scripts/deps.sh

build:
	$(GO) build -o $(BIN) ./cmd/stratus

run: deps build
	./$(BIN) server $(ARGS)

# Every test, including the end-to-end ones with the real AWS CLI, boto3 and the Go SDK.
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./bench/...

generate:
	$(GO) generate ./internal/awsproto/...

fmt:
	gofmt -w cmd internal test bench
