#!/usr/bin/env bash
# Refreshes the vendored front-end assets in static/vendor from the npm registry.
# The versions are pinned here; change them, run this script, commit the result.
set -euo pipefail
HTMX_VERSION=2.0.11
PICO_VERSION=2.1.1
AXE_VERSION=4.14.1 # test only: internal/e2e injects it into pages; the console never serves it

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "htmx.org@$HTMX_VERSION" "@picocss/pico@$PICO_VERSION" "axe-core@$AXE_VERSION" >/dev/null
mkdir htmx pico axe
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar -xzf "picocss-pico-$PICO_VERSION.tgz" -C pico
tar -xzf "axe-core-$AXE_VERSION.tgz" -C axe

mkdir -p "$out"
cp htmx/package/dist/htmx.min.js "$out/htmx.min.js"
cp htmx/package/LICENSE "$out/htmx.LICENSE"
cp pico/package/css/pico.min.css "$out/pico.min.css"
cp pico/package/LICENSE.md "$out/pico.LICENSE.md"
printf 'htmx.org %s\n@picocss/pico %s\n' "$HTMX_VERSION" "$PICO_VERSION" > "$out/VERSIONS"
testdata="$root/internal/e2e/testdata"
cp axe/package/axe.min.js "$testdata/axe.min.js"
cp axe/package/LICENSE "$testdata/axe.LICENSE"
printf 'axe-core %s (test only: injected into pages by the browser tests, never served by the console)\n  npm pack axe-core@%s → package/axe.min.js\n  sha256 %s\n' \
  "$AXE_VERSION" "$AXE_VERSION" "$(sha256sum "$testdata/axe.min.js" | cut -d' ' -f1)" > "$testdata/VERSIONS"
echo "vendored htmx $HTMX_VERSION and Pico CSS $PICO_VERSION into static/vendor, axe-core $AXE_VERSION into internal/e2e/testdata"
