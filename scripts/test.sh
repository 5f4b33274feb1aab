#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite (unit + integration).
#   scripts/test.sh [--sanitize]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$here/build"
[ "${1:-}" = "--sanitize" ] && build_dir="$here/build-sanitize"
"$here/scripts/setup.sh" "$@"
cd "$build_dir"
ctest --output-on-failure -j2 --timeout 600
