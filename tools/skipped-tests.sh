#!/usr/bin/env bash
# Names every test CTest skipped, each with its reason, and fails (exit 1) when there is one; exit 0 when none was.
#
#   tools/skipped-tests.sh CTEST_OUTPUT BUILD_DIR
#
# CTEST_OUTPUT is what `ctest` printed; BUILD_DIR the folder it ran in (its Testing/Temporary/LastTest.log holds
# each entry's output). A skipped test tested nothing: CTest lists it apart ("The following tests did not run:
# ... (Skipped)") and exits 0 when nothing failed, so tools/test.sh runs this in CI to fail on any skipped entry.
# The reason is the line the entry printed with the skip marker (tests/CMakeLists.txt, kSkipMarker there), or else
# the last line of its output (an entry that exits 77). tests/check-skips.sh runs this on a real build without node.
set -euo pipefail
[[ $# == 2 ]] || { echo "usage: $0 CTEST_OUTPUT BUILD_DIR" >&2; exit 2; }
out=$1
build=$2
grep -q ' (Skipped)$' "$out" || exit 0
echo "CI: these tests were skipped, and a skipped test tested nothing:" >&2
sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$out" | while IFS= read -r name; do
  reason=$(awk -v head="Test: $name" '
    /^[0-9]+\/[0-9]+ Test: / { line = $0; sub(/^[0-9]+\/[0-9]+ /, "", line); if (line == head) inside = 1; next }
    inside && /^<end of output>$/ { exit }
    inside && /certdoctor-test-skipped: / { sub(/.*certdoctor-test-skipped: /, ""); marked = $0 }
    inside && NF { last = $0 }
    END { print (marked != "" ? marked : last) }
  ' "$build/Testing/Temporary/LastTest.log")
  printf '  %s\n      why: %s\n' "$name" "${reason:-(no output)}" >&2
done
exit 1
