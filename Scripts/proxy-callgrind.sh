#!/usr/bin/env bash
# `cors proxy`'s own work per request in instructions, not seconds: valgrind's callgrind counts the
# user-space instructions the gateway runs for N requests (ab, keep-alive, 8 connections) in front
# of the benchmark's upstream nginx, counting only while those requests run (after 2,000 to warm
# up). The count barely moves between runs whatever else the machine does (wrk's requests per second
# here drift by more than a change is worth), so each change to the gateway's hot path is measured
# this way first; Scripts/proxy-bench.sh gives the time beside nginx. The kernel's share (about half
# a request's CPU, the same syscalls as nginx) is not counted.
# Usage: Scripts/proxy-callgrind.sh [actual|preflight|both] [N=20000]   (needs valgrind, ab, nginx:
#        apt-get install valgrind apache2-utils nginx-light; a static build, ~17 min cold, then ~1 min per change)
#        CORS_STATIC_BIN=path Scripts/proxy-callgrind.sh   (count that binary: built with --static-swift-stdlib)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
requests=${2:-20000}
[ "$which" = both ] && which="actual preflight"
for tool in valgrind callgrind_control ab; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
# proxy-common.sh's helpers (upstream nginx, ports, cleanup of what it started); no pinning here.
CORS_BIN=${CORS_STATIC_BIN:-}
# shellcheck source=Scripts/proxy-common.sh
source Scripts/proxy-common.sh
pin_server=(); pin_client=(); pin_upstream=()
# valgrind cannot follow a Swift binary that loads the runtime dynamically, nor read its debug info.
if [ -z "${CORS_STATIC_BIN:-}" ]; then
  if ! log=$(swift build -c release --product cors --static-swift-stdlib --scratch-path .build/static 2>&1); then
    echo "$log" | tail -30
    exit 1
  fi
  CORS_STATIC_BIN=.build/static/release/cors
fi
binary=$tmp/cors.nodebug
objcopy --strip-debug "$CORS_STATIC_BIN" "$binary"

start_upstream
for kind in $which; do
  out=$tmp/callgrind.$kind
  log=$tmp/proxy.$kind.log
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$binary" proxy \
    --upstream "http://127.0.0.1:$UPORT" --policy "$policy" --listen "127.0.0.1:$CORS_PORT" --access-log off --threads 1 \
    > "$log" 2>&1 &
  proxy=$!
  started+=("$proxy")
  for _ in $(seq 1 1200); do
    grep -q "listening on" "$log" && break
    kill -0 "$proxy" 2>/dev/null || die "cors proxy under valgrind exited: $(tail -5 "$log")"
    sleep 0.1
  done
  grep -q "listening on" "$log" || die "cors proxy under valgrind not listening within 120 s"
  headers=(-H "Origin: $origin")
  method=()
  if [ "$kind" = preflight ]; then
    headers+=(-H "Access-Control-Request-Method: PUT" -H "Access-Control-Request-Headers: content-type,authorization")
    method=(-m OPTIONS)
  fi
  url=http://127.0.0.1:$CORS_PORT/items/1
  ab -q -k -n 2000 -c 8 ${method[@]+"${method[@]}"} "${headers[@]}" "$url" > /dev/null
  callgrind_control -i on "$proxy" > /dev/null 2>&1
  ab -q -k -n "$requests" -c 8 ${method[@]+"${method[@]}"} "${headers[@]}" "$url" > "$tmp/ab.txt"
  callgrind_control -i off "$proxy" > /dev/null 2>&1
  failed=$(awk '/^Failed requests:/ {print $3}' "$tmp/ab.txt")
  [ "${failed:-1}" = 0 ] || die "$kind: ab reports failed requests: $(grep -E 'requests|Non-2xx' "$tmp/ab.txt")"
  kill -INT "$proxy"
  wait "$proxy" || true
  forget "$proxy"
  total=$(callgrind_annotate "$out" 2> /dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  printf '%-10s %d requests: %d instructions per request (user space, cors proxy only)\n' "$kind" "$requests" $((total / requests))
done
