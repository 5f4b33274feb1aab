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

# shellcheck source=scripts/packages.sh
. "$here/scripts/packages.sh"
ensure_packages setup "${build_packages[@]}" libbenchmark-dev \
  python3 python3-aiohttp python3-aiortc python3-jwt python3-cryptography python3-numpy \
  openssl iproute2 util-linux
# Network peers of the integration tests: the TURN server, and the SIP
# network of tests/sipnet (registrar/proxy, media relay in userspace, far
# end, SIPp). Their packages bring system services; tests run their own.
ensure_service_packages setup coturn \
  kamailio kamailio-tls-modules rtpengine-daemon baresip-core sip-tester

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
