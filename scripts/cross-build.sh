#!/usr/bin/env bash
# Cross-builds the agent, dialtonectl and the unit tests for a board
# architecture, after preparing the machine (scripts/cross-setup.sh):
#   scripts/cross-build.sh arm64|armhf [--board NAME] [--build-dir DIR] [--prefix DIR]
# --board picks the default configuration `cmake --install` puts in
# /etc/dialtone/config.json (packaging/config/NAME.json; default pi-handset).
# --prefix is the install prefix on the board (default /usr, as a Debian
# image has it: /usr/bin/dialtoned, /etc/dialtone, /usr/lib/systemd/system).
# The result is in build-ARCH/ (firmware/dialtoned, firmware/dialtonectl,
# tests/unit/*/…_test); scripts/qemu-test.sh ARCH runs the tests.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
. "$here/scripts/cross-arch.sh"
cross_arch "$arch" "cross-build.sh arm64|armhf [--board NAME] [--build-dir DIR] [--prefix DIR]"
shift
board=pi-handset
build_dir="$here/build-$arch"
prefix=/usr
while [ $# -gt 0 ]; do
  case "$1" in
    --board) board="$2"; shift ;;
    --build-dir) build_dir="$2"; shift ;;
    --prefix) prefix="$2"; shift ;;
    *) echo "cross-build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ ! -f "$here/packaging/config/$board.json" ]; then
  echo "cross-build.sh: no default configuration for board \"$board\"; have:" \
       "$(cd "$here/packaging/config" && for f in ./*.json; do f=${f#./}; printf '%s ' "${f%.json}"; done)" >&2
  exit 2
fi

"$here/scripts/cross-setup.sh" "$arch"

# -j2 unless told otherwise: the machines this runs on are shared.
jobs=${DIALTONE_JOBS:-2}
cmake -S "$here" -B "$build_dir" \
  -DCMAKE_TOOLCHAIN_FILE="$here/toolchain/$triplet.cmake" \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DDIALTONE_BOARD="$board" -DDIALTONE_WERROR=ON >/dev/null
cmake --build "$build_dir" -j"$jobs"
echo "cross-build: $arch build for board $board in $build_dir"
