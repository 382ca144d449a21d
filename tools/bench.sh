#!/usr/bin/env bash
# Benchmark: `certdoctor diagnose` against the obvious alternative, `openssl s_client -showcerts`, on the same
# local server (a leaf + intermediate chain), interleaved in one run so both see the same machine state.
# s_client runs as a bare fetch: without loading the system CA store (-no-CAfile -no-CApath -no-CAstore),
# which would otherwise cost it ~30 ms and flatter the ratio.
# Prints the median wall time of each, their ratio, and the peak resident memory of the diagnosing process.
# Both commands run under the same /usr/bin/time wrapper (which reads their peak RSS), so it costs both alike.
# Targets: ratio <= 1.5 (aim 1.0), peak RSS < 16 MiB. Each run is a fresh process: no daemon, no cache.
# Usage: tools/bench.sh [RUNS]   (default 40)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
runs=${1:-40}

"$ROOT/tools/setup.sh" >/dev/null
build_binaries "$ROOT/build-bench"   # an optimised build of its own, untouched by test builds

# A realistic chain: root -> intermediate -> leaf, RSA 2048, the intermediate sent by the server.
bench_root root "/CN=Bench Root"
bench_issue ica root "/CN=Bench CA" 1001 "basicConstraints=critical,CA:TRUE"
bench_issue leaf ica "/CN=bench.test" 2002 "subjectAltName=DNS:bench.test"
mkdir -p "$WORK/profile"
certutil -N -d "sql:$WORK/profile" --empty-password

start_tls_server "$WORK/leaf.pem" "$WORK/leaf.key" -cert_chain "$WORK/ica.pem"
url="https://bench.test:$SERVER_PORT/"

now_ns() { date +%s%N; }
ours=() theirs=() peak_kb=0 peak_s_client_kb=0
for ((i = 0; i < runs; i++)); do
  t0=$(now_ns)
  /usr/bin/time -f %M -o "$WORK/rss" "$BIN/certdoctor" diagnose "$url" --json \
    --resolve "bench.test:$SERVER_PORT:127.0.0.1" --profile "$WORK/profile" >"$WORK/out.json" 2>/dev/null
  t1=$(now_ns)
  /usr/bin/time -f %M -o "$WORK/rss_s_client" openssl s_client -connect "127.0.0.1:$SERVER_PORT" -servername bench.test -showcerts \
    -no-CAfile -no-CApath -no-CAstore </dev/null >"$WORK/s_client.out" 2>&1
  t2=$(now_ns)
  grep -q '"sha256"' "$WORK/out.json" || { echo "certdoctor produced no chain" >&2; exit 1; }
  grep -q 'BEGIN CERTIFICATE' "$WORK/s_client.out" || { echo "s_client produced no chain" >&2; exit 1; }
  ours+=($((t1 - t0))) theirs+=($((t2 - t1)))
  kb=$(tail -n1 "$WORK/rss")
  ((kb > peak_kb)) && peak_kb=$kb
  kb=$(tail -n1 "$WORK/rss_s_client")
  ((kb > peak_s_client_kb)) && peak_s_client_kb=$kb
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_ours=$(median "${ours[@]}")
m_theirs=$(median "${theirs[@]}")
awk -v o="$m_ours" -v t="$m_theirs" -v kb="$peak_kb" -v skb="$peak_s_client_kb" -v n="$runs" 'BEGIN {
  printf "runs (interleaved)                 %d\n", n
  printf "certdoctor diagnose, median        %.2f ms\n", o / 1e6
  printf "openssl s_client (bare fetch), median %.2f ms\n", t / 1e6
  printf "ratio certdoctor / s_client        %.2fx   (target <= 1.5x)\n", o / t
  printf "certdoctor peak RSS                %.1f MiB (target < 16 MiB; s_client %.1f MiB)\n", kb / 1024, skb / 1024
}'
