#!/usr/bin/env bash
# The floor under the gateway's preflight answer: wrk's preflight request (as Scripts/proxy-bench.sh
# sends it) against nginx-cors.conf, `cors proxy`, and SwiftNIO answering a prebuilt 204 through
# NIOHTTP1's pipeline (nio-http) and from raw bytes (nio-raw): Benchmarks/Sources/NIOFloorServer.
# Alternating rounds, each server pinned to core 0 and wrk to core 1 (as proxy-bench.sh does);
# prints each round and the medians, and each server's median per-round ratio to nginx.
# Usage: Scripts/proxy-floor.sh [rounds=5] [seconds=8]   (CORS_BIN as in proxy-common.sh; FLOOR_BIN
#        else built: swift build -c release --package-path Benchmarks --product NIOFloorServer)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-8}
servers="nginx cors-proxy nio-http nio-raw"
# shellcheck source=Scripts/proxy-common.sh
source Scripts/proxy-common.sh
prepare_cors_proxy
if [ -z "${FLOOR_BIN:-}" ]; then
  swift build -c release --package-path Benchmarks --product NIOFloorServer >/dev/null
  FLOOR_BIN=Benchmarks/.build/release/NIOFloorServer
fi
FLOOR_PORT=${FLOOR_PORT:-18193}
cat > "$tmp/preflight.lua" <<LUA
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "$origin"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,authorization"
LUA
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
start_upstream
declare -A rps
for round in $(seq 1 "$rounds"); do
  order=$servers
  [ $((round % 2)) -eq 0 ] && order=$(echo "$servers" | tr ' ' '\n' | tac | paste -sd ' ')
  for server in $order; do
    case $server in
      nginx | cors-proxy) start_server "$server" ;;
      nio-*)
        ${pin_server[@]+"${pin_server[@]}"} "$FLOOR_BIN" "${server#nio-}" "$FLOOR_PORT" > "$tmp/floor.log" 2>&1 & server_stop=$!
        started+=("$server_stop"); server_url=http://127.0.0.1:$FLOOR_PORT
        for _ in $(seq 1 100); do port_open "$FLOOR_PORT" && break; sleep 0.1; done ;;
    esac
    code=$(curl -sS -o /dev/null -w '%{http_code}' -X OPTIONS -H "Origin: $origin" -H 'Access-Control-Request-Method: PUT' "$server_url/items/1")
    [ "$code" = 204 ] || die "$server answered the preflight with $code"
    run=(wrk -t1 -c64 -s "$tmp/preflight.lua" "$server_url/items/1")
    ${pin_client[@]+"${pin_client[@]}"} "${run[@]}" -d2s >/dev/null
    r=$(${pin_client[@]+"${pin_client[@]}"} "${run[@]}" -d"${seconds}s" | awk '/^Requests\/sec:/ {print $2}')
    printf 'round %d  %-10s %10.0f req/s\n' "$round" "$server" "$r"
    rps[$server]="${rps[$server]:-} $r"
    stop "$server_stop"
  done
done
echo
for server in $servers; do
  ratio=$(paste -d ' ' <(echo "${rps[$server]}" | tr ' ' '\n' | grep -v '^$') <(echo "${rps[nginx]}" | tr ' ' '\n' | grep -v '^$') | awk '{printf "%s ", $1 / $2}' | median)
  printf '%-10s median %8.0f req/s   median per-round ratio to nginx %.3f\n' "$server" "$(echo "${rps[$server]}" | median)" "$ratio"
done
