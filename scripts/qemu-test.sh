#!/usr/bin/env bash
# Runs a cross-built tree's unit tests and `dialtoned --version` under
# qemu-user (after scripts/cross-build.sh ARCH):
#   scripts/qemu-test.sh arm64|armhf [--build-dir DIR]
# The target's shared libraries are where scripts/cross-setup.sh put them
# (/opt/dialtone-cross/<triplet>/layout): with the multiarch layout, libc6:ARCH
# puts the target's dynamic loader at its standard path and /usr/lib/<triplet>
# in the loader's cache, so qemu needs no -L prefix; with the sysroot layout,
# `-L <sysroot>` points qemu at the sysroot's loader and libraries.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
. "$here/scripts/cross-arch.sh"
cross_arch "$arch" "qemu-test.sh arm64|armhf [--build-dir DIR]"
shift
build_dir="$here/build-$arch"
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift ;;
    *) echo "qemu-test.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$build_dir/firmware/dialtoned" ] || {
  echo "qemu-test.sh: no $build_dir/firmware/dialtoned; run scripts/cross-build.sh $arch first" >&2
  exit 2
}

qemu_cmd=("$qemu")
if [ "$(cross_layout)" = sysroot ]; then
  qemu_cmd+=(-L "$cross_base/sysroot")
fi
echo "qemu-test: ${qemu_cmd[*]} $build_dir/firmware/dialtoned --version"
"${qemu_cmd[@]}" "$build_dir/firmware/dialtoned" --version

# The unit tests only. The toolchain file made qemu the CTest emulator, so
# every test command of a test binary runs under it. Left out:
#   net          (protocol TLS tests) and
#   integration  (ICE/transport, end-to-end): they need `unshare -n`, real
#                servers (openssl s_server, coturn, aiortc) and the binaries
#                exec'd by a shell script, which only works with binfmt_misc
#                (absent in containers); the native CI run covers them.
# -j2: the unit tests are single-threaded, and the machines are shared.
cd "$build_dir"
ctest -L unit -LE 'net|integration' -j"${DIALTONE_JOBS:-2}" --timeout 300 --output-on-failure
