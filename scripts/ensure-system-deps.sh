#!/usr/bin/env bash
# Installs the system programs the tests need (redis-server, chromium) when they are missing.
# Quick when they are present; says clearly what to do where it cannot install them.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-system-deps: installing ${missing[*]} with apt-get" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-system-deps: need root (or sudo) to install: ${missing[*]}. Install them with: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: no apt-get here. Install these yourself, then rerun: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for p in "${missing[@]}"; do
  case "$p" in
    chromium) [ -x /usr/bin/chromium ] || { echo "ensure-system-deps: chromium did not install" >&2; exit 1; } ;;
    *) command -v "$p" >/dev/null 2>&1 || { echo "ensure-system-deps: $p did not install" >&2; exit 1; } ;;
  esac
done
echo "ensure-system-deps: installed ${missing[*]}" >&2
