#!/usr/bin/env bash
# System tools the tests use besides Chromium: pdftoppm (poppler-utils) renders report PDFs to images; the
# scale-out tests start a real redis-server and a real PostgreSQL.
# Installed with apt-get when run as root; otherwise a message says what to install.
set -eu
missing=()
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v redis-server >/dev/null || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${missing[*]} with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
  exit 0
fi
echo "missing system packages for the tests: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
exit 1
