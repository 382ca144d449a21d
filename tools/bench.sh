#!/usr/bin/env bash
# Benchmark: `certdoctor diagnose` against the obvious alternative, `openssl s_client -showcerts`, on the same
# local server (a leaf + intermediate chain), in two cases:
#   plain   the chain, with an empty profile;
#   stale   the profile trusts the root and still stores an old copy of the site's certificate (same issuer and
#           serial, other bytes): SEC_ERROR_REUSED_ISSUER_AND_SERIAL, the copy named and its removal judged.
# Each case is timed twice: certdoctor reading the profile with Firefox's own NSS (found at its known location,
# as for a user) and with the system's (CERTDOCTOR_NSS=system).
# s_client runs as a bare fetch: without loading the system CA store (-no-CAfile -no-CApath -no-CAstore),
# which would otherwise cost it ~30 ms and flatter the ratio.
# The processes themselves are timed by hyperfine -N: it forks and execs each command with no shell and no wrapper
# between, and measures it from fork to exit (both commands alike), in short alternating blocks (below). Peak memory is read
# once per case afterwards with /usr/bin/time, outside the timed runs. Each run is a fresh process: no daemon,
# no cache. Prints the median wall time of each, their ratio, the peak resident memory of the diagnosis, and the
# mean processor time (user + system) of each with its ratio.
# Targets: ratio <= 1.5 (aim 1.0), peak RSS < 16 MiB.
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
# The certificate the site had before: same issuer and serial, another key.
bench_issue old ica "/CN=bench.test" 2002 "subjectAltName=DNS:bench.test"
mkdir -p "$WORK/plain" "$WORK/stale"
certutil -N -d "sql:$WORK/plain" --empty-password
certutil -N -d "sql:$WORK/stale" --empty-password
certutil -A -d "sql:$WORK/stale" -n "Bench Root" -t "C,," -i "$WORK/root.pem"
certutil -A -d "sql:$WORK/stale" -n "bench.test (old)" -t ",," -i "$WORK/old.pem"

start_tls_server "$WORK/leaf.pem" "$WORK/leaf.key" -cert_chain "$WORK/ica.pem"
url="https://bench.test:$SERVER_PORT/"
diagnose() { echo "$BIN/certdoctor diagnose $url --json --resolve bench.test:$SERVER_PORT:127.0.0.1 --profile $WORK/$1"; }
s_client="openssl s_client -connect 127.0.0.1:$SERVER_PORT -servername bench.test -showcerts -no-CAfile -no-CApath -no-CAstore"

# Once before timing: each command does what it is timed for (hyperfine drops their output).
$(diagnose plain) >"$WORK/plain.json" 2>/dev/null
grep -q '"sha256"' "$WORK/plain.json" || { echo "certdoctor produced no chain" >&2; exit 1; }
grep -q '"library": "firefox"' "$WORK/plain.json" || { echo "certdoctor did not read with Firefox's NSS" >&2; exit 1; }
$(diagnose stale) >"$WORK/stale.json" 2>/dev/null
grep -q '"SEC_ERROR_REUSED_ISSUER_AND_SERIAL"' "$WORK/stale.json" || { echo "certdoctor missed the stale copy" >&2; exit 1; }
$s_client </dev/null >"$WORK/s_client.out" 2>&1
grep -q 'BEGIN CERTIFICATE' "$WORK/s_client.out" || { echo "s_client produced no chain" >&2; exit 1; }

# On a shared machine the load changes from second to second: the two commands are timed in short alternating
# blocks (hyperfine runs BLOCK of one, then BLOCK of the other, and again), and the medians are taken over all runs.
block=5
rounds=$(((runs + block - 1) / block))
# median_ms INDEX JSON...: the median of command INDEX's runs over hyperfine's JSON files, in milliseconds.
median_ms() {
  node -e 'const fs = require("fs"); const [i, ...files] = process.argv.slice(1);
           const t = files.flatMap((f) => JSON.parse(fs.readFileSync(f, "utf8")).results[+i].times).sort((a, b) => a - b);
           const m = t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
           process.stdout.write((m * 1000).toFixed(2));' "$@"
}

printf 'runs per command %d (hyperfine -N, in alternating blocks of %d, 1 warm-up run a block), %s cores, load %s\n' \
  "$((rounds * block))" "$block" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
# cpu_ms INDEX JSON...: command INDEX's mean processor time (user + system) over the files, in milliseconds: less
# sensitive than wall time to the other programs of a shared machine.
cpu_ms() {
  node -e 'const fs = require("fs"); const [i, ...files] = process.argv.slice(1);
           const r = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")).results[+i]);
           process.stdout.write((1000 * r.reduce((a, x) => a + x.user + x.system, 0) / r.length).toFixed(2));' "$@"
}

printf '%-7s %-18s %12s %12s %7s %10s %10s %10s %7s\n' case "profile read by" diagnose s_client ratio "peak RSS" "cpu diag" "cpu s_cl" "ratio"
for case in plain stale; do
  for nss in firefox system; do
    env=()
    [[ $nss == system ]] && env=(CERTDOCTOR_NSS=system)
    files=()
    for ((r = 0; r < rounds; r++)); do
      env "${env[@]}" hyperfine -N --style none --warmup 1 --runs "$block" --export-json "$WORK/$case-$nss-$r.json" \
        -n diagnose "$(diagnose "$case")" -n s_client "$s_client" >/dev/null 2>&1
      files+=("$WORK/$case-$nss-$r.json")
    done
    env "${env[@]}" /usr/bin/time -f %M -o "$WORK/rss" $(diagnose "$case") >/dev/null 2>&1
    ours=$(median_ms 0 "${files[@]}")
    theirs=$(median_ms 1 "${files[@]}")
    cpu_ours=$(cpu_ms 0 "${files[@]}")
    cpu_theirs=$(cpu_ms 1 "${files[@]}")
    awk -v c="$case" -v n="$nss" -v o="$ours" -v t="$theirs" -v kb="$(tail -n1 "$WORK/rss")" -v co="$cpu_ours" -v ct="$cpu_theirs" \
      'BEGIN { printf "%-7s %-18s %9.2f ms %9.2f ms %6.2fx %6.1f MiB %7.2f ms %7.2f ms %6.2fx\n", c, (n == "firefox" ? "Firefox'"'"'s NSS" : "system NSS"), o, t, o / t, kb / 1024, co, ct, co / ct }'
  done
done
echo "targets: ratio <= 1.5x (aim 1.0x), peak RSS < 16 MiB"
