#!/usr/bin/env bash
# The main job on a built-in example, in a real Firefox: a device ("idrac-demo.test") whose certificate, issued by
# the company's internal CA, was re-made after a firmware update with its old serial, while the Firefox profile
# still holds the old copy - the classic SEC_ERROR_REUSED_ISSUER_AND_SERIAL. Firefox refuses the page; certdoctor
# diagnoses it and removes exactly the stale copy while Firefox runs; the same Firefox then loads the page; undo
# puts the copy back; then the same from the error page with the extension (Diagnose, Remove, the page loads,
# Undo). Needs nothing but a Debian machine (it installs what is missing) and cleans up after itself.
# Usage: tools/demo.sh [--watch]   (--watch: a visible Firefox window when a display is present)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

# Installing and building print one line per step; everything they say goes to one log, named at the end.
LOG=$ROOT/build/logs/demo-setup.log
mkdir -p "$(dirname "$LOG")"
: >"$LOG"
say "Setting up and building (the full output goes to $LOG)"
step "$LOG" "Installing the Debian packages that are missing" "$ROOT/tools/setup.sh"
build_binaries "$ROOT/build" "$LOG"
step "$LOG" "Installing the browser driver's npm packages, exactly as locked" \
  bash -c 'cd "$1" && npm ci --no-audit --no-fund --loglevel=error' _ "$ROOT/tests/browser"

host=idrac-demo.test
say "Making the example: $host re-made its certificate with the old serial 01"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 365 \
  -subj "/O=Example Corp/CN=Example Corp Device CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
device_cert() {  # device_cert NAME: a certificate for the device, serial 01, from the internal CA
  openssl req -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" -out "$WORK/$1.csr" \
    -subj "/O=Example Devices/CN=$host" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$host" >"$WORK/$1.ext"
  openssl x509 -req -in "$WORK/$1.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -set_serial 0x01 -days 365 \
    -extfile "$WORK/$1.ext" -out "$WORK/$1.pem" 2>/dev/null
}
device_cert old   # what the profile stored last year
device_cert new   # after the firmware update: same issuer, same serial, new key
profile=$WORK/profile
mkdir -p "$profile"
certutil -N -d "sql:$profile" --empty-password
certutil -A -d "sql:$profile" -n "Example Corp Device CA" -t "C,," -i "$WORK/ca.pem"
certutil -A -d "sql:$profile" -n "$host (stored last year)" -t ",," -i "$WORK/old.pem"
echo "The throw-away profile $profile trusts the internal CA and holds the old copy:"
certutil -L -d "sql:$profile" | sed 's/^/  /'

start_tls_server "$WORK/new.pem" "$WORK/new.key"
url="https://$host:$SERVER_PORT/"
echo "A TLS server on 127.0.0.1:$SERVER_PORT now presents the new certificate as $url"

node "$ROOT/tools/demo-firefox.mjs" --profile "$profile" --url "$url" --host "$host" \
  --resolve "$host:$SERVER_PORT:127.0.0.1" --certdoctor "$BIN/certdoctor" --build "$(dirname "$BIN")" "$@"
echo "What the profile holds after the undo:"
certutil -L -d "sql:$profile" | sed 's/^/  /'

say "Done"
echo "The set-up and build log: $LOG"
echo "Run 'tools/test.sh' to run the test suite (it checks all of this against real servers, profiles and Firefox)."
