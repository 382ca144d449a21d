#!/usr/bin/env bash
# The .deb for real: built with CPack, installed with dpkg on this machine, files checked where they land (the host,
# the CLI on PATH, the system-wide manifest naming the packaged host, the extension and its schema), `certdoctor
# doctor` finding the host through the system manifest, then removed with dpkg and nothing left behind.
# It changes system folders: CTest runs it alone, and it is skipped (exit 77) when not root or when a certdoctor
# package is already installed (it is never touched).
#   tests/package/test-deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
[[ $(id -u) == 0 ]] || { echo "SKIP: installing a package needs root"; exit 77; }
status=$(dpkg-query -W -f='${Status}' certdoctor 2>/dev/null || true)
if grep -q installed <<<"$status"; then
  echo "SKIP: a certdoctor package is already installed on this machine; this test leaves it alone"; exit 77
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
cleanup() { dpkg -r certdoctor >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$work" >/dev/null)
deb=$(ls "$work"/certdoctor_*.deb)
dpkg -i "$deb" >/dev/null

files=(/usr/lib/certdoctor/certdoctor /usr/lib/certdoctor/certdoctor-host /usr/lib/mozilla/native-messaging-hosts/certdoctor.json
       /usr/share/certdoctor/certdoctor.xpi /usr/share/certdoctor/schema.json /usr/share/doc/certdoctor/ADMIN.md)
for f in "${files[@]}"; do [[ -f $f ]] || fail "$f not installed"; done
[[ -x /usr/lib/certdoctor/certdoctor-host ]] || fail "the host is not executable"
[[ $(readlink -f /usr/bin/certdoctor) == /usr/lib/certdoctor/certdoctor ]] || fail "certdoctor is not on PATH"
# Each listing is read whole before grep looks at it: with pipefail, `cmd | grep -q` fails at random when grep
# stops early and cmd then dies of SIGPIPE.
owned=$(dpkg -L certdoctor)
grep -qx /usr/lib/mozilla/native-messaging-hosts/certdoctor.json <<<"$owned" || fail "dpkg does not own the manifest"
grep -q '"path": "/usr/lib/certdoctor/certdoctor-host"' /usr/lib/mozilla/native-messaging-hosts/certdoctor.json \
  || fail "the manifest does not name the packaged host"
xpi_files=$(unzip -Z1 /usr/share/certdoctor/certdoctor.xpi)
grep -qx manifest.json <<<"$xpi_files" || fail "the .xpi has no manifest.json"
version=$(/usr/bin/certdoctor --version)
grep -q '^certdoctor ' <<<"$version" || fail "certdoctor --version"
# A user with nothing of their own finds the packaged host through the system folder.
mkdir -p "$work/home"
report=$(/usr/bin/certdoctor doctor --home "$work/home" --json || true)
grep -q 'certdoctor.json (system-wide) names the host' <<<"$report" || fail "doctor does not see the system manifest: $report"
grep -q '/usr/lib/certdoctor/certdoctor-host is there and executable' <<<"$report" || fail "doctor: $report"

dpkg -r certdoctor >/dev/null
for f in "${files[@]}" /usr/bin/certdoctor; do [[ ! -e $f && ! -L $f ]] || fail "$f left behind after dpkg -r"; done
echo "ok: installed, checked and removed $(basename "$deb")"
