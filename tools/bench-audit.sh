#!/usr/bin/env bash
# Benchmark of `certdoctor audit` (not a timed test):
#  1. N loopback endpoints (default 1000) served by one process (audit_fleet serve), audited with the default
#     64 connections in flight, against the obvious alternative in the same run: the same audit one connection
#     at a time (--parallel 1). Wall time and peak resident memory of the audit (GNU time).
#  2. zgrab2 records (default 100,000, one endpoint each) read from a file, at two sizes (a quarter and all of
#     it), to show that peak memory does not grow with the input: the records stream.
# Targets: 1,000 endpoints in under 5 s with peak RSS under 100 MiB; 100,000 zgrab2 records in under 60 s.
# Usage: tools/bench-audit.sh [ENDPOINTS] [RECORDS]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
endpoints=${1:-1000}
records=${2:-100000}

"$ROOT/tools/setup.sh" >/dev/null
# An optimised build with the tests' TLS farm (for the fleet); CERTDOCTOR_BENCH_BUILD names an existing one.
dir=${CERTDOCTOR_BENCH_BUILD:-$ROOT/build-bench-audit}
if [[ ! -f $dir/CMakeCache.txt ]]; then
  cmake -S "$ROOT" -B "$dir" -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$WORK/build.log" 2>&1
fi
cmake --build "$dir" --target certdoctor audit_fleet -j"$(nproc)" >>"$WORK/build.log" 2>&1 ||
  { tail -25 "$WORK/build.log"; exit 1; }
BIN=$dir/bin
ulimit -n 8192 2>/dev/null || true   # the fleet listens on one port per endpoint

# measure NAME COMMAND...: runs COMMAND with stdout dropped; prints wall seconds and peak RSS in MiB.
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || [[ $? == 1 ]]
  read -r secs kb < <(tail -n 1 "$WORK/time")   # GNU time puts "Command exited with non-zero status" first
  printf '  %-46s %7.2f s   peak %6.1f MiB\n' "$name" "$secs" "$(awk "BEGIN{print $kb / 1024}")"
  LAST_SECS=$secs
}

say "$endpoints loopback endpoints from one process"
coproc FLEET { "$BIN/audit_fleet" serve "$endpoints" "$WORK/targets.txt"; }
_started_pids+=("$FLEET_PID")
read -r ready count <&"${FLEET[0]}"
[[ $ready == ready ]] || { echo "the fleet did not start"; exit 1; }
measure "certdoctor audit (64 in flight)" "$BIN/certdoctor" audit "$WORK/targets.txt" --json
parallel=$LAST_SECS
{ "$BIN/certdoctor" audit "$WORK/targets.txt" --json 2>/dev/null || true; } |
  python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print("  found: %d endpoints, %d reachable, %d collision groups, %d in them" % (s["endpoints"], s["reachable"], s["collision_groups"], s["endpoints_in_collisions"]))'
measure "the alternative: one at a time (--parallel 1)" "$BIN/certdoctor" audit "$WORK/targets.txt" --json --parallel 1
printf '  ratio: %.1fx faster than one at a time\n' "$(awk "BEGIN{print $LAST_SECS / $parallel}")"
eval "exec ${FLEET[1]}>&-"
wait "$FLEET_PID" 2>/dev/null || true

say "zgrab2 records, streamed"
quarter=$((records / 4))
"$BIN/audit_fleet" zgrab2 "$quarter" >"$WORK/quarter.jsonl"
"$BIN/audit_fleet" zgrab2 "$records" >"$WORK/all.jsonl"
measure "$quarter records ($(du -m "$WORK/quarter.jsonl" | cut -f1) MB)" "$BIN/certdoctor" audit "$WORK/quarter.jsonl" --json
measure "$records records ($(du -m "$WORK/all.jsonl" | cut -f1) MB)" "$BIN/certdoctor" audit "$WORK/all.jsonl" --json
measure "$records records, CSV" "$BIN/certdoctor" audit "$WORK/all.jsonl" --csv
