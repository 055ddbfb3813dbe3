#!/usr/bin/env bash
# Refreshes the vendored front-end assets in static/vendor from the npm registry.
# The versions are pinned here; change them, run this script, commit the result.
set -euo pipefail
HTMX_VERSION=2.0.11
PICO_VERSION=2.1.1

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "htmx.org@$HTMX_VERSION" "@picocss/pico@$PICO_VERSION" >/dev/null
mkdir htmx pico
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar -xzf "picocss-pico-$PICO_VERSION.tgz" -C pico

mkdir -p "$out"
cp htmx/package/dist/htmx.min.js "$out/htmx.min.js"
cp htmx/package/LICENSE "$out/htmx.LICENSE"
cp pico/package/css/pico.min.css "$out/pico.min.css"
cp pico/package/LICENSE.md "$out/pico.LICENSE.md"
printf 'htmx.org %s\n@picocss/pico %s\n' "$HTMX_VERSION" "$PICO_VERSION" > "$out/VERSIONS"
echo "vendored htmx $HTMX_VERSION and Pico CSS $PICO_VERSION into static/vendor"
