#!/usr/bin/env bash
# Installs every Debian package Dialtone needs (idempotent) and builds it.
#   scripts/setup.sh [--sanitize] [--build-dir DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$here/build"
sanitize=OFF
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=ON; build_dir="$here/build-sanitize" ;;
    --build-dir) build_dir="$2"; shift ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

packages=(
  build-essential cmake pkg-config git
  libmbedtls-dev libsrtp2-dev libnice-dev libglib2.0-dev libopus-dev libcjson-dev
  libasound2-dev libgpiod-dev libspeexdsp-dev libhttp-parser-dev libwslay-dev libc-ares-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-aiohttp python3-aiortc python3-jwt python3-cryptography python3-numpy
  coturn openssl iproute2 util-linux
)

# A package counts only when installed for this machine's architecture (or
# "all"): an arm64 cross build may have replaced some -dev packages with their
# arm64 versions, and those do not build natively.
native=$(dpkg --print-architecture)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status} ${Architecture}\n' "$p" 2>/dev/null |
    grep -qE "(install|hold) ok installed ($native|all)$" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { echo "setup: apt-get could not install ${missing[*]}" >&2; exit 1; }
fi
# coturn's package starts a system service on some setups; tests run their own.
systemctl disable --now coturn >/dev/null 2>&1 || true

# libnice and libsrtp2 built from Debian's sources without UPnP-IGD, GnuTLS
# and NSS (cached in /opt/dialtone-deps; docs/dependencies.md). A tree
# configured with -DDIALTONE_SYSTEM_LIBS=ON does not use them.
"$here/scripts/deps-from-source.sh" native

# -Werror here (not in CMakeLists.txt's defaults): development and CI builds
# stay warning-free, while a plain `cmake` of a release is not broken by a
# newer compiler's new warning.
cmake -S "$here" -B "$build_dir" -DDIALTONE_SANITIZE="$sanitize" -DDIALTONE_WERROR=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
echo "setup: built in $build_dir"
