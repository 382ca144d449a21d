# Shared by the tools/ scripts: build the binaries, start a throw-away TLS server on a free loopback port,
# and clean up what a script started (by process id) and made (its work folder) when it exits.
# Source it; it sets ROOT (the project) and WORK (a fresh temporary folder).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certdoctor.XXXXXX")
_started_pids=()

# The script's own exit status survives the clean-up: a server stopped here ends with 143, and under `set -e`
# that status would otherwise become the script's.
cleanup() {
  local rc=$? pid
  for pid in "${_started_pids[@]}"; do
    kill "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# step LOG TEXT COMMAND...: runs COMMAND with its output appended to LOG, printing one line for the step.
# On failure it shows the log's last lines and where the whole log is, and exits.
step() {
  local log=$1 text=$2 start=$SECONDS
  shift 2
  printf '  %s ... ' "$text"
  printf '\n### %s\n$ %s\n' "$text" "$*" >>"$log"
  if "$@" >>"$log" 2>&1; then
    echo "done ($((SECONDS - start)) s)"
  else
    echo "FAILED"
    echo "---- last lines of $log:" >&2
    tail -n 25 "$log" >&2
    echo "---- the whole log: $log" >&2
    exit 1
  fi
}

# cmake_generator: Ninja when it is installed. tools/test.sh switches the tests on in the folder the demo built:
# that changes the flags of the few files with test hooks (native-host/CMakeLists.txt), and Ninja recompiles just
# those, where Make recompiles every file of their libraries. A folder keeps the generator it was made with.
cmake_generator() {
  if command -v ninja >/dev/null; then echo "-G Ninja"; fi
}

# build_binaries [BUILD_DIR] [LOG]: configures (once) and builds the CLI, the host and the host manifests
# (the native-messaging manifest Firefox needs to start the host). With LOG, one line per step is printed and
# the compiler's output goes to LOG; without it, the output is dropped unless the build fails.
build_binaries() {
  local dir=${1:-$ROOT/build} log=${2:-}
  if [[ -z $log ]]; then
    log=$WORK/build.log
    BUILD_QUIET=1
  fi
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    _build_step "$log" "Configuring the build in $dir" \
      cmake -S "$ROOT" -B "$dir" $(cmake_generator) -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  _build_step "$log" "Building certdoctor, certdoctor-host and the host manifests" \
    cmake --build "$dir" --target certdoctor certdoctor-host host-manifests -j"$(nproc)"
  BIN=$dir/bin
  unset BUILD_QUIET
}
_build_step() {
  if [[ -n ${BUILD_QUIET:-} ]]; then
    local log=$1
    shift 2
    "$@" >>"$log" 2>&1 || { tail -n 25 "$log" >&2; exit 1; }
  else
    step "$@"
  fi
}

# start_tls_server CERT KEY [s_server args...]: serves CERT on 127.0.0.1 at a free port; sets SERVER_PORT
# and SERVER_PID. A port taken in the meantime is retried on another.
start_tls_server() {
  local cert=$1 key=$2 attempt log
  shift 2
  for attempt in 1 2 3 4 5; do
    SERVER_PORT=$((20000 + RANDOM % 40000))
    log=$WORK/s_server.$SERVER_PORT.log
    openssl s_server -accept "127.0.0.1:$SERVER_PORT" -cert "$cert" -key "$key" -www "$@" \
      </dev/null >"$log" 2>&1 &
    SERVER_PID=$!
    _started_pids+=("$SERVER_PID")
    for _ in $(seq 100); do
      grep -q ACCEPT "$log" && return 0
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill "$SERVER_PID" 2>/dev/null
  done
  echo "could not start openssl s_server: $(cat "$log")" >&2
  return 1
}

# self_signed NAME SUBJECT SERIAL_HEX: a device-style self-signed certificate NAME.pem / NAME.key in WORK.
self_signed() {
  local name=$1 subject=$2 serial=$3 cn=${2##*CN=}
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$name.key" -out "$WORK/$name.pem" -days 365 \
    -subj "$subject" -set_serial "0x$serial" -addext "subjectAltName=DNS:$cn" 2>/dev/null
}

# bench_root NAME SUBJECT: a self-signed CA NAME.pem / NAME.key in WORK.
bench_root() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" -out "$WORK/$1.pem" -days 30 \
    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
}

# bench_issue NAME ISSUER SUBJECT SERIAL_HEX EXTENSION_LINE: NAME.pem / NAME.key in WORK, signed by ISSUER.
bench_issue() {
  openssl req -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" -out "$WORK/$1.csr" -subj "$3" 2>/dev/null
  printf '%s\n' "$5" >"$WORK/$1.ext"
  openssl x509 -req -in "$WORK/$1.csr" -CA "$WORK/$2.pem" -CAkey "$WORK/$2.key" -set_serial "0x$4" \
    -days 30 -extfile "$WORK/$1.ext" -out "$WORK/$1.pem" 2>/dev/null
}
