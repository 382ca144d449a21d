#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test (CTest). This is what CI runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CERTDOCTOR_BUILD_DIR:-$root/build}

"$root/tools/setup.sh"
# The browser tests' npm packages, exactly as locked.
(cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
# A new folder is made with Ninja when it is there (tools/lib/common.sh); an existing one keeps its generator.
generator=()
[[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DBUILD_TESTING=ON
cmake --build "$build" -j"$(nproc)"
status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" | tee "$out" || status=$?

# A skipped test tested nothing. CTest lists it apart ("The following tests did not run: ... (Skipped)") and exits 0
# when nothing failed, so in CI (CI set, as .ci/run sets it) any skipped entry fails the run, named with its reason:
# the line it printed with the skip marker (tests/CMakeLists.txt), or else the last line of its output (exit 77).
if [[ -n ${CI:-} ]] && grep -q ' (Skipped)$' "$out"; then
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
  status=1
fi
exit "$status"
