#!/usr/bin/env bash
# Runs fuzz targets for a while each: fuzz/run.sh SECONDS [TARGET...] (default: every target).
#
# Builds once on the stable toolchain (no sanitizer: stable has none; libFuzzer's own limits
# catch what matters here), seeds the corpora (seed.sh), then runs the targets FUZZ_JOBS at a
# time (default: one per core) with the limits every reader must live within: 256 MiB of RSS,
# no single allocation over 256 MiB, 10 s per input, inputs up to 16 KiB. Prints one line per
# target: libFuzzer's own run time and executions, the corpus size. A crash, a hang or an
# allocation over the limits leaves its input in fuzz/artifacts/<target>/ and fails the run.
#
# Target folder: CARGO_TARGET_DIR_FUZZ, else "$CARGO_TARGET_DIR-fuzz" (never the main
# workspace's own folder: the fuzz build's flags differ), else fuzz/target.
set -eu
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
if [ -n "${CARGO_TARGET_DIR_FUZZ:-}" ]; then
  export CARGO_TARGET_DIR=$CARGO_TARGET_DIR_FUZZ
elif [ -n "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR=$CARGO_TARGET_DIR-fuzz
fi
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in fuzz_targets/*.rs; do targets+=("$(basename "$t" .rs)"); done
fi
build_start=$(date +%s)
if [ ${#targets[@]} -eq 1 ]; then
  cargo fuzz build --sanitizer none "${targets[0]}" >&2
else
  cargo fuzz build --sanitizer none >&2
fi
echo "fuzz build: $(( $(date +%s) - build_start )) s"
./seed.sh
mkdir -p logs

one() {
  local t=$1 start result
  mkdir -p "artifacts/$t"
  start=$(date +%s)
  if cargo fuzz run --sanitizer none "$t" -- -max_total_time="$secs" -rss_limit_mb=256 -malloc_limit_mb=256 \
      -timeout=10 -max_len=16384 -print_final_stats=1 -close_fd_mask=1 >"logs/$t.log" 2>&1; then
    result=ok
  else
    result=FAILED
  fi
  # libFuzzer's own count and time ("Done N runs in S second(s)"); the wall time includes the
  # loading of the corpus.
  local done_line runs fuzzed corpus
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "logs/$t.log" | tail -1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
  fuzzed=$(echo "$done_line" | sed -n 's/.* in \([0-9]*\) second.*/\1/p')
  corpus=$(ls "corpus/$t" | wc -l)
  echo "fuzz $t: $result, fuzzed ${fuzzed:-?} s (wall $(( $(date +%s) - start )) s), ${runs:-?} executions, corpus $corpus"
  if [ "$result" = FAILED ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "logs/$t.log" | head -20 >&2 || true
    return 1
  fi
}

status=0
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
