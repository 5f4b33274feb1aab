#!/usr/bin/env bash
# CI step for the build types: Release and Debug must build, tests included,
# with warnings as errors (scripts/test.sh covers the default RelWithDebInfo).
# Each has its own directory, kept between runs so CI rebuilds only what
# changed: build-ci-release/, build-ci-debug/. Release's unit tests run too
# (integration tests excluded): the optimiser is where undefined behaviour
# and over-eager warnings show. Run after scripts/setup.sh or scripts/test.sh,
# which install the packages.
#   scripts/ci-build-types.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jobs=${DIALTONE_JOBS:-2}
start=$(date +%s)
for type in Release Debug; do
  dir="$here/build-ci-${type,,}"
  cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DDIALTONE_WERROR=ON -DDIALTONE_TESTS=ON >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "ci-build-types: $type built in $dir"
done
cd "$here/build-ci-release"
ctest -L unit -LE integration -j"$jobs" --timeout 300 --output-on-failure
echo "ci-build-types: passed in $(( $(date +%s) - start )) s"
