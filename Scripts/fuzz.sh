#!/usr/bin/env bash
# Builds the fuzz targets (the separate package in Fuzz/, libFuzzer with AddressSanitizer) and
# runs one or all of them for a bounded time each:
#   Scripts/fuzz.sh [TARGET|all] [SECONDS]       defaults: all, 60 seconds per target
#   FUZZ_BUILD_JOBS=1 Scripts/fuzz.sh all 20     (build with one job on a busy machine)
#   FUZZ_RUNS=10000000 Scripts/fuzz.sh FuzzOrigin 3600   (10 million inputs, at most an hour; 0: no time limit)
# Each target starts from its committed seeds (Fuzz/Corpus/<Target>) and the inputs earlier runs
# kept (Fuzz/.build/fuzz-corpus/<Target>), with the CORS dictionary (Fuzz/cors.dict). Exits
# non-zero when any target crashes, trips a sanitizer, times out on an input or finds a
# disagreement (targets trap on one); the input is kept in Fuzz/.build/fuzz-artifacts/<Target>/
# and the command that replays it is printed. Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 ...".
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(
  FuzzOrigin FuzzOriginPattern FuzzRequestedHeaders FuzzRequestHead FuzzPolicyFile
  FuzzBrowserLists FuzzOriginMatcher FuzzResponderVsBrowser FuzzPolicyRoundTrip FuzzConsoleMessage
  FuzzHTTP1Parser
)
target=${1:-all}
seconds=${2:-60}
if [ "$target" = all ]; then
  targets=("${all_targets[@]}")
else
  case " ${all_targets[*]} " in
    *" $target "*) targets=("$target") ;;
    *) echo "unknown target $target; one of: ${all_targets[*]} or all" >&2; exit 2 ;;
  esac
fi

build=(swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
if [ -n "${FUZZ_BUILD_JOBS:-}" ]; then build+=(-j "$FUZZ_BUILD_JOBS"); fi
product=()
if [ "$target" != all ]; then product=(--product "$target"); fi
echo "== build: ${build[*]} ${product[*]}"
start=$(date +%s)
"${build[@]}" "${product[@]}"
bin=$("${build[@]}" --show-bin-path)
echo "== built in $(( $(date +%s) - start ))s"

# Swift's backtracer can hang holding the output pipe under ASan; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
# No leak checking: LeakSanitizer needs ptrace (often denied in containers), and the Swift runtime's
# caches live as long as the process; a leak per input would show as growing RSS (-rss_limit_mb).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

failed=()
for name in "${targets[@]}"; do
  corpus=Fuzz/.build/fuzz-corpus/$name
  artifacts=Fuzz/.build/fuzz-artifacts/$name
  log=Fuzz/.build/fuzz-logs/$name.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  case $name in
    FuzzRequestedHeaders) max_len=12000 ;;  # past the 4096-byte bound
    FuzzPolicyFile) max_len=8192 ;;
    *) max_len=4096 ;;
  esac
  limit=(-max_total_time="$seconds")
  if [ -n "${FUZZ_RUNS:-}" ]; then limit+=(-runs="$FUZZ_RUNS"); fi
  echo "== $name (${FUZZ_RUNS:+$FUZZ_RUNS runs, at most }${seconds}s)"
  touch "$artifacts/.started"
  status=0
  "$bin/$name" "$corpus" "Fuzz/Corpus/$name" -dict=Fuzz/cors.dict "${limit[@]}" -max_len="$max_len" \
    -use_value_profile=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" -print_final_stats=1 \
    ${FUZZ_FLAGS:-} >"$log" 2>&1 || status=$?
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)' "$log" || true
  grep -E '^#[0-9]+' "$log" | tail -1 || true
  # libFuzzer keeps an input that took over -report_slow_units seconds (default 10) without failing;
  # a benchmark's SIGSTOP can do that too, but one found that way was a recursion: time each.
  find "$artifacts" -name 'slow-unit-*' -newer "$artifacts/.started" | while read -r input; do
    echo "   slow input kept: time it with SWIFT_BACKTRACE=enable=no $bin/$name $input"
  done
  if [ "$status" -ne 0 ]; then
    echo "!! $name failed (exit $status); the end of $log:"
    tail -n 40 "$log"
    find "$artifacts" -type f -newer "$artifacts/.started" | while read -r input; do
      echo "   replay: SWIFT_BACKTRACE=enable=no $bin/$name $input"
    done
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzzing failed: ${failed[*]}"
  exit 1
fi
echo "== fuzzing passed: ${targets[*]}"
