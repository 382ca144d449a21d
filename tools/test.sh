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

# A skipped test tested nothing: in CI (CI set, as .ci/run sets it) any skipped entry fails the run, named with its
# reason (tools/skipped-tests.sh).
if [[ -n ${CI:-} ]] && ! "$root/tools/skipped-tests.sh" "$out" "$build"; then
  status=1
fi
exit "$status"
