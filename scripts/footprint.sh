#!/usr/bin/env bash
# Prints, for each architecture built so far, the size of dialtoned once
# stripped and the shared libraries it needs (ELF DT_NEEDED), so growth shows
# up in review:
#   scripts/footprint.sh [BUILD_DIR...]
# Without arguments it looks at build/ (native), build-arm64/, build-armhf/.
# Sizes are of a stripped copy; the build tree keeps its debug information.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then dirs=("$@"); else dirs=("$here/build" "$here/build-arm64" "$here/build-armhf"); fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=0
printf '%-6s %-12s %10s %8s %12s  %s\n' arch "build dir" "stripped" "KiB" "unstripped" "NEEDED (readelf -d)"
for d in "${dirs[@]}"; do
  bin="$d/firmware/dialtoned"
  [ -f "$bin" ] || continue
  machine=$(LC_ALL=C readelf -h "$bin" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')
  case "$machine" in
    *X86-64*) arch=amd64 ;;
    *AArch64*) arch=arm64 ;;
    *ARM*) arch=armhf ;;
    *) arch=unknown ;;
  esac
  # binutils-multiarch's strip (from cross-setup.sh) handles every
  # architecture; without it, fall back to the target's own strip.
  strip_cmd="strip"
  case "$arch" in
    arm64) command -v aarch64-linux-gnu-strip >/dev/null && strip_cmd=aarch64-linux-gnu-strip ;;
    armhf) command -v arm-linux-gnueabihf-strip >/dev/null && strip_cmd=arm-linux-gnueabihf-strip ;;
  esac
  "$strip_cmd" -o "$tmp/dialtoned" "$bin"
  stripped=$(stat -c %s "$tmp/dialtoned")
  full=$(stat -c %s "$bin")
  needed=$(LC_ALL=C readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd, -)
  printf '%-6s %-12s %10s %8s %12s  %s\n' "$arch" "${d##*/}" "$stripped" "$((stripped / 1024))" "$full" "$needed"
  rows=$((rows + 1))
done
if [ "$rows" = 0 ]; then
  echo "footprint: no dialtoned found in ${dirs[*]}; build first (scripts/setup.sh, scripts/cross-build.sh ARCH)" >&2
  exit 1
fi
