#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, listed in fuzz/targets.txt) with clang,
# ASan and UBSan in build-fuzz/, then runs each one at a time for SECONDS
# seconds (default 60) on its seed corpus fuzz/corpus/<target>/ plus what
# earlier runs found (build-fuzz/corpus/<target>/).
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]   build, then run
#   scripts/fuzz.sh --build-only            build only
#   scripts/fuzz.sh --run-only SECONDS TARGET...   run (already built)
#
# Environment: WALE_FUZZ_BUILD (build directory, default ./build-fuzz),
# WALE_FUZZ_JOBS (build jobs, default nproc), WALE_FUZZ_NICE=1 (run at nice 19),
# WALE_FUZZ_SEED=N (libFuzzer's -seed: the same inputs in the same order on every run).
# Prints one line per target: executions, seconds, corpus size, crashes.
# Exit 1 if any target crashed (the input is saved as build-fuzz/artifacts/<target>-crash-*)
# or did not run.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${WALE_FUZZ_BUILD:-$src/build-fuzz}
mapfile -t all_targets <"$src/fuzz/targets.txt"

build_targets() {
  command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found; scripts/install-deps.sh installs clang" >&2; exit 1; }
  local launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # -O1: fast enough to fuzz, and a quicker build than -O2 in the test suite.
  cmake -S "$src" -B "$build" -DWALE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -g" "${launcher[@]}" >/dev/null
  cmake --build "$build" -j "${WALE_FUZZ_JOBS:-$(nproc)}" --target wale_fuzz
}

# Per-target options: the longest input worth trying.
max_len() {
  case $1 in
    fuzz_tar_reader|fuzz_safe_extractor|fuzz_lzop|fuzz_lz4|fuzz_zstd) echo 32768 ;;
    fuzz_lzo1x) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

run_target() {
  local t=$1 seconds=$2
  local exe="$build/fuzz/$t" log="$build/logs/$t.log"
  [ -x "$exe" ] || { echo "$t: not built ($exe)"; return 1; }
  mkdir -p "$build/corpus/$t" "$build/artifacts" "$build/logs"
  local nice=() seed=()
  if [ "${WALE_FUZZ_NICE:-0}" = 1 ]; then nice=(nice -n 19); fi
  if [ -n "${WALE_FUZZ_SEED:-}" ]; then seed=(-seed="$WALE_FUZZ_SEED"); fi
  local rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "${nice[@]}" "$exe" "${seed[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    "$build/corpus/$t" "$src/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  local runs secs corpus
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  corpus=$(ls "$build/corpus/$t" | wc -l)
  if [ $rc -ne 0 ] || [ -z "$runs" ]; then
    echo "$t: CRASH or failure (exit $rc) after ${runs:-?} executions; log $log"
    grep -E "ERROR|SUMMARY|property failed|terminate|uncaught|Test unit written" "$log" | head -8 | sed 's/^/  /'
    return 1
  fi
  echo "$t: $runs executions in ${secs:-$seconds} s, corpus $corpus new + $(ls "$src/fuzz/corpus/$t" | wc -l) seeds, 0 crashes"
}

mode=all
case ${1:-} in
  --build-only) build_targets; exit 0 ;;
  --run-only) mode=run; shift ;;
esac
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
if [ $mode = all ]; then build_targets; fi
failed=0
for t in "${targets[@]}"; do run_target "$t" "$seconds" || failed=1; done
exit $failed
