#!/usr/bin/env bash
# Builds the DocC documentation of every documented module and fails on any warning (a broken
# symbol link, a missing article, an undocumented parameter), then fails if a public symbol has
# no doc comment of its own:
#   Scripts/docs.sh              the archives land in .build/plugins/Swift-DocC/outputs/<Module>.doccarchive
# To read the documentation in a browser while writing it:
#   swift package --disable-sandbox preview-documentation --target CORS
# The modules are the ones .spi.yml lists, so the Swift Package Index builds the same pages.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(CORS CORSBrowser CORSFetch CORSHummingbird CORSVapor CORSProxy CORSScan CORSExport CORSExplain)

targets=()
for module in "${modules[@]}"; do targets+=(--target "$module"); done

echo "== DocC: ${modules[*]} (warnings are errors)"
# --warnings-as-errors is docc's own flag: the plugin hands docc what it does not know itself.
swift package generate-documentation "${targets[@]}" --warnings-as-errors

echo "== public symbols without a doc comment of their own"
# The symbol graphs the plugin just had SwiftPM extract, one folder per module
# (.build/<triple>/extracted-symbols/<package>/<Module>); the newest, should there be several.
graphs=()
for module in "${modules[@]}"; do
  graph=$(ls -td .build/*/extracted-symbols/*/"$module" 2>/dev/null | head -1 || true)
  if [ -z "$graph" ]; then
    echo "no symbol graph for $module under .build/*/extracted-symbols/" >&2
    exit 1
  fi
  graphs+=("$graph")
done
python3 Scripts/check-doc-comments.py "${graphs[@]}"
