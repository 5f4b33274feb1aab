#!/usr/bin/env bash
# CI step for the boards: from nothing, prepare the machine, cross-build for
# ARCH (pi-handset) and run the unit tests and `dialtoned --version` under
# qemu-user, then print the footprint table. Caches no build: every run
# builds from scratch in a fresh build-ci-ARCH/ (the machine set-up is
# idempotent and keeps what it installed).
#   scripts/ci-cross.sh [arm64|armhf]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-arm64}
build_dir="$here/build-ci-$arch"
start=$(date +%s)
rm -rf "$build_dir"
"$here/scripts/cross-build.sh" "$arch" --board pi-handset --build-dir "$build_dir"
"$here/scripts/qemu-test.sh" "$arch" --build-dir "$build_dir"
"$here/scripts/footprint.sh" "$build_dir"
echo "ci-cross: $arch passed in $(( $(date +%s) - start )) s"
