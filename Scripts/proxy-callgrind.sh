#!/usr/bin/env bash
# `cors proxy`'s own work per request in instructions, not seconds: valgrind's callgrind counts the
# user-space instructions the gateway runs for N requests (ab, keep-alive, 8 connections) in front
# of the benchmark's upstream nginx, counting only while those requests run (after 2,000 to warm
# up). The count barely moves between runs whatever else the machine does (wrk's requests per second
# here drift by more than a change is worth), so each change to the gateway's hot path is measured
# this way first; Scripts/proxy-bench.sh gives the time beside nginx. The kernel's share (about half
# a request's CPU, the same syscalls as nginx) is not counted.
# nginx, configured as the same CORS proxy (Benchmarks/proxy/nginx-cors.conf), is counted the same
# way beside it (one process, no master). Fewer instructions is not less time: reference counting's
# atomic operations and indirect calls cost more cycles per instruction than nginx's C.
# Usage: Scripts/proxy-callgrind.sh [actual|preflight|both] [N=20000]   (needs valgrind, ab, nginx:
#        apt-get install valgrind apache2-utils nginx-light; a static build, ~17 min cold, then ~1 min per change)
#        CORS_STATIC_BIN=path Scripts/proxy-callgrind.sh   (count that binary: built with --static-swift-stdlib)
#        ONLY=cors-proxy Scripts/proxy-callgrind.sh actual  (one server only: cors-proxy or nginx)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
requests=${2:-20000}
[ "$which" = both ] && which="actual preflight"
servers=${ONLY:-cors-proxy nginx}
for tool in valgrind callgrind_control ab; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
# proxy-common.sh's helpers (upstream nginx, ports, cleanup of what it started); no pinning here.
CORS_BIN=${CORS_STATIC_BIN:-}
# shellcheck source=Scripts/proxy-common.sh
source Scripts/proxy-common.sh
pin_server=(); pin_client=(); pin_upstream=()
# valgrind cannot follow a Swift binary that loads the runtime dynamically, nor read its debug info.
for server in $servers; do case $server in cors-proxy | nginx) ;; *) die "ONLY lists $server: cors-proxy or nginx" ;; esac; done
case " $servers " in
  *" cors-proxy "*)
    if [ -z "${CORS_STATIC_BIN:-}" ]; then
      if ! log=$(swift build -c release --product cors --static-swift-stdlib --scratch-path .build/static 2>&1); then
        echo "$log" | tail -30
        exit 1
      fi
      CORS_STATIC_BIN=.build/static/release/cors
    fi
    binary=$tmp/cors.nodebug
    objcopy --strip-debug "$CORS_STATIC_BIN" "$binary"
    ;;
esac

# start_counted cors-proxy|nginx: the server under callgrind (counting off until the warm-up is
# done), on its port; sets counted (its pid) and url.
start_counted() {
  local log=$tmp/$1.$kind.log
  out=$tmp/callgrind.$1.$kind
  if [ "$1" = cors-proxy ]; then
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$binary" proxy \
      --upstream "http://127.0.0.1:$UPORT" --policy "$policy" --listen "127.0.0.1:$CORS_PORT" --access-log off --threads 1 \
      > "$log" 2>&1 &
    counted=$!; url=http://127.0.0.1:$CORS_PORT/items/1
  else
    local dir=$tmp/nginx-counted/
    mkdir -p "$dir"
    sed -e "s|@PORT@|$NGINX_PORT|g" -e "s|@UPORT@|$UPORT|g" -e "s|@PREFIX@|$dir|g" Benchmarks/proxy/nginx-cors.conf > "$dir/nginx.conf"
    # One process (no master), so the worker's instructions are the ones counted.
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$NGINX" -p "$dir" -c "$dir/nginx.conf" \
      -e "$dir/error.log" -g "master_process off; ${nginx_user[*]:+user root;}" > "$log" 2>&1 &
    counted=$!; url=http://127.0.0.1:$NGINX_PORT/items/1
  fi
  started+=("$counted")
  for _ in $(seq 1 1200); do
    if [ "$1" = cors-proxy ]; then grep -q "listening on" "$log" && return 0; else port_open "$NGINX_PORT" && return 0; fi
    kill -0 "$counted" 2>/dev/null || die "$1 under valgrind exited: $(tail -5 "$log")"
    sleep 0.1
  done
  die "$1 under valgrind not listening within 120 s"
}

start_upstream
declare -A per_request
for kind in $which; do
  for server in $servers; do
    start_counted "$server"
    headers=(-H "Origin: $origin")
    method=()
    if [ "$kind" = preflight ]; then
      headers+=(-H "Access-Control-Request-Method: PUT" -H "Access-Control-Request-Headers: content-type,authorization")
      method=(-m OPTIONS)
    fi
    ab -q -k -n 2000 -c 8 ${method[@]+"${method[@]}"} "${headers[@]}" "$url" > /dev/null
    callgrind_control -i on "$counted" > /dev/null 2>&1
    ab -q -k -n "$requests" -c 8 ${method[@]+"${method[@]}"} "${headers[@]}" "$url" > "$tmp/ab.txt"
    callgrind_control -i off "$counted" > /dev/null 2>&1
    failed=$(awk '/^Failed requests:/ {print $3}' "$tmp/ab.txt")
    [ "${failed:-1}" = 0 ] || die "$server, $kind: ab reports failed requests: $(grep -E 'requests|Non-2xx' "$tmp/ab.txt")"
    if [ "$server" = cors-proxy ]; then kill -INT "$counted"; else kill -TERM "$counted"; fi  # nginx: a graceful QUIT waits on its pooled connections
    wait "$counted" || true
    forget "$counted"
    total=$(callgrind_annotate "$out" 2> /dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    per_request[$server]=$((total / requests))
    printf '%-10s %-10s %d requests: %d instructions per request (user space)\n' "$kind" "$server" "$requests" $((total / requests))
  done
  if [ -n "${per_request[cors-proxy]:-}" ] && [ -n "${per_request[nginx]:-}" ]; then
    awk -v k="$kind" -v a="${per_request[cors-proxy]}" -v b="${per_request[nginx]}" 'BEGIN {printf "%-10s cors-proxy/nginx: %.3f\n", k, a / b}'
  fi
done
