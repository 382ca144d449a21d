#!/usr/bin/env bash
# Benchmark: `certdoctor diagnose` against a profile holding COUNT stored certificates (default 20,000) versus one
# holding 10, interleaved in one run. The lookups use the database's indexes (issuer + serial, subject), so the
# large profile should cost at most 1.2x the small one; for comparison, `certutil -L` on the large profile (a
# walk over every certificate) is timed once.
# Usage: tools/bench-profile.sh [RUNS] [COUNT]   (defaults 30, 20000; the large profile takes a few minutes to
# write the first time and is kept in build-bench/ for later runs)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
runs=${1:-30}
count=${2:-20000}

"$ROOT/tools/setup.sh" >/dev/null
build_binaries "$ROOT/build-bench"
cmake --build "$ROOT/build-bench" --target big_profile -j"$(nproc)" >/dev/null

# The site: a root-issued leaf; the root is trusted in both profiles, so path building reads the database.
bench_root root "/CN=Bench Root"
bench_issue leaf root "/CN=bench.test" 2002 "subjectAltName=DNS:bench.test"

make_profile() {  # make_profile DIR COUNT
  if [[ ! -f $1/cert9.db ]]; then
    echo "writing a profile with $2 certificates to $1 ..." >&2
    rm -rf "$1.tmp" && "$ROOT/build-bench/bin/big_profile" "$1.tmp" "$2" && mv "$1.tmp" "$1"
  fi
  cp -r "$1" "$WORK/$(basename "$1")"
  certutil -A -d "sql:$WORK/$(basename "$1")" -n "Bench Root" -t "C,," -i "$WORK/root.pem"
  echo "$WORK/$(basename "$1")"
}
small=$(make_profile "$ROOT/build-bench/profile-10" 10)
large=$(make_profile "$ROOT/build-bench/profile-$count" "$count")

start_tls_server "$WORK/leaf.pem" "$WORK/leaf.key"
url="https://bench.test:$SERVER_PORT/"
now_ns() { date +%s%N; }
diag() { "$BIN/certdoctor" diagnose "$url" --json --resolve "bench.test:$SERVER_PORT:127.0.0.1" --profile "$1" >"$WORK/out.json"; }

diag "$large"
grep -q '"firefox_error": null' "$WORK/out.json" || { echo "unexpected verdict on the large profile" >&2; exit 1; }
small_t=() large_t=()
for ((i = 0; i < runs; i++)); do
  t0=$(now_ns); diag "$small"; t1=$(now_ns); diag "$large"; t2=$(now_ns)
  small_t+=($((t1 - t0))) large_t+=($((t2 - t1)))
done
t0=$(now_ns); certutil -L -d "sql:$large" >/dev/null; t1=$(now_ns)

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
awk -v s="$(median "${small_t[@]}")" -v l="$(median "${large_t[@]}")" -v c="$count" -v n="$runs" -v w="$((t1 - t0))" 'BEGIN {
  printf "runs (interleaved)                      %d\n", n
  printf "diagnose, profile with 10 certificates  %.2f ms (median)\n", s / 1e6
  printf "diagnose, profile with %d certificates %.2f ms (median)\n", c, l / 1e6
  printf "ratio large / small                     %.2fx   (target <= 1.2x)\n", l / s
  printf "certutil -L on the large profile        %.0f ms (once; a walk over every certificate)\n", w / 1e6
}'
