#!/bin/sh
# Installs what GAN Studio needs on Debian/Ubuntu and is missing: oneDNN
# (its matrix products; OpenBLAS for the openblas build tag), a C compiler
# for cgo, the X11/GL headers Fyne builds against, Xvfb and
# friends for the headless window test, and Debian's Fashion-MNIST copy.
#
# `install-deps.sh interop` installs instead what the interoperability
# tests need (make test-interop): PyTorch and the ONNX checker from
# Debian, Node.js, and ONNX Runtime for Node from npm.
set -eu
cd "$(dirname "$0")/.."
pkgs="gcc pkg-config libdnnl-dev libopenblas-dev libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
libxinerama-dev libxi-dev libxxf86vm-dev xvfb xdotool imagemagick dataset-fashion-mnist"
if [ "${1:-}" = interop ]; then
	pkgs="python3-torch python3-onnx"
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "${1:-}" = interop ]; then
	if [ ! -d scripts/onnx/node_modules/onnxruntime-node ]; then
		# The package's install script fetches CUDA libraries, which the
		# CPU runtime the tests use does not need.
		ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --prefix scripts/onnx --ignore-scripts --no-audit --no-fund
	fi
	exit 0
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
	echo "Go 1.26 or newer is needed: install it from https://go.dev/dl/ into /usr/local/go" >&2
	exit 1
fi
