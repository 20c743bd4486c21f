#!/usr/bin/env bash
# Make sure a Chromium that Playwright can drive is on this machine:
# Playwright's own build where present, else Debian's chromium (installed with apt when root).
set -eu
py=${1:-.venv/bin/python}
if "$py" -c "from moneytrail.crawler.browser import find_chromium; print(find_chromium())" 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  "$py" -c "from moneytrail.crawler.browser import find_chromium; print(find_chromium())"
  exit 0
fi
cat >&2 <<MSG
No Chromium found. Install one of:
  sudo apt-get install chromium              (Debian/Ubuntu)
  $py -m playwright install chromium          (Playwright's own build; needs internet)
or point MONEYTRAIL_CHROMIUM at a Chromium binary.
MSG
exit 1
