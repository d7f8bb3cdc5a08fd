#!/usr/bin/env bash
# Builds the example apps (Examples/HummingbirdApp, Examples/VaporApp), starts each on a free
# 127.0.0.1 port, and checks what a browser would be told: a real preflight and a real GET from an
# allowed origin get the exact CORS headers, and an origin the policy refuses gets no
# Access-Control-Allow-Origin. Stops only the server it started, by pid.
#   Scripts/examples.sh                 both apps
#   Scripts/examples.sh HummingbirdApp  one
# The examples build in the scratch path EXAMPLES_SCRATCH_PATH, by default this package's own .build:
# after `swift build` or `swift test` every package they need is built there already, so each
# example compiles swift-cors' modules (as a dependency, with one trait) and itself, under a minute,
# where a scratch path of their own starts with a cold build of SwiftNIO, Hummingbird and Vapor.
# The price: an example's resolution, which lacks the other framework, replaces .build's, and
# SwiftPM removes that framework's checkouts; whatever next needs them clones and builds them
# again. The Vapor app goes first, so within a run only Hummingbird (the smaller) is rebuilt; the
# next build of this package rebuilds Vapor's packages (about 1.5 minutes here).
# EXAMPLES_SCRATCH_PATH=.build-examples keeps the examples apart from .build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ $# -eq 0 ]; then apps=(VaporApp HummingbirdApp); else apps=("$@"); fi
scratch=${EXAMPLES_SCRATCH_PATH:-$root/.build}
case "$scratch" in /*) ;; *) scratch=$root/$scratch ;; esac
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The value of header $2 in the header dump $1 (the last response in it), every occurrence on its own
# line; names compare case-insensitively, as HTTP's do.
header() {
  tr -d '\r' <"$1" | awk -v name="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
    /^HTTP\// { n = 0; delete values; next }
    { i = index($0, ":"); if (i == 0) next
      key = tolower(substr($0, 1, i - 1)); value = substr($0, i + 1); sub(/^[ \t]+/, "", value); sub(/[ \t]+$/, "", value)
      if (key == name) values[++n] = value }
    END { for (j = 1; j <= n; j++) print values[j] }'
}
status() { tr -d '\r' <"$1" | awk '/^HTTP\// { code = $2 } END { print code }'; }

# expect_header APP WHAT DUMP NAME VALUE: the response has exactly one NAME field, equal to VALUE
# (VALUE empty: no NAME field at all).
expect_header() {
  local got
  got=$(header "$3" "$4")
  if [ "$got" != "$5" ]; then
    fail "$1 $2: $4 is '${got//$'\n'/' | '}', expected '${5}'"
  fi
}
expect_status() {
  local got
  got=$(status "$3")
  if [ "$got" != "$4" ]; then fail "$1 $2: status $got, expected $4"; fi
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start APP BINARY: starts the app on a free port, waits until it answers; sets server_pid and port.
start() {
  local app=$1 binary=$2 attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    "$binary" "$port" >"$work/$app.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
      if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
      if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/items/0"; then
        echo "   $app: pid $server_pid on 127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    # Died (the port was taken between our look and its bind, say) or never answered: stop it, try again.
    if kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid" 2>/dev/null || true; fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    echo "   $app did not answer on port $port (attempt $attempt); its output:"
    sed 's/^/     /' "$work/$app.log"
  done
  return 1
}

stop() {
  local app=$1 code=0
  kill -TERM "$server_pid"
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$server_pid" 2>/dev/null; then
    fail "$app: still running 10 s after SIGTERM; killed"
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || code=$?
  server_pid=
  if [ "$code" -ne 0 ]; then fail "$app: exited $code after SIGTERM"; fi
}

check() {
  local app=$1 base="http://127.0.0.1:$port/items/1" dump
  # An allowed preflight: answered by the middleware (no OPTIONS route exists) with the policy's lists.
  dump=$work/$app-preflight
  curl -s -o /dev/null -D "$dump" -X OPTIONS "$base" -H 'Origin: http://localhost:3000' \
    -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type'
  expect_status "$app" "allowed preflight" "$dump" 204
  expect_header "$app" "allowed preflight" "$dump" Access-Control-Allow-Origin 'http://localhost:3000'
  expect_header "$app" "allowed preflight" "$dump" Access-Control-Allow-Methods 'PUT, DELETE'
  expect_header "$app" "allowed preflight" "$dump" Access-Control-Allow-Headers 'Content-Type'
  expect_header "$app" "allowed preflight" "$dump" Access-Control-Max-Age '600'
  expect_header "$app" "allowed preflight" "$dump" Vary 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
  expect_header "$app" "allowed preflight" "$dump" Access-Control-Allow-Credentials ''

  # An allowed GET: the application's JSON, decorated.
  dump=$work/$app-get
  curl -s -o "$work/$app-get.body" -D "$dump" "$base" -H 'Origin: https://app.example.com'
  expect_status "$app" "allowed GET" "$dump" 200
  expect_header "$app" "allowed GET" "$dump" Access-Control-Allow-Origin 'https://app.example.com'
  expect_header "$app" "allowed GET" "$dump" Vary 'Origin'
  case "$(header "$dump" Content-Type)" in
    application/json*) ;;
    *) fail "$app allowed GET: Content-Type is '$(header "$dump" Content-Type)', expected application/json" ;;
  esac
  if ! python3 -c 'import json, sys; assert json.load(open(sys.argv[1])) == {"id": "1", "name": "example"}' \
    "$work/$app-get.body" 2>/dev/null; then
    fail "$app allowed GET: body is '$(cat "$work/$app-get.body")', expected {\"id\":\"1\",\"name\":\"example\"}"
  fi

  # A refused origin: the application still answers (CORS is not access control), with no
  # Access-Control-Allow-Origin, so the browser keeps the response from the page.
  dump=$work/$app-refused-get
  curl -s -o /dev/null -D "$dump" "$base" -H 'Origin: https://evil.example'
  expect_status "$app" "refused GET" "$dump" 200
  expect_header "$app" "refused GET" "$dump" Access-Control-Allow-Origin ''
  expect_header "$app" "refused GET" "$dump" Vary 'Origin'

  # A refused preflight: 403, nothing granted.
  dump=$work/$app-refused-preflight
  curl -s -o /dev/null -D "$dump" -X OPTIONS "$base" -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: PUT'
  expect_status "$app" "refused preflight" "$dump" 403
  expect_header "$app" "refused preflight" "$dump" Access-Control-Allow-Origin ''
  expect_header "$app" "refused preflight" "$dump" Access-Control-Allow-Methods ''
}

for app in "${apps[@]}"; do
  if [ ! -f "Examples/$app/Package.swift" ]; then echo "no example Examples/$app" >&2; exit 2; fi
  echo "== $app: swift build --package-path Examples/$app --scratch-path $scratch"
  start_time=$(date +%s)
  swift build --package-path "Examples/$app" --scratch-path "$scratch"
  echo "== $app built in $(( $(date +%s) - start_time ))s"
  binary=$(swift build --package-path "Examples/$app" --scratch-path "$scratch" --show-bin-path)/$app
  if ! start "$app" "$binary"; then fail "$app: did not start"; continue; fi
  before=$failures
  check "$app"
  stop "$app"
  if [ "$failures" -eq "$before" ]; then echo "   $app: preflight, GET, refused GET and refused preflight as the policy means"; fi
done

if [ "$failures" -ne 0 ]; then echo "examples: $failures failure(s)"; exit 1; fi
echo "examples: ${#apps[@]} app(s), every check passed"
