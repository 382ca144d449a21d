#!/usr/bin/env bash
# Installs the Debian packages certdoctor needs to build, test and run its demo. Idempotent: packages that are
# already installed are left alone, and the package lists are refreshed only when something must be installed.
# Usage: tools/setup.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  # build (Ninja rebuilds exactly the files whose flags changed, see tools/lib/common.sh)
  cmake g++ make ninja-build pkg-config
  # the engine's libraries
  libssl-dev libnss3-dev nlohmann-json3-dev libboost-dev libboost-filesystem-dev libcli11-dev libpsl-dev
  # the fleet audit reads nmap XML with expat, a streaming parser
  libexpat1-dev
  # tests, demo and benchmarks: Catch2, real TLS servers (openssl s_server), real profiles (certutil),
  # GNU time (peak memory), a real HTTP CONNECT proxy (tinyproxy)
  catch2 openssl libnss3-tools time tinyproxy-bin
  # which object classes a cert9.db holds, whichever NSS reads it (tests: no orphan trust object of either format);
  # the benchmark times the processes themselves, without a shell (hyperfine -N)
  sqlite3 hyperfine
  # the audit's Prometheus output checked by real parsers: promtool (check metrics, check/test rules) and the
  # Prometheus Python client's OpenMetrics parser (tests/support/openmetrics.py)
  prometheus python3-prometheus-client
  # fuzzing (tools/fuzz.sh): clang with libFuzzer, whose runtime needs libclang-rt-14-dev explicitly
  clang libclang-rt-14-dev
  # ground truth and end-to-end tests in the real browser (driven by puppeteer-core from tests/browser); the German
  # language pack, for the extension's German locale as a German Firefox shows it (tests/browser/e2e-german.mjs)
  firefox-esr firefox-esr-l10n-de
)
# Node.js runs the browser tests; a machine that has it (from any source) keeps it.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} Debian packages are present"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
