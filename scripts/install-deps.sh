#!/bin/sh
# Installs what GAN Studio needs on Debian/Ubuntu and is missing: OpenBLAS,
# a C compiler for cgo, the X11/GL headers Fyne builds against, Xvfb and
# friends for the headless window test, and Debian's Fashion-MNIST copy.
set -eu
pkgs="gcc pkg-config libopenblas-dev libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
libxinerama-dev libxi-dev libxxf86vm-dev xvfb xdotool imagemagick dataset-fashion-mnist"
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
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
	echo "Go 1.26 or newer is needed: install it from https://go.dev/dl/ into /usr/local/go" >&2
	exit 1
fi
