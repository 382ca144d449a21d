#!/usr/bin/env bash
# A test that cannot run on a machine is reported by CTest as skipped, with its reason, and CI fails on it. Checked
# on this project's real entries, on a machine made to lack what they need (tests/CMakeLists.txt registers this):
#   1. without node: a build folder configured where node does not exist registers every browser entry and the
#      extension's lint anyway, CTest reports each as skipped with "node is not installed", and
#      tools/skipped-tests.sh (what tools/test.sh runs in CI) fails naming each with that reason;
#   2. not root: the root-only tests ([root]) run by CTest as the user nobody are reported skipped, "needs root", and
#      so are the policy test (it writes Firefox's system folder) and the .deb test, each with its reason;
#   3. without Firefox: the open_separately test ([firefox]) is reported skipped, "firefox-esr is not installed".
# Each time tools/skipped-tests.sh, CI's check, must fail and name every skipped entry with that reason.
# "Lacking" is real for the programs it starts: a private mount namespace (unshare) puts an empty, non-executable
# file over node and firefox-esr, so CMake's find_program and the tests' own lookups find nothing.
#
#   tests/check-skips.sh SOURCE_DIR BUILD_DIR INTEGRATION_TESTS (the executable)
set -euo pipefail
[[ $# == 3 ]] || { echo "usage: $0 SOURCE_DIR BUILD_DIR INTEGRATION_TESTS" >&2; exit 2; }
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
integration=$3
marker="certdoctor-test-skipped:"  # tests/CMakeLists.txt, kSkipMarker

if [[ $(id -u) != 0 ]] || ! unshare --mount true 2>/dev/null; then
  echo "$marker needs root and unshare --mount, to hide programs from the tests and to run them as another user"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Runs "$@" in a mount namespace of its own where each program named in $hide (a space-separated list of names on
# PATH) is an empty file that cannot be executed.
without() {
  local hide=$1 mounts="" p
  shift
  for name in $hide; do
    for p in $(type -ap "$name"); do mounts+="mount --bind /dev/null $(printf '%q' "$(readlink -f "$p")") && "; done
  done
  unshare --mount bash -c "$mounts exec \"\$@\"" bash "$@"
}
# The names of the entries an output of ctest lists as skipped, sorted.
skipped() { sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$1" | sort; }

# ---- 1. without node
generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
without "node nodejs" bash -c '! node --version && ! nodejs --version' >/dev/null 2>&1 || fail "node still runs in the namespace"
without "node nodejs" cmake -S "$src" -B "$work/no-node" -G "$generator" -DBUILD_TESTING=ON >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; fail "the project does not configure without node"; }
grep -qx 'NODE:FILEPATH=NODE-NOTFOUND' "$work/no-node/CMakeCache.txt" || fail "CMake found a node: $(grep '^NODE:' "$work/no-node/CMakeCache.txt")"
# What needs node in the build with node: every browser entry and the lint.
ctest --test-dir "$build" -N -L '^(browser|lint)$' | sed -n 's/^ *Test *#[0-9]*: //p' | sort >"$work/needs-node"
[[ $(wc -l <"$work/needs-node") -ge 2 ]] || fail "the build $build lists no browser entries"
without "node nodejs" ctest --test-dir "$work/no-node" -L '^(browser|lint)$' >"$work/no-node.out" 2>&1 ||
  { cat "$work/no-node.out" >&2; fail "ctest failed without node (the entries must be skipped, not failed)"; }
skipped "$work/no-node.out" >"$work/skipped"
diff "$work/needs-node" "$work/skipped" >&2 || fail "without node, these entries (<) were not reported skipped, or others (>) were"
if "$src/tools/skipped-tests.sh" "$work/no-node.out" "$work/no-node" 2>"$work/why"; then
  fail "tools/skipped-tests.sh passed a run with skipped entries"
fi
n=$(wc -l <"$work/needs-node")
[[ $(grep -c '^      why: node is not installed' "$work/why") == "$n" ]] ||
  { cat "$work/why" >&2; fail "tools/skipped-tests.sh did not name the $n entries, each with 'node is not installed'"; }
echo "ok: without node, the $n browser and lint entries are reported skipped, and the CI check fails naming each with its reason"

# ---- 2. and 3.: the build's own entries (the Catch2 ones as catch_discover_tests listed them, with their
# SKIP_REGULAR_EXPRESSION; the scripts with their SKIP_RETURN_CODE), run by CTest in a folder of their own that the
# user nobody may write, and CI's check on what it printed.
catch_entries() {  # the CTest names (regex, anchored) of the integration tests with Catch2 tag $1
  local names
  names=$("$integration" "$1" --list-test-names-only) || true  # Catch2 exits with the number of names it listed
  sed <<<"$names" '/^$/d; s/[][\.*^$()+?{}|]/\\&/g; s/^/^integration:/; s/$/$/' | paste -sd'|'
}
runs=$work/runs
mkdir -p "$runs"
echo "include(\"$build/tests/CTestTestfile.cmake\")" >"$runs/CTestTestfile.cmake"
chown -R nobody:nogroup "$work"
chmod 755 "$work"

# Runs the $2 entries matching $3 with ctest as user $1 (in a namespace without the programs in $4); expects CTest to
# report each skipped, and tools/skipped-tests.sh to fail naming each with a reason matching the extended regex $5.
expect_skipped() {
  local user=$1 n=$2 names=$3 hide=$4 reason=$5 out=$work/$RANDOM.out
  without "$hide" setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
    ctest --test-dir "$runs" -R "$names" --output-on-failure >"$out" 2>&1 || { cat "$out" >&2; fail "$user: ctest failed"; }
  [[ $(skipped "$out" | wc -l) == "$n" ]] || { cat "$out" >&2; fail "not all $n entries were reported skipped"; }
  if "$src/tools/skipped-tests.sh" "$out" "$runs" 2>"$out.why"; then fail "tools/skipped-tests.sh passed skipped entries"; fi
  [[ $(grep -cE "^      why: ($reason)" "$out.why") == "$n" ]] ||
    { cat "$out.why" >&2; fail "tools/skipped-tests.sh did not give each of the $n the reason '$reason'"; }
  echo "ok: $n entries reported skipped, and the CI check names each with its reason ($reason)"
}
root_only=$(catch_entries "[root]")
[[ -n $root_only ]] || fail "no [root] tests in $integration"
expect_skipped nobody "$(tr '|' '\n' <<<"$root_only" | grep -c .)" "$root_only" "" "needs root"
expect_skipped nobody 2 "policy force-installs the extension|^package: the \.deb installs" "" \
  "SKIP: cannot write .*/distribution|SKIP: installing a package needs root"
expect_skipped root 1 "$(catch_entries "[twins][firefox]")" "firefox-esr" "firefox-esr is not installed"
