#!/usr/bin/env bash
# Real third-party browser code from the npm registry (package.json, package-lock.json): the sandbox serves it
# to the crawler and the benchmarks run it. Installed into node_modules/ (never committed), without running
# any package's install scripts; done again only when the lock file changes (a reinstall also drops the
# bundles). Then bundles what the sandbox serves built (Prebid.js), again only when the lock or the bundle's
# entry file changes. Needs Node.js and npm: installed with apt-get when run as root, otherwise a message says
# what to install.
set -eu
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing nodejs and npm with apt-get..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq nodejs npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
  else
    echo "npm is missing (Debian/Ubuntu: sudo apt-get install nodejs npm)" >&2
    exit 1
  fi
fi
stamp=node_modules/.moneytrail-$(sha1sum package-lock.json | cut -c1-12)
if [ ! -e "$stamp" ]; then
  echo "installing the npm packages of package.json..." >&2
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
  rm -rf node_modules/.moneytrail-* && touch "$stamp"
fi
# Bundles built from the installed packages (the output stays in node_modules/, never committed): Prebid.js
# ships ES module sources, so the sandbox's publisher build (core + bidder adapters) is made with esbuild.
entry=sandbox/assets/prebid/entry.js
build=node_modules/.moneytrail-build
built=$build/.from-$(cat package-lock.json "$entry" | sha1sum | cut -c1-12)
if [ ! -e "$built" ]; then
  echo "bundling Prebid.js with esbuild..." >&2
  rm -rf "$build" && mkdir -p "$build"
  node_modules/.bin/esbuild "$entry" --bundle --minify --format=iife --target=es2020 --log-level=warning \
    --outfile="$build/prebid.js"
  touch "$built"
fi
