#!/usr/bin/env bash
# Installs certdoctor's native-messaging host so that Firefox finds it, for this user or for every user of the
# machine; --uninstall takes it away again. Running it twice changes nothing the second time.
#
#   tools/install.sh [--user | --system] [--uninstall] [--host PATH] [--build DIR]
#
#   --user      (default) programs in ~/.local/lib/certdoctor, the manifest in ~/.mozilla/native-messaging-hosts
#               (macOS: ~/Library/Application Support/certdoctor and .../Mozilla/NativeMessagingHosts)
#   --system    programs in /usr/local/lib/certdoctor, the manifest in /usr/lib/mozilla/native-messaging-hosts
#               (macOS: /Library/Application Support/Mozilla/NativeMessagingHosts); needs root
#   --host PATH point the manifest at a host already installed there (nothing is copied)
#   --build DIR the build folder whose bin/ holds certdoctor and certdoctor-host (default: build)
#   --home DIR, --root DIR, --platform linux|macos   act on another home / file system root (for tests and images)
#
# Windows: tools/windows/install.ps1. Check the result with: certdoctor doctor
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
scope=user uninstall=0 host="" build="$ROOT_DIR/build" home=${HOME:-} fsroot="" platform=""
while (($#)); do
  case $1 in
    --user) scope=user ;;
    --system) scope=system ;;
    --uninstall) uninstall=1 ;;
    --host) host=$2; shift ;;
    --build) build=$2; shift ;;
    --home) home=$2; shift ;;
    --root) fsroot=${2%/}; shift ;;
    --platform) platform=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $platform ]] || platform=$([[ $(uname -s) == Darwin ]] && echo macos || echo linux)
[[ $platform == linux || $platform == macos ]] || { echo "install.sh: --platform is linux or macos" >&2; exit 2; }
[[ -n $home ]] || { echo "install.sh: no home folder (set HOME or --home)" >&2; exit 2; }

# Where things go: the same places `certdoctor doctor` checks (native-host/lib/rollout/rollout.cpp).
case $platform/$scope in
  linux/user)   libdir=$home/.local/lib/certdoctor bindir=$home/.local/bin manifest_dir=$home/.mozilla/native-messaging-hosts ;;
  linux/system) libdir=$fsroot/usr/local/lib/certdoctor bindir=$fsroot/usr/local/bin manifest_dir=$fsroot/usr/lib/mozilla/native-messaging-hosts ;;
  macos/user)   libdir="$home/Library/Application Support/certdoctor" bindir=$home/.local/bin
                manifest_dir="$home/Library/Application Support/Mozilla/NativeMessagingHosts" ;;
  macos/system) libdir=$fsroot/usr/local/lib/certdoctor bindir=$fsroot/usr/local/bin
                manifest_dir="$fsroot/Library/Application Support/Mozilla/NativeMessagingHosts" ;;
esac
manifest=$manifest_dir/certdoctor.json

if ((uninstall)); then
  # Only what this script put there: our manifest (named certdoctor) and our two programs.
  if [[ -f $manifest ]] && grep -q '"name": *"certdoctor"' "$manifest"; then rm -f "$manifest"; echo "removed $manifest"; fi
  for prog in certdoctor certdoctor-host; do
    if [[ -f $libdir/$prog ]]; then rm -f "$libdir/$prog"; echo "removed $libdir/$prog"; fi
  done
  if [[ -L $bindir/certdoctor && $(readlink "$bindir/certdoctor") == "$libdir/certdoctor" ]]; then rm -f "$bindir/certdoctor"; fi
  rmdir "$libdir" 2>/dev/null || true
  exit 0
fi

if [[ -z $host ]]; then
  for prog in certdoctor certdoctor-host; do
    [[ -x $build/bin/$prog ]] || { echo "install.sh: $build/bin/$prog is missing: build first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
  done
  mkdir -p "$libdir" "$bindir"
  for prog in certdoctor certdoctor-host; do
    if cmp -s "$build/bin/$prog" "$libdir/$prog"; then echo "unchanged $libdir/$prog"
    else install -m 0755 "$build/bin/$prog" "$libdir/$prog.new" && mv -f "$libdir/$prog.new" "$libdir/$prog"; echo "installed $libdir/$prog"; fi
  done
  ln -sfn "$libdir/certdoctor" "$bindir/certdoctor"
  host=$libdir/certdoctor-host
  generator=$libdir/certdoctor
else
  generator=$(dirname "$host")/certdoctor
  [[ -x $generator ]] || generator=$build/bin/certdoctor
fi
# Never point a manifest at something that is not there.
[[ $host == /* ]] || { echo "install.sh: --host must be an absolute path (Firefox requires one)" >&2; exit 1; }
[[ -f $host && -x $host ]] || { echo "install.sh: $host is missing or not executable; no manifest written" >&2; exit 1; }
[[ -x $generator ]] || { echo "install.sh: cannot find the certdoctor program to write the manifest" >&2; exit 1; }

mkdir -p "$manifest_dir"
tmp=$(mktemp "$manifest_dir/.certdoctor.json.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$generator" host-manifest --host-path "$host" >"$tmp"
chmod 0644 "$tmp"
if cmp -s "$tmp" "$manifest"; then echo "unchanged $manifest"
else mv -f "$tmp" "$manifest"; echo "installed $manifest (host: $host)"; fi
