# GAN Studio. `make run` installs what is missing and opens the app;
# `make test` runs every test, headless.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

.PHONY: deps build run test test-unit test-ui test-purego test-smoke bench

deps:
	./scripts/install-deps.sh

build: deps
	$(GO) build -o ganstudio ./app

run: build
	./ganstudio

test: deps
	$(GO) vet ./...
	$(GO) vet -tags ci ./...
	$(MAKE) test-unit test-purego test-ui test-smoke

test-unit:
	$(GO) test -race -timeout 20m ./model/... ./training/... ./app/...

test-purego:
	CGO_ENABLED=0 $(GO) test -tags purego -timeout 10m ./model/kernels/... ./model/linear/... ./model/nn/... ./model/checkpoint/...

test-ui:
	$(GO) test -tags ci -timeout 10m ./ui/...

test-smoke:
	./ui/smoke/run.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./model/...
