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

say "certdoctor diagnose $url"
"$BIN/certdoctor" diagnose "$url" --resolve "$host:$SERVER_PORT:127.0.0.1" --profile "$profile" \
  --reported-error SEC_ERROR_REUSED_ISSUER_AND_SERIAL

say "Done"
echo "The served certificate and the stored copy share issuer and serial 01 but differ in their SHA-256:"
echo "that pair is what Firefox refuses. Run 'tools/test.sh' to run the test suite."
