#!/usr/bin/env bash
# End-to-end load test (issue #3): a Hummingbird server on 127.0.0.1 under wrk, with no CORS,
# with swift-cors, with Hummingbird's own CORSMiddleware, and with a middleware that only writes
# the same fields (the floor of decorating); and, as a pair, no middleware but a handler answering a
# prebuilt response without and with the four fields (what sending them costs at all); alternating rounds so drift hits
# every variant alike. Prints each round and the median requests/s of each, as ratios to the baseline.
# Usage: Scripts/load-test.sh [rounds=5] [seconds=10]     (needs wrk: apt-get install wrk)
#        MODES="prebuilt wire-floor" Scripts/load-test.sh 9 8   (some of the servers only)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-10}
port=18081
modes=${MODES:-none swift-cors built-in headers-only prebuilt wire-floor}
first=${modes%% *}
swift build -c release --package-path Benchmarks --product LoadTestServer >/dev/null
server=Benchmarks/.build/release/LoadTestServer
# The server on one core and wrk on the other, when taskset is there: less interference between them.
pin_server=(); pin_wrk=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then pin_server=(taskset -c 0); pin_wrk=(taskset -c 1); fi
declare -A results
for round in $(seq 1 "$rounds"); do
  for mode in $modes; do
    ${pin_server[@]+"${pin_server[@]}"} "$server" "$mode" "$port" & pid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/items/1" && break; sleep 0.1; done
    ${pin_wrk[@]+"${pin_wrk[@]}"} wrk -t1 -c16 -d2s -H 'Origin: https://app.example.com' "http://127.0.0.1:$port/items/1" >/dev/null
    rps=$(${pin_wrk[@]+"${pin_wrk[@]}"} wrk -t1 -c16 -d"${seconds}s" -H 'Origin: https://app.example.com' "http://127.0.0.1:$port/items/1" \
      | awk '/Requests\/sec/ {print $2}')
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "round $round $mode $rps"
    results[$mode]="${results[$mode]:-} $rps"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base=$(echo "${results[$first]}" | median)
for mode in $modes; do
  m=$(echo "${results[$mode]}" | median)
  printf '%-12s median %10.0f req/s  %.3f of %s\n' "$mode" "$m" "$(echo "$m / $base" | bc -l)" "$first"
done
