#!/usr/bin/env bash
# The main job on a built-in example: a "device" whose certificate was re-made with its old serial, and a
# Firefox profile that still holds the old copy - the classic SEC_ERROR_REUSED_ISSUER_AND_SERIAL - diagnosed
# by certdoctor. Needs nothing but a Debian machine (it installs what is missing) and cleans up after itself.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

say "Setting up and building"
"$ROOT/tools/setup.sh"
build_binaries

host=idrac-demo.test
say "Making the example: $host re-made its certificate with the old serial 01"
self_signed old "/O=Example Devices/CN=$host" 01   # what the profile saw last year
self_signed new "/O=Example Devices/CN=$host" 01   # after a firmware update: same issuer, same serial, new key
profile=$WORK/profile
mkdir -p "$profile"
certutil -N -d "sql:$profile" --empty-password
certutil -A -d "sql:$profile" -n "$host (stored last year)" -t ",," -i "$WORK/old.pem"
echo "The throw-away profile $profile holds the old copy:"
certutil -L -d "sql:$profile" | sed 's/^/  /'
echo "  sha256 $(openssl x509 -in "$WORK/old.pem" -outform DER | sha256sum | cut -d' ' -f1)"

start_tls_server "$WORK/new.pem" "$WORK/new.key"
url="https://$host:$SERVER_PORT/"
echo "A TLS server on 127.0.0.1:$SERVER_PORT now presents the new certificate as $url"

diagnose() {
  "$BIN/certdoctor" diagnose "$url" --resolve "$host:$SERVER_PORT:127.0.0.1" --profile "$profile" "$@"
}

say "1. The diagnosis: certdoctor diagnose $url"
diagnose --reported-error SEC_ERROR_REUSED_ISSUER_AND_SERIAL
stale=$(diagnose --json | sed -n 's/.*"stored_sha256": "\([0-9a-f]\{64\}\)".*/\1/p' | head -n1)

say "2. The fix: remove exactly that stored certificate (a backup is kept)"
echo "\$ certdoctor remove --profile $profile --sha256 $stale"
"$BIN/certdoctor" remove --profile "$profile" --sha256 "$stale" --url "$url"
echo "What the profile holds now:"
certutil -L -d "sql:$profile" | sed 's/^/  /'

say "3. Diagnosed again: nothing stored conflicts any more"
diagnose | sed -n '/^Findings/,/^Certificates/p'

say "4. Undo puts the old copy back exactly"
"$BIN/certdoctor" undo --profile "$profile" --list
"$BIN/certdoctor" undo --profile "$profile"
certutil -L -d "sql:$profile" | sed 's/^/  /'

say "Done"
echo "Run 'tools/test.sh' to run the test suite (it checks all of this against real servers and profiles)."
