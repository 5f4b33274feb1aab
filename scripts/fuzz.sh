#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz/fuzz_*.cpp) with clang's libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs each one for a
# while over its corpus (tests/fuzz/corpus/<name>), one target at a time.
#   scripts/fuzz.sh [SECONDS] [--merge] [--build-dir DIR] [TARGET...]
# SECONDS per target (default 60; 0 only replays the corpora, e.g. to merge
# what earlier runs found). TARGET: sdp, fuzz_sdp, ... (default: all).
# --merge adds the inputs that found new coverage to the repository corpus
# (libFuzzer -merge=1: only inputs that add coverage); otherwise they stay in
# the build directory. Crashing inputs are kept in <build-dir>/artifacts/.
# Exits non-zero when a target crashed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$here/build-fuzz"
seconds=60
merge=0
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --merge) merge=1 ;;
    --build-dir) build_dir="$2"; shift ;;
    [0-9]*) seconds="$1" ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) only+=("fuzz_${1#fuzz_}") ;;
  esac
  shift
done

# What configuring the project needs (see setup.sh), plus clang, libFuzzer
# (Debian ships it in libclang-rt-14-dev) and llvm-symbolizer for readable
# sanitizer reports.
# shellcheck source=scripts/packages.sh
. "$here/scripts/packages.sh"
ensure_packages fuzz "${build_packages[@]}" clang-14 libclang-rt-14-dev llvm-14

targets=()
for f in "$here"/tests/fuzz/fuzz_*.cpp; do
  t=$(basename "$f" .cpp)
  if [ ${#only[@]} -gt 0 ]; then
    for o in "${only[@]}"; do [ "$o" = "$t" ] && targets+=("$t"); done
  else
    targets+=("$t")
  fi
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no such target: ${only[*]}" >&2; exit 2; }

# The parsers need neither libnice nor libsrtp2 built our way: the packaged
# ones keep this build independent of scripts/setup.sh's cache.
cmake -S "$here" -B "$build_dir" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIALTONE_FUZZ=ON -DDIALTONE_SANITIZE=ON -DDIALTONE_SYSTEM_LIBS=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
command -v llvm-symbolizer-14 >/dev/null && export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer-14)"

summary=()
crashed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  corpus="$here/tests/fuzz/corpus/$name"
  work="$build_dir/corpus/$name"      # new inputs land here, not in the repository
  artifacts="$build_dir/artifacts/$name"
  log="$build_dir/logs/$name.log"
  mkdir -p "$corpus" "$work" "$artifacts" "$(dirname "$log")"
  before=$(find "$artifacts" -type f | wc -l)
  echo "fuzz: $t for ${seconds}s (log: $log)"
  status=0
  limit=-max_total_time="$seconds"
  [ "$seconds" = 0 ] && limit=-runs=0  # libFuzzer reads a zero time limit as none
  "$build_dir/tests/fuzz/$t" "$limit" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$corpus" >"$log" 2>&1 || status=$?
  after=$(find "$artifacts" -type f | wc -l)
  crashes=$((after - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi  # died without leaving an input
  if [ "$crashes" -gt 0 ]; then
    crashed=1
    grep -m1 -E "ERROR: (AddressSanitizer|libFuzzer)|runtime error:|SUMMARY:" "$log" | sed 's/^/  /' || true
    ls -t "$artifacts" | head -n "$crashes" | sed "s|^|  input: $artifacts/|"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  added=0
  if [ "$merge" = 1 ] && [ "$crashes" -eq 0 ]; then
    n0=$(find "$corpus" -type f | wc -l)
    "$build_dir/tests/fuzz/$t" -merge=1 -timeout=10 "$corpus" "$work" >>"$log" 2>&1 || true
    added=$(($(find "$corpus" -type f | wc -l) - n0))
  fi
  summary+=("$(printf '%-22s %12s %8s %8s %10s %7s %8s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${rate:-?}" \
    "$crashes" "$added")")
done

echo
printf '%-22s %12s %8s %8s %10s %7s %8s\n' target executions cov ft exec/s crashes merged
printf '%s\n' "${summary[@]}"
exit "$crashed"
