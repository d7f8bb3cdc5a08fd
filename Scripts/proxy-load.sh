#!/usr/bin/env bash
# Load test of `cors proxy` in front of the upstream nginx of Benchmarks/proxy/upstream.conf:
#   (a) 100,000 GET /items/1 with Origin over 64 keep-alive connections (ab -k when installed, else
#       wrk with a Lua script that stops after exactly that many responses); zero errors required
#       (non-2xx, failed or socket errors); the proxy's RSS after the first 10,000, at the start of the
#       last 10,000 and at the end, and its growth from the first figure to the last;
#   (b) a 1 GiB download (a file of pseudo-random bytes the upstream serves), a 1 GiB upload with
#       Content-Length and a 1 GiB chunked upload (both stored by the upstream) through the proxy:
#       status, Access-Control-Allow-Origin, byte count and sha256 checked against the source file; the
#       proxy's RSS sampled every 0.2 s during each, its peak against the RSS before.
# Exits non-zero when a check fails or the RSS grew more than RSS_GROWTH_MAX percent (default 10) in (a).
# Usage: Scripts/proxy-load.sh                          (builds .build/release/cors unless CORS_BIN is set)
#        ONLY=nginx Scripts/proxy-load.sh               (nginx-cors.conf in place of cors proxy, to try the script)
#        REQUESTS=20000 BIG_BYTES=$((64<<20)) LOAD_TOOL=wrk Scripts/proxy-load.sh   (smaller, wrk instead of ab)
#        CORS_CONFIG=Benchmarks/proxy/cors-proxy.json Scripts/proxy-load.sh     (--config with a 4 GiB body limit)
# Also: CONNECTIONS (64), PARTS ("requests transfers"), CORS_ARGS, ports and CPUs (see Scripts/proxy-common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${REQUESTS:-100000}
connections=${CONNECTIONS:-64}
big_bytes=${BIG_BYTES:-1073741824}
parts=${PARTS:-requests transfers}
growth_max=${RSS_GROWTH_MAX:-10}
target=${ONLY:-cors-proxy}
case $target in cors-proxy | nginx) ;; *) echo "ONLY must be cors-proxy or nginx, not $target" >&2; exit 1 ;; esac
if [ -n "${LOAD_TOOL:-}" ]; then tool=$LOAD_TOOL; elif command -v ab >/dev/null; then tool=ab; else tool=wrk; fi
command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install apache2-utils, or wrk)" >&2; exit 1; }
[ "$requests" -ge 20 ] || { echo "REQUESTS must be at least 20" >&2; exit 1; }
# shellcheck source=Scripts/proxy-common.sh
source Scripts/proxy-common.sh
[ "$target" = cors-proxy ] && prepare_cors_proxy

mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
failures=()
fail() { echo "FAIL: $*"; failures+=("$*"); }

start_upstream
start_server "$target"
verify_server "$target" "$server_url"
echo "$target at $server_url (pid $server_pid${CORS_BIN:+, $CORS_BIN $CORS_ARGS}${CORS_CONFIG:+ --config from $CORS_CONFIG}); upstream nginx on 127.0.0.1:$UPORT"

# (a) --------------------------------------------------------------------------------------------
load_requests() {
  local interrupted="" tenth=$((requests / 10)) first=$((requests / 10)) last=$((requests - requests / 10))
  local progress=$tmp/load.progress out=$tmp/load.out rss_first="" rss_last="" i
  echo
  echo "(a) $requests requests over $connections connections with $tool: GET /items/1, Origin: $origin"
  : > "$progress"
  if [ "$tool" = ab ]; then
    # ab prints "Completed N requests" on stderr every tenth of -n (above 150 requests).
    ${pin_client[@]+"${pin_client[@]}"} ab -k -n "$requests" -c "$connections" -s 30 -H "Origin: $origin" \
      "$server_url/items/1" > "$out" 2> "$progress" & client=$!
    first_mark="Completed $first requests"; last_mark="Completed $last requests"
  else
    cat > "$tmp/count.lua" <<EOF
-- Counts responses (n and bad are globals, which done() reads through the thread), marks the first
-- and the last tenth and the end in files, and stops the one thread at the limit (wrk itself then
-- waits for its -d or a SIGINT, which the script sends when it sees load.done).
local limit, first, last, dir = $requests, $first, $last, "$tmp"
n, bad = 0, 0
wrk.method = "GET"
wrk.headers["Origin"] = "$origin"
local counter
function setup(thread) counter = thread end
local function mark(name) local f = io.open(dir .. "/" .. name, "w"); f:write(n, "\\n"); f:close() end
function response(status, headers, body)
  if n >= limit then return end
  n = n + 1
  if status < 200 or status > 299 then bad = bad + 1 end
  if n == first then mark("load.first") end
  if n == last then mark("load.last") end
  if n == limit then mark("load.done"); wrk.thread:stop() end
end
function done(summary, latency, requests)
  io.write(string.format("responses counted %d\\nnon-2xx counted %d\\n", counter:get("n"), counter:get("bad")))
end
EOF
    ${pin_client[@]+"${pin_client[@]}"} wrk -t1 -c"$connections" -d600s --latency -s "$tmp/count.lua" "$server_url/items/1" > "$out" 2>&1 & client=$!
    first_mark=""; last_mark=""
  fi
  for i in $(seq 1 12000); do   # at most 10 minutes, in 0.05 s steps
    if [ -z "$rss_first" ]; then
      if { [ -n "$first_mark" ] && grep -q "^$first_mark" "$progress"; } || [ -e "$tmp/load.first" ]; then rss_first=$(rss_kb "$server_pid"); fi
    fi
    if [ -z "$rss_last" ]; then
      if { [ -n "$last_mark" ] && grep -q "^$last_mark" "$progress"; } || [ -e "$tmp/load.last" ]; then rss_last=$(rss_kb "$server_pid"); fi
    fi
    kill -0 "$client" 2>/dev/null || break
    [ -e "$tmp/load.done" ] && [ -z "${interrupted:-}" ] && { kill -INT "$client"; interrupted=1; }
    sleep 0.05
  done
  if kill -0 "$client" 2>/dev/null; then kill "$client"; wait "$client" || true; fail "(a) $tool still running after 10 minutes"; return; fi
  local rc=0; wait "$client" || rc=$?
  local rss_end; rss_end=$(rss_kb "$server_pid")
  kill -0 "$server_pid" 2>/dev/null || { fail "(a) $target died during the load"; return; }
  if [ "$rc" != 0 ]; then
    if [ "$tool" = ab ]; then
      fail "(a) ab exited with status $rc: $(grep -v '^Completed ' "$progress" | tail -1) (last progress: $(grep '^Completed ' "$progress" | tail -1 || true))"
      echo "    hint: a timeout here often means the proxy keeps an HTTP/1.0 keep-alive connection open without"
      echo "    answering Connection: keep-alive, so ab waits for the close; LOAD_TOOL=wrk speaks HTTP/1.1"
    else
      fail "(a) wrk exited with status $rc: $(tail -3 "$out" | paste -sd ' ')"
    fi
    return 0
  fi
  local complete failed non2xx rate p99 extra=""
  if [ "$tool" = ab ]; then
    complete=$(awk '/^Complete requests:/ {print $3}' "$out")
    failed=$(awk '/^Failed requests:/ {print $3}' "$out")
    non2xx=$(awk '/^Non-2xx responses:/ {print $3}' "$out"); non2xx=${non2xx:-0}
    local writes keepalive; writes=$(awk '/^Write errors:/ {print $3}' "$out"); keepalive=$(awk '/^Keep-Alive requests:/ {print $3}' "$out")
    rate=$(awk '/^Requests per second:/ {print $4}' "$out"); p99=$(awk '$1 == "99%" {print $2 " ms"}' "$out")
    failed=$((${failed:-0} + ${writes:-0}))
    extra="; keep-alive $keepalive of $complete"
    [ "${keepalive:-0}" = "${complete:-x}" ] || echo "note: ab -k reused connections for $keepalive of $complete requests (ab speaks HTTP/1.0: the proxy must keep an HTTP/1.0 Connection: keep-alive connection open and answer with Content-Length)"
    grep -q '^Failed requests:' "$out" && awk '/^ *\(Connect:/' "$out"
  else
    complete=$(awk '/^responses counted/ {print $3}' "$out")
    non2xx=$(awk '/^non-2xx counted/ {print $3}' "$out")
    failed=$(awk '/Socket errors:/ {gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) n += $i} END {print n + 0}' "$out")
    rate=$(awk '/^Requests\/sec:/ {print $2}' "$out"); p99=$(awk '$1 == "99%" {print $2}' "$out")
  fi
  echo "completed ${complete:-?} of $requests; failed/socket errors ${failed:-?}; non-2xx ${non2xx:-?}$extra"
  echo "throughput ${rate:-?} req/s, p99 ${p99:-?}"
  [ "${complete:-0}" = "$requests" ] || fail "(a) ${complete:-0} of $requests requests completed: $(tail -3 "$out")"
  [ "${failed:-1}" = 0 ] || fail "(a) $failed failed requests or socket errors"
  [ "${non2xx:-1}" = 0 ] || fail "(a) $non2xx non-2xx responses"
  if [ -z "$rss_first" ] || [ -z "$rss_last" ]; then fail "(a) missed an RSS sample (progress: $(tail -2 "$progress" | paste -sd ' '))"; return 0; fi
  echo "RSS after the first $first: $rss_first kB ($(mib "$rss_first")); at the start of the last $tenth: $rss_last kB ($(mib "$rss_last")); at the end: $rss_end kB ($(mib "$rss_end")); peak (VmHWM) $(mib "$(hwm_kb "$server_pid")")"
  local growth; growth=$(awk -v a="$rss_first" -v b="$rss_end" 'BEGIN {printf "%.1f", 100 * (b - a) / a}')
  echo "RSS growth from the first $first requests to the end: $growth% (limit $growth_max%)"
  awk -v g="$growth" -v m="$growth_max" 'BEGIN {exit !(g > m)}' && fail "(a) RSS grew $growth%, more than $growth_max%"
  return 0
}

# (b) --------------------------------------------------------------------------------------------
# watch_transfer WHAT PID: samples the server's RSS every 0.2 s while PID (the curl) runs.
watch_transfer() {
  local what=$1 pid=$2 before peak=0 r i start end
  before=$(rss_kb "$server_pid"); start=$(date +%s.%N)
  for i in $(seq 1 3000); do   # at most 10 minutes
    r=$(rss_kb "$server_pid"); [ "${r:-0}" -gt "$peak" ] && peak=$r
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
  local rc=0; wait "$pid" || rc=$?
  end=$(date +%s.%N)
  r=$(rss_kb "$server_pid"); [ "${r:-0}" -gt "$peak" ] && peak=$r
  printf '%-26s %6.1f s  %7.0f MiB/s  RSS before %s, peak %s (+%s)\n' "$what" "$(echo "$end - $start" | bc -l)" \
    "$(echo "$big_bytes / 1048576 / ($end - $start)" | bc -l)" "$(mib "$before")" "$(mib "$peak")" "$(mib $((peak - before)))"
  transfer_rc=$rc
}

transfers() {
  local src=$upstream_www/files/big.bin h=$tmp/transfer.h meta=$tmp/transfer.meta sum code size acao
  echo
  echo "(b) $big_bytes bytes each way through $target (curl hashes the download as it reads, a slow reader:"
  echo "    a proxy that did not wait for it would buffer the upstream's bytes, and its RSS would show it)"
  if command -v openssl >/dev/null; then
    openssl enc -aes-128-ctr -nosalt -pass pass:swift-cors -pbkdf2 -in /dev/zero 2>/dev/null | head -c "$big_bytes" > "$src" || true
  else
    head -c "$big_bytes" /dev/urandom > "$src"
  fi
  [ "$(stat -c %s "$src")" = "$big_bytes" ] || die "could not make a $big_bytes-byte source file"
  local want; want=$(sha256sum < "$src" | cut -d' ' -f1)

  # download
  ( curl -sS --max-time 600 -H "Origin: $origin" -D "$h" -w '%{stderr}%{http_code} %{size_download}\n' \
      "$server_url/files/big.bin" 2> "$meta" | sha256sum | cut -d' ' -f1 > "$tmp/transfer.sum" ) & local pid=$!
  watch_transfer "download" "$pid"
  read -r code size < <(tail -1 "$meta") || true; sum=$(cat "$tmp/transfer.sum"); acao=$(field "$h" Access-Control-Allow-Origin)
  [ "$transfer_rc" = 0 ] || fail "download: curl failed: $(cat "$meta")"
  [ "$code" = 200 ] || fail "download: status $code"
  [ "$acao" = "$origin" ] || fail "download: Access-Control-Allow-Origin '$acao'"
  [ "$size" = "$big_bytes" ] || fail "download: $size bytes, expected $big_bytes"
  [ "$sum" = "$want" ] || fail "download: sha256 $sum, expected $want"
  [ "$code $size $sum" = "200 $big_bytes $want" ] && echo "  200, $size bytes, sha256 matches"

  # uploads: with Content-Length (-T file), then chunked (-T - from stdin)
  local how name
  for how in content-length chunked; do
    name=$how.bin; rm -f "$upstream_www/upload/$name"
    if [ "$how" = content-length ]; then
      ( curl -sS --max-time 600 -H "Origin: $origin" -D "$h" -o /dev/null -w '%{http_code} %{size_upload}\n' \
          -T "$src" "$server_url/upload/$name" > "$meta" 2>&1 ) & pid=$!
    else
      ( curl -sS --max-time 600 -H "Origin: $origin" -D "$h" -o /dev/null -w '%{http_code} %{size_upload}\n' \
          -T - "$server_url/upload/$name" < "$src" > "$meta" 2>&1 ) & pid=$!
    fi
    watch_transfer "upload ($how)" "$pid"
    read -r code size < <(tail -1 "$meta") || true; acao=$(field "$h" Access-Control-Allow-Origin)
    [ "$transfer_rc" = 0 ] || fail "upload ($how): curl failed: $(cat "$meta")"
    case $code in
      201 | 204) ;;
      413) fail "upload ($how): 413 from $target: its request body limit is below $big_bytes bytes (CORS_CONFIG=Benchmarks/proxy/cors-proxy.json raises it)" ;;
      *) fail "upload ($how): status $code (the upstream answers 201)" ;;
    esac
    [ "$acao" = "$origin" ] || fail "upload ($how): Access-Control-Allow-Origin '$acao'"
    local stored=$upstream_www/upload/$name got=missing
    [ -e "$stored" ] && got=$(stat -c %s "$stored")
    [ "$got" = "$big_bytes" ] || fail "upload ($how): the upstream stored $got bytes, expected $big_bytes"
    if [ "$got" = "$big_bytes" ]; then
      sum=$(sha256sum < "$stored" | cut -d' ' -f1)
      if [ "$sum" = "$want" ]; then echo "  $code, $got bytes stored, sha256 matches"; else fail "upload ($how): stored sha256 $sum, expected $want"; fi
    fi
    rm -f "$stored"
  done
  kill -0 "$server_pid" 2>/dev/null || fail "(b) $target died"
  rm -f "$src"
  echo "peak RSS of $target over its life (VmHWM): $(mib "$(hwm_kb "$server_pid")")"
}

for part in $parts; do
  case $part in
    requests) load_requests ;;
    transfers) transfers ;;
    *) die "unknown part $part (requests, transfers)" ;;
  esac
done
echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "${#failures[@]} check(s) failed:"; printf '  %s\n' "${failures[@]}"; exit 1
fi
echo "all checks passed"
