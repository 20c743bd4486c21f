#!/bin/sh
# make demo: serve the sandbox (the built-in simulated piracy web) on a free port, crawl its watchlist
# through it into var/ (SQLite, screenshots, log), stop the sandbox, say where the results are.
set -eu
VENV=${1:-.venv}
MT="$VENV/bin/moneytrail"
mkdir -p var
"$MT" sandbox watchlist -o var/sandbox-watchlist.csv
"$MT" sandbox truth -o var/sandbox-truth.json
"$MT" sandbox brands -o var/sandbox-brands.toml
: > var/sandbox.log
"$MT" sandbox serve --port 0 --state-dir var/sandbox-state > var/sandbox.log 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null || true' EXIT INT TERM
i=0
until grep -q "sandbox ready on" var/sandbox.log; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $SANDBOX 2>/dev/null; then
    echo "the sandbox did not start:" >&2; cat var/sandbox.log >&2; exit 1
  fi
  sleep 0.1
done
ADDRESS=$(sed -n 's/.*sandbox ready on \(http:[^ ]*\).*/\1/p' var/sandbox.log | head -n 1)
echo "sandbox serving on $ADDRESS; crawling its 43 sites through it (home page and one content page each)"
status=0
MONEYTRAIL_HOME="$PWD/var" "$MT" crawl --watchlist var/sandbox-watchlist.csv --name sandbox --proxy "$ADDRESS" \
  --pages 1 --log var/logs/demo-crawl.log || status=$?
if [ $status -eq 0 ]; then
  MONEYTRAIL_HOME="$PWD/var" "$MT" export all --out var/export || status=$?
  echo "writing the three reports into var/reports/"
  export MONEYTRAIL_HOME="$PWD/var"
  "$MT" report exposure --period "$(date -u +%Y-%m)" --brands var/sandbox-brands.toml -f html -f pdf -f xlsx \
    --out var/reports || status=$?
  "$MT" report network --all -f html --out var/reports/networks || status=$?
  "$MT" report advertiser --brand ShopMart --domain shopmart-online.test -f html --out var/reports || status=$?
fi
cat <<MSG

Results (under var/):
  var/moneytrail.db          the SQL store (SQLite): runs, visits with their observations, requests, windows, ads.txt
  var/screenshots/           page and landing-page screenshots, by run
  var/logs/demo-crawl.log    the crawl's log
  var/reports/               exposure-<month>.html/.pdf/.xlsx, networks/network-<name>.html with notice packs,
                             advertiser-ShopMart.html (an advertiser audit)
  var/export/                the findings: links.csv (site -> network -> advertiser), networks.csv, miners.csv,
                             publisher-ids.csv, clusters.csv (operators)
  var/sandbox-truth.json     what the sandbox really holds, to compare with
Look:  $MT watchlist list sandbox
       sqlite3 var/moneytrail.db "select kind, landing_site, count(*) from windows group by 1, 2 order by 3 desc"  (with sqlite3 installed)
MSG
exit $status
