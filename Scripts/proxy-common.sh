# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Shared by Scripts/proxy-bench.sh and Scripts/proxy-load.sh (sourced from the repository's root,
# never run): a temp dir, the upstream nginx and the two CORS proxies under test (`cors proxy` and
# nginx as the same proxy, Benchmarks/proxy/nginx-cors.conf), each started by pid and stopped by pid
# when the script exits. Ports: UPORT (upstream), CORS_PORT, NGINX_PORT; all on 127.0.0.1.
# CORS_BIN: the cors binary (else built with `swift build -c release --product cors`);
# CORS_ARGS: extra arguments for `cors proxy` (by default `--access-log off` and `--threads 1`, each
# when its --help lists it: the nginx under test logs nothing and has one worker); NGINX: nginx.
# CORS_CONFIG: a configuration template to run `cors proxy --config` with instead of --upstream,
# --policy and --listen (@PORT@, @UPORT@, @POLICY@ replaced), e.g. Benchmarks/proxy/cors-proxy.json,
# which raises the request body limit for the 1 GiB uploads of Scripts/proxy-load.sh.

origin=https://app.example.com
UPORT=${UPORT:-18190}
CORS_PORT=${CORS_PORT:-18191}
NGINX_PORT=${NGINX_PORT:-18192}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
policy=$PWD/Benchmarks/proxy/policy.json
body_expected='{"id":1,"name":"item one","price":9.5}'

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
for needed in curl "$NGINX"; do command -v "$needed" >/dev/null || die "needs $needed (apt-get install curl nginx-light)"; done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/proxy-bench.XXXXXX")
started=()   # pids of every server this script started
cleanup() {
  local pid
  for pid in ${started[@]+"${started[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${started[@]+"${started[@]}"}; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Servers on core 0, clients (and, by default, the upstream) on core 1, when taskset and two cores
# are there: the proxy under test then has a core to itself.
pin_server=(); pin_client=(); pin_upstream=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c "${SERVER_CPUS:-0}"); pin_client=(taskset -c "${CLIENT_CPUS:-1}")
  pin_upstream=(taskset -c "${UPSTREAM_CPUS:-1}")
fi
# Running as root, nginx's workers would be nobody, who cannot read or write the temp dir.
nginx_user=(); [ "$(id -u)" = 0 ] && nginx_user=(-g 'user root;')

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
forget() { local pid=$1 kept=() p; for p in ${started[@]+"${started[@]}"}; do [ "$p" = "$pid" ] || kept+=("$p"); done; started=(${kept[@]+"${kept[@]}"}); }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; forget "$1"; }

# The sum of a process's user and system CPU ticks, over all its threads (`cpu_ticks PID...`).
cpu_ticks() { local p t=0 v; for p in "$@"; do v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}'); t=$((t + ${v:-0})); done; echo "$t"; }
# The user and the system CPU ticks of processes, summed over their threads (`cpu_split PID...`: "USER SYS").
cpu_split() { local p u=0 k=0 v; for p in "$@"; do v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12, $13}'); u=$((u + ${v%% *})); k=$((k + ${v##* })); done; echo "$u $k"; }
clk_tck=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# start_nginx NAME TEMPLATE PORT PIN... : renders TEMPLATE into $tmp/NAME/ and starts nginx there,
# sets nginx_pid (the master) and nginx_worker (its one worker), returns once PORT answers.
start_nginx() {
  local name=$1 template=$2 port=$3; shift 3
  local dir=$tmp/$name/
  mkdir -p "$dir/www/files" "$dir/www/upload"
  port_open "$port" && die "something already listens on 127.0.0.1:$port (set UPORT, CORS_PORT or NGINX_PORT)"
  sed -e "s|@PORT@|$port|g" -e "s|@UPORT@|$UPORT|g" -e "s|@PREFIX@|$dir|g" "$template" > "$dir/nginx.conf"
  "$NGINX" -q -t -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" ${nginx_user[@]+"${nginx_user[@]}"} \
    || die "$name: nginx -t refused $dir/nginx.conf"
  ${@+"$@"} "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" ${nginx_user[@]+"${nginx_user[@]}"} & nginx_pid=$!
  started+=("$nginx_pid")
  local i
  for i in $(seq 1 100); do
    kill -0 "$nginx_pid" 2>/dev/null || die "$name: nginx exited: $(tail -5 "$dir/error.log")"
    nginx_worker=$(pgrep -P "$nginx_pid" | head -1 || true)
    [ -n "$nginx_worker" ] && port_open "$port" && return 0
    sleep 0.1
  done
  die "$name: nginx did not listen on 127.0.0.1:$port within 10 s: $(tail -5 "$dir/error.log")"
}

start_upstream() {
  start_nginx upstream Benchmarks/proxy/upstream.conf "$UPORT" ${pin_upstream[@]+"${pin_upstream[@]}"}
  upstream_pid=$nginx_pid; upstream_worker=$nginx_worker; upstream_www=$tmp/upstream/www
  [ "$(curl -sS "http://127.0.0.1:$UPORT/items/1")" = "$body_expected" ] || die "the upstream does not answer /items/1 as expected"
}

# Sets server_pid (the process to sample) and server_pids (all of the server's processes).
start_nginx_cors() {
  start_nginx nginx-cors Benchmarks/proxy/nginx-cors.conf "$NGINX_PORT" ${pin_server[@]+"${pin_server[@]}"}
  server_stop=$nginx_pid; server_pid=$nginx_worker; server_pids=("$nginx_pid" "$nginx_worker")
}

# Builds .build/release/cors unless CORS_BIN names a binary; settles CORS_ARGS.
prepare_cors_proxy() {
  if [ -z "${CORS_BIN:-}" ]; then
    swift build -c release --product cors >/dev/null
    CORS_BIN=.build/release/cors
  fi
  [ -x "$CORS_BIN" ] || die "no cors binary at $CORS_BIN"
  if [ -z "${CORS_ARGS+set}" ]; then
    local help; help=$("$CORS_BIN" proxy --help 2>&1 || true)
    CORS_ARGS=""
    if grep -q -- '--access-log' <<< "$help"; then CORS_ARGS="--access-log off"; fi
    if grep -q -- '--threads' <<< "$help"; then CORS_ARGS="${CORS_ARGS:+$CORS_ARGS }--threads 1"; fi
  fi
}

# Starts `cors proxy` on CORS_PORT; ready when it prints `cors proxy: listening on
# http://127.0.0.1:PORT` (stdout goes to $tmp/cors-proxy.log). If the port answers but the line
# never comes (stdout not flushed?), it goes on after 3 s with a warning.
start_cors_proxy() {
  port_open "$CORS_PORT" && die "something already listens on 127.0.0.1:$CORS_PORT (set CORS_PORT)"
  local log=$tmp/cors-proxy.log where=(--upstream "http://127.0.0.1:$UPORT" --policy "$policy" --listen "127.0.0.1:$CORS_PORT")
  if [ -n "${CORS_CONFIG:-}" ]; then
    sed -e "s|@PORT@|$CORS_PORT|g" -e "s|@UPORT@|$UPORT|g" -e "s|@POLICY@|$policy|g" "$CORS_CONFIG" > "$tmp/cors-proxy.json"
    where=(--config "$tmp/cors-proxy.json")
  fi
  : > "$log"  # there before the first check below (the background start creates it a moment later)
  # shellcheck disable=SC2086  # CORS_ARGS is words
  ${pin_server[@]+"${pin_server[@]}"} "$CORS_BIN" proxy "${where[@]}" $CORS_ARGS > "$log" 2>&1 & server_pid=$!
  started+=("$server_pid"); server_stop=$server_pid; server_pids=("$server_pid")
  local i open_since=""
  for i in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || die "cors proxy exited: $(tail -5 "$log")"
    grep -q "^cors proxy: listening on http://127.0.0.1:$CORS_PORT" "$log" && return 0
    if port_open "$CORS_PORT"; then
      open_since=${open_since:-$i}
      if [ $((i - open_since)) -ge 30 ]; then
        echo "warning: cors proxy answers on $CORS_PORT but printed no 'cors proxy: listening on http://127.0.0.1:$CORS_PORT' line" >&2
        return 0
      fi
    fi
    sleep 0.1
  done
  die "cors proxy not ready on 127.0.0.1:$CORS_PORT within 30 s: $(tail -5 "$log")"
}

# start_server cors-proxy|nginx ; server_url is then its base URL.
start_server() {
  case $1 in
    cors-proxy) start_cors_proxy; server_url=http://127.0.0.1:$CORS_PORT ;;
    nginx) start_nginx_cors; server_url=http://127.0.0.1:$NGINX_PORT ;;
    *) die "unknown server $1 (cors-proxy or nginx)" ;;
  esac
}
stop_server() { stop "$server_stop"; }

# The values of a response field, one a line, from a curl -D dump (names in any case).
field() { awk -v n="$(echo "$2" | tr '[:upper:]' '[:lower:]')" 'BEGIN {FS=":"} { sub(/\r$/, "") } tolower($1) == n { v = substr($0, length($1) + 2); gsub(/^[ \t]+|[ \t]+$/, "", v); print v }' "$1"; }

# verify_server NAME URL: the CORS answers the benchmark relies on; dies listing every fault.
verify_server() {
  local name=$1 url=$2 faults=() h=$tmp/verify.h b=$tmp/verify.b code v
  ask() { code=$(curl -sS -o "$b" -D "$h" -w '%{http_code}' "$@") || code="curl-failed"; }
  expect_status() { [ "$code" = "$1" ] || faults+=("$2: status $code, expected $1"); }
  expect_field() { # NAME EXPECTED WHAT: exactly one field NAME, equal to EXPECTED
    v=$(field "$h" "$1")
    [ "$v" = "$2" ] || faults+=("$3: $1 is '$(echo "$v" | paste -sd '|')', expected exactly '$2'")
  }
  expect_none() { v=$(field "$h" "$1"); [ -z "$v" ] || faults+=("$2: unexpected $1: $v"); }
  expect_tokens() { # NAME WHAT TOKEN... : NAME's lines, joined, list every TOKEN (any case)
    local f=$1 what=$2 tok all; shift 2
    all=$(field "$h" "$f" | paste -sd ',' | tr '[:upper:]' '[:lower:]' | tr -d ' \t')
    for tok in "$@"; do
      case ",$all," in *",$(echo "$tok" | tr '[:upper:]' '[:lower:]'),"*) ;; *) faults+=("$what: $f '$all' lacks $tok") ;; esac
    done
  }
  local pre=(-X OPTIONS -H "Origin: $origin" -H 'Access-Control-Request-Method: PUT')

  ask -H "Origin: $origin" "$url/items/1"; local what="GET /items/1 from $origin"
  expect_status 200 "$what"
  [ "$(cat "$b")" = "$body_expected" ] || faults+=("$what: body '$(head -c 200 "$b")' is not the upstream's")
  expect_field Access-Control-Allow-Origin "$origin" "$what"
  expect_field Access-Control-Allow-Credentials true "$what"
  expect_field Access-Control-Expose-Headers X-Request-Id "$what"
  expect_none Access-Control-Allow-Methods "$what (the upstream's own, to be removed)"
  expect_tokens Vary "$what" Origin
  expect_field X-Request-Id bench-0001 "$what (the upstream's field)"

  ask -H 'Origin: https://evil.example' "$url/items/1"; what="GET /items/1 from another origin"
  expect_status 200 "$what"
  expect_none Access-Control-Allow-Origin "$what"
  expect_none Access-Control-Allow-Credentials "$what"

  ask "${pre[@]}" -H 'Access-Control-Request-Headers: content-type,authorization' "$url/items/1"
  what="preflight PUT + content-type,authorization"
  expect_status 204 "$what"
  expect_field Access-Control-Allow-Origin "$origin" "$what"
  expect_field Access-Control-Allow-Credentials true "$what"
  expect_tokens Access-Control-Allow-Methods "$what" PUT DELETE
  expect_tokens Access-Control-Allow-Headers "$what" Content-Type Authorization
  expect_field Access-Control-Max-Age 600 "$what"
  expect_tokens Vary "$what" Origin Access-Control-Request-Method Access-Control-Request-Headers
  expect_none X-Request-Id "$what (answered by the proxy, not forwarded)"

  ask -X OPTIONS -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: PUT' "$url/items/1"
  what="preflight from another origin"; expect_status 403 "$what"; expect_none Access-Control-Allow-Origin "$what"
  ask "${pre[@]/PUT/PATCH}" "$url/items/1"
  what="preflight PATCH"; expect_status 403 "$what"; expect_none Access-Control-Allow-Origin "$what"
  ask "${pre[@]}" -H 'Access-Control-Request-Headers: content-type,x-other' "$url/items/1"
  what="preflight with header x-other"; expect_status 403 "$what"; expect_none Access-Control-Allow-Origin "$what"

  if [ ${#faults[@]} -gt 0 ]; then
    printf '%s misbehaves at %s:\n' "$name" "$url" >&2; printf '  %s\n' "${faults[@]}" >&2
    exit 1
  fi
}
