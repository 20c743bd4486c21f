#!/usr/bin/env bash
# Create (or repair) the virtual environment and install moneytrail into it, editable, with test extras.
# Usage: tools/setup-venv.sh PYTHON VENV
set -eu
python=$1 venv=$2
command -v "$python" >/dev/null || { echo "error: $python not found: moneytrail needs Python >= 3.11 (make PYTHON=python3.12 ...)" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: $python is older than 3.11" >&2; exit 1; }
want=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -e "$venv" ]; then
  have=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo broken)
  if [ "$have" != "$want" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    echo "recreating $venv (it has Python $have, without a working pip, or $python is $want)" >&2
    rm -rf "$venv"
  fi
fi
if [ ! -e "$venv" ]; then
  "$python" -m venv "$venv" || {
    rm -rf "$venv"
    echo "error: could not create a virtual environment; on Debian/Ubuntu: apt-get install python3-venv (or python$want-venv)" >&2
    exit 1
  }
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e '.[test]'
