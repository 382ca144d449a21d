#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build-fuzz/, and runs each for SECONDS
# (default 300) from its seed corpus in the tree. New inputs go to a temporary corpus, never into the tree; a
# crash, hang or leak leaves its input in build-fuzz/findings/ and makes the script fail.
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]     (the test suite runs: tools/fuzz.sh 5)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
seconds=${1:-300}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_frames fuzz_certificate fuzz_profile_files)

"$ROOT/tools/setup.sh" >/dev/null
build=$ROOT/build-fuzz
if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$build" -DCERTDOCTOR_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)" >/dev/null
mkdir -p "$build/findings"

status=0
for t in "${targets[@]}"; do
  corpus=$WORK/corpus-$t
  mkdir -p "$corpus"
  cp "$ROOT/tests/fuzz/corpus/$t/"* "$corpus/"
  log=$WORK/$t.log
  # -rss_limit_mb and -timeout turn memory blow-ups and hangs into findings; leaks are reported by ASan.
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$build/bin/$t" "$corpus" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$build/findings/$t-" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
    grep -E "ERROR|SUMMARY|Test unit written|deadly" "$log" | head -5 >&2 || tail -5 "$log" >&2
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
  printf '%-20s %-6s %10s execs in %ss, %s, corpus %s inputs\n' "$t" "$result" "${execs:-?}" "$seconds" "${cov:-cov: ?}" \
    "$(ls "$corpus" | wc -l)"
done
exit $status
