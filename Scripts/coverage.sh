#!/usr/bin/env bash
# Line coverage per module (Sources/<Module>) of the whole test suite, from llvm-cov:
#   Scripts/coverage.sh                runs `swift test --enable-code-coverage`, then prints the table
#   Scripts/coverage.sh --report-only  prints the table from the last such run's profile
# The suites that need Chromium, Firefox or the servers skip without them (and say so), so run it
# where they are installed, with CORS_REQUIRE_CHROMIUM/FIREFOX/NGINX/SERVERS=1 as .ci/run sets them,
# for figures that count every suite. The `cors` binary that CORSToolTests start writes its own
# profile into the same folder, so Sources/cors counts what the tool tests ran through it.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  --report-only) ;;
  "") swift test --enable-code-coverage ;;
  *) echo "usage: Scripts/coverage.sh [--report-only]" >&2; exit 2 ;;
esac

bin=.build/debug
tests=$bin/swift-corsPackageTests.xctest
profile=$bin/codecov/default.profdata
if [ ! -f "$tests" ] || [ ! -f "$profile" ]; then
  echo "no $tests or $profile: run Scripts/coverage.sh without --report-only first" >&2
  exit 1
fi
# The toolchain's own llvm-cov: another one (Debian's, say) may not read this profile's format.
llvm_cov=$(dirname "$(readlink -f "$(command -v swift)")")/llvm-cov
if [ ! -x "$llvm_cov" ]; then llvm_cov=$(command -v llvm-cov); fi
objects=("$tests")
if [ -x "$bin/cors" ]; then objects+=(-object "$bin/cors"); fi

printf '| %-16s | %6s | %6s | %6s |\n' module lines missed cover
printf '|%s|%s:|%s:|%s:|\n' ------------------ ------- ------- -------
total_lines=0
total_missed=0
for dir in Sources/*/; do
  module=$(basename "$dir")
  # The TOTAL row of the module's files: Regions, Missed, Cover, Functions, Missed, Executed,
  # Lines, Missed, Cover, ...
  read -r lines missed < <("$llvm_cov" report "${objects[@]}" -instr-profile "$profile" "$PWD/$dir" |
    awk '$1 == "TOTAL" { print $8, $9 }')
  if [ -z "${lines:-}" ]; then lines=0; missed=0; fi
  total_lines=$((total_lines + lines))
  total_missed=$((total_missed + missed))
  cover=$(awk -v l="$lines" -v m="$missed" 'BEGIN { if (l == 0) print "-"; else printf "%.1f%%", 100 * (l - m) / l }')
  printf '| %-16s | %6d | %6d | %6s |\n' "$module" "$lines" "$missed" "$cover"
done
cover=$(awk -v l="$total_lines" -v m="$total_missed" 'BEGIN { printf "%.1f%%", 100 * (l - m) / l }')
printf '| %-16s | %6d | %6d | %6s |\n' "all of Sources" "$total_lines" "$total_missed" "$cover"
