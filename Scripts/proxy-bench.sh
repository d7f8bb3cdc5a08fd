#!/usr/bin/env bash
# `cors proxy` beside nginx configured as the same CORS-adding reverse proxy
# (Benchmarks/proxy/nginx-cors.conf), both in front of one upstream nginx answering 200 with a
# 39-byte JSON (Benchmarks/proxy/upstream.conf), under wrk for two kinds of request:
#   actual     GET /items/1 with Origin: https://app.example.com (forwarded, headers added)
#   preflight  OPTIONS /items/1 with Origin, Access-Control-Request-Method: PUT and
#              Access-Control-Request-Headers: content-type,authorization (answered by the proxy)
# Each round starts each proxy afresh (the order alternating round by round, so drift hits both
# alike), checks its answers with curl, warms it for 2 s, then measures each kind. PAIRED=1: both
# proxies run throughout (started, checked and warmed once) and each round measures a kind on one
# right after the other, so a pair's windows are seconds apart (use short windows, many rounds). The proxies run on
# core 0, wrk and the upstream on core 1, when taskset is there; one nginx worker, one core each.
# Prints every round (requests/s, p99 latency, the proxy's CPU use: near 100% means the proxy was
# the bottleneck) and then the medians and the median per-round ratios cors-proxy/nginx.
# Usage: Scripts/proxy-bench.sh [rounds=5] [seconds=10]     (needs wrk, nginx, curl: apt-get install wrk nginx-light curl)
#        PAIRED=1 Scripts/proxy-bench.sh 30 3                 (30 pairs of 3-s windows per kind)
#        ONLY=nginx Scripts/proxy-bench.sh 1 2               (one of the proxies only: nginx or cors-proxy)
#        CORS_BIN=path/to/cors CONNECTIONS=256 KINDS=preflight Scripts/proxy-bench.sh
# CORS_BIN set: that binary, no build. Also: CORS_ARGS, CORS_CONFIG, WARMUP, THREADS, UPORT, CORS_PORT, NGINX_PORT,
# SERVER_CPUS, CLIENT_CPUS, UPSTREAM_CPUS (see Scripts/proxy-common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-10}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
warmup=${WARMUP:-2}
kinds=${KINDS:-actual preflight}
servers=${ONLY:-cors-proxy nginx}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
# shellcheck source=Scripts/proxy-common.sh
source Scripts/proxy-common.sh
for server in $servers; do case $server in cors-proxy | nginx) ;; *) die "ONLY lists $server: cors-proxy or nginx" ;; esac; done
case " $servers " in *" cors-proxy "*) prepare_cors_proxy ;; esac

cat > "$tmp/actual.lua" <<EOF
wrk.method = "GET"
wrk.headers["Origin"] = "$origin"
EOF
cat > "$tmp/preflight.lua" <<EOF
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "$origin"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,authorization"
EOF

# wrk's latency (850.00us, 1.23ms, 2.00s, 1.50m) in microseconds.
to_us() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = u == "us" ? 1 : u == "ms" ? 1e3 : u == "s" ? 1e6 : u == "m" ? 6e7 : u == "h" ? 3.6e9 : -1
    if (f < 0) { print "unparsable wrk latency " v > "/dev/stderr"; exit 1 }
    printf "%.0f\n", n * f }'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

start_upstream
echo "upstream nginx on 127.0.0.1:$UPORT; servers: $servers; kinds: $kinds; ${rounds} rounds of ${seconds} s, -t$threads -c$connections"
[ -n "${CORS_BIN:-}" ] && case " $servers " in *" cors-proxy "*) echo "cors proxy: $CORS_BIN ${CORS_ARGS}" ;; esac
[ ${#pin_server[@]} -gt 0 ] && echo "pinned: proxies ${pin_server[*]}, wrk ${pin_client[*]}, upstream ${pin_upstream[*]}"

declare -A rps p99 cpu_user cpu_sys url pids
errors=0
# measure ROUND SERVER KIND URL PID... : one wrk window of $seconds on URL, its figures recorded.
measure() {
  local round=$1 server=$2 kind=$3 url=$4; shift 4
  local run=(wrk -t"$threads" -c"$connections" --latency -s "$tmp/$kind.lua" "$url/items/1")
  local before after ubefore uafter cu0 cs0 cu1 cs1 out r l bad cpu ucpu n us sy note
  before=$(cpu_ticks "$@"); ubefore=$(cpu_ticks "$upstream_pid" "$upstream_worker")
  read -r cu0 cs0 < <(cpu_split "$@")
  out=$(${pin_client[@]+"${pin_client[@]}"} "${run[@]}" -d"${seconds}s")
  after=$(cpu_ticks "$@"); uafter=$(cpu_ticks "$upstream_pid" "$upstream_worker")
  read -r cu1 cs1 < <(cpu_split "$@")
  echo "$out" > "$tmp/wrk-$round-$server-$kind.txt"
  r=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  l=$(echo "$out" | awk '$1 == "99%" {print $2}')
  if [ -z "$r" ] || [ -z "$l" ]; then echo "$out" >&2; die "could not read wrk's output ($server, $kind)"; fi
  l=$(to_us "$l")
  bad=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) n += $i} END {print n + 0}')
  cpu=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v s="$seconds" 'BEGIN {printf "%.0f", 100 * t / hz / s}')
  ucpu=$(awk -v t=$((uafter - ubefore)) -v hz="$clk_tck" -v s="$seconds" 'BEGIN {printf "%.0f", 100 * t / hz / s}')
  # The proxy's CPU per request, user and system (microseconds): steadier than req/s on a noisy machine.
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  us=$(awk -v t=$((cu1 - cu0)) -v hz="$clk_tck" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  sy=$(awk -v t=$((cs1 - cs0)) -v hz="$clk_tck" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  note=""
  if [ "$bad" -gt 0 ]; then note="  ERRORS: $bad non-2xx or socket errors"; errors=$((errors + bad)); fi
  printf 'round %d  %-10s %-9s %10.0f req/s  p99 %8d us  cpu %3d%% (%5.1f + %5.1f us/req user + sys)  upstream cpu %3d%%%s\n' \
    "$round" "$server" "$kind" "$r" "$l" "$cpu" "$us" "$sy" "$ucpu" "$note"
  cpu_user[$server,$kind]="${cpu_user[$server,$kind]:-} $us"
  cpu_sys[$server,$kind]="${cpu_sys[$server,$kind]:-} $sy"
  rps[$server,$kind]="${rps[$server,$kind]:-} $r"
  p99[$server,$kind]="${p99[$server,$kind]:-} $l"
}
warm() { ${pin_client[@]+"${pin_client[@]}"} wrk -t"$threads" -c"$connections" -s "$tmp/$2.lua" "$1/items/1" -d"${warmup}s" >/dev/null; }

if [ -n "${PAIRED:-}" ]; then
  # Both proxies run for the whole benchmark; each round measures one kind on one and then on the
  # other (the order alternating), so the two windows of a pair are seconds apart and slow drift
  # of the machine cancels in their ratio.
  for server in $servers; do
    start_server "$server"; verify_server "$server" "$server_url"
    url[$server]=$server_url; pids[$server]="${server_pids[*]}"
    for kind in $kinds; do warm "$server_url" "$kind"; done
  done
  for round in $(seq 1 "$rounds"); do
    order=$servers
    [ $((round % 2)) -eq 0 ] && order=$(echo "$servers" | tr ' ' '\n' | tac | paste -sd ' ')
    for kind in $kinds; do
      for server in $order; do
        # shellcheck disable=SC2086  # pids is words
        measure "$round" "$server" "$kind" "${url[$server]}" ${pids[$server]}
      done
    done
  done
else
  for round in $(seq 1 "$rounds"); do
    order=$servers
    [ $((round % 2)) -eq 0 ] && order=$(echo "$servers" | tr ' ' '\n' | tac | paste -sd ' ')
    for server in $order; do
      start_server "$server"
      verify_server "$server" "$server_url"
      for kind in $kinds; do
        warm "$server_url" "$kind"
        measure "$round" "$server" "$kind" "$server_url" "${server_pids[@]}"
      done
      stop_server
    done
  done
fi

echo
printf '%-10s %-10s %14s %14s %24s\n' kind server "median req/s" "median p99 us" "median CPU us/req (u+s)"
for kind in $kinds; do
  for server in $servers; do
    printf '%-10s %-10s %14.0f %14.0f %15.1f + %5.1f\n' "$kind" "$server" \
      "$(echo "${rps[$server,$kind]}" | median)" "$(echo "${p99[$server,$kind]}" | median)" \
      "$(echo "${cpu_user[$server,$kind]}" | median)" "$(echo "${cpu_sys[$server,$kind]}" | median)"
  done
done
has() { case " $servers " in *" $1 "*) return 0 ;; esac; return 1; }
# The per-round ratios of two lists of figures, and the same printed to three decimals.
ratios() { paste -d ' ' <(echo "$1" | tr ' ' '\n' | grep -v '^$') <(echo "$2" | tr ' ' '\n' | grep -v '^$') | awk '{printf "%s ", ($2 > 0 ? $1 / $2 : "nan")}'; }
three() { echo "$1" | tr ' ' '\n' | grep -v '^$' | xargs printf '%.3f ' | sed 's/ $//'; }
if has cors-proxy && has nginx; then
  echo
  echo "median of the per-round ratios cors-proxy/nginx (req/s: above 1 is faster; p99: below 1 is faster)"
  for kind in $kinds; do
    rr=$(ratios "${rps[cors-proxy,$kind]}" "${rps[nginx,$kind]}")
    lr=$(ratios "${p99[cors-proxy,$kind]}" "${p99[nginx,$kind]}")
    printf '%-10s req/s %.3f   p99 %.3f   (per round: req/s %s; p99 %s)\n' "$kind" \
      "$(echo "$rr" | median)" "$(echo "$lr" | median)" "$(three "$rr")" "$(three "$lr")"
  done
fi
if [ "$errors" -gt 0 ]; then die "$errors non-2xx responses or socket errors in all (see the ERRORS rounds)"; fi
