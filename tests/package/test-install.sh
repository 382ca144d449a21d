#!/usr/bin/env bash
# tools/install.sh on fake trees (a temporary home and file system root), for Linux and macOS, per user and
# system-wide: files land where Firefox looks (checked by `certdoctor doctor`, which knows those places on its own),
# a second run changes nothing, a missing host is refused with nothing written, and --uninstall leaves no file.
#   tests/package/test-install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
install=$here/tools/install.sh
certdoctor=$build/bin/certdoctor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for platform in linux macos; do
  for scope in user system; do
    t=$work/$platform-$scope
    mkdir -p "$t/home" "$t/root"
    args=(--$scope --platform "$platform" --home "$t/home" --root "$t/root" --build "$build")
    out=$("$install" "${args[@]}")
    grep -q '^installed .*certdoctor.json' <<<"$out" || fail "$platform/$scope: no manifest installed: $out"
    again=$("$install" "${args[@]}")
    grep -q '^installed' <<<"$again" && fail "$platform/$scope: a second run changed something: $again"
    report=$("$certdoctor" doctor --platform "$platform" --home "$t/home" --root "$t/root" --json || true)
    want=$([[ $scope == user ]] && echo "(this user)" || echo "(system-wide)")
    grep -q "certdoctor.json $want names the host" <<<"$report" || fail "$platform/$scope: doctor: $report"
    grep -q 'is there and executable' <<<"$report" || fail "$platform/$scope: doctor sees no host program: $report"
    # The installed host answers over native-messaging frames (a hello).
    manifest=$(find "$t" -name certdoctor.json -path '*ative*' | head -1)
    hostpath=$(sed -n 's/.*"path": "\(.*\)",*/\1/p' "$manifest")
    [[ -x $hostpath ]] || fail "$platform/$scope: manifest path $hostpath is not executable"
    msg='{"type":"hello","id":1}'
    reply=$( { printf "$(printf '\\x%02x' ${#msg} 0 0 0)"; printf '%s' "$msg"; } |
      "$hostpath" "$manifest" certdoctor@certdoctor.dev | tail -c +5)
    grep -q '"ok":true' <<<"$reply" || fail "$platform/$scope: the installed host did not answer hello: $reply"

    "$install" "${args[@]}" --uninstall >/dev/null
    left=$(find "$t" -type f -o -type l)
    [[ -z $left ]] || fail "$platform/$scope: left behind after --uninstall: $left"
  done
done

# Never a manifest for a host that is not there.
t=$work/refused
mkdir -p "$t/home"
if "$install" --user --home "$t/home" --host "$t/nowhere/certdoctor-host" 2>"$t/err"; then fail "a missing --host was accepted"; fi
grep -q 'missing or not executable' "$t/err" || fail "no clear refusal: $(cat "$t/err")"
[[ -z $(find "$t/home" -type f) ]] || fail "something was written for a missing host"
if "$install" --user --home "$t/home" --build "$t/nobuild" 2>"$t/err"; then fail "a missing build was accepted"; fi
grep -q 'build first' "$t/err" || fail "no clear refusal: $(cat "$t/err")"
# The administrators' archive carries the scripts, the extension and the manifests for each system.
cmake --build "$build" --target admin-archive >/dev/null
listing=$(unzip -l "$build"/certdoctor-admin-*.zip)
for f in install.sh install.ps1 certdoctor.xpi schema.json ADMIN.md manifests/macos/certdoctor.json \
         manifests/windows/certdoctor.json manifests/windows/certdoctor-system.reg manifests/windows/certdoctor-user.reg; do
  grep -q " $f\$" <<<"$listing" || fail "the admin archive lacks $f"
done
echo "ok: user and system installs on Linux and macOS trees, idempotent, refused without a host, removed cleanly; admin archive complete"
