#!/usr/bin/env bash
# Issue #3's framework comparison in instructions, not seconds: valgrind's callgrind counts the
# instructions each setup adds to a request over the no-CORS baseline, the same count on every
# run whatever else the machine is doing (time on these shared machines drifts by more than the
# differences). Instructions are not time (a cache miss or an atomic costs more than an add), so
# BENCHMARKS.md gives both. Hummingbird's counts repeat exactly; Vapor's move by a few hundred
# instructions between runs (its event-loop threads are scheduled differently): RUNS=3 takes the
# median of three runs of each count (three times as long).
# Usage: [RUNS=n] Scripts/callgrind-frameworks.sh [Hummingbird|Vapor|both] [KIND-PREFIX]   (needs valgrind; ~5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
frameworks=${1:-both}
[ "$frameworks" = both ] && frameworks="Hummingbird Vapor"
kinds=("allowed actual" "preflight, two headers" "disallowed origin" "no Origin")
[ $# -ge 2 ] && kinds=("$2")
setups=("empty middleware" "headers only" "built-in" "swift-cors")
# valgrind cannot follow a Swift binary that loads Foundation dynamically, nor read its debug info.
if ! log=$(swift build -c release --package-path Benchmarks --product AlternatingBenchmark --static-swift-stdlib \
  --scratch-path Benchmarks/.build/static 2>&1); then echo "$log" | tail -30; exit 1; fi
binary=Benchmarks/.build/static/AlternatingBenchmark.nodebug
objcopy --strip-debug Benchmarks/.build/static/release/AlternatingBenchmark "$binary"

runs=${RUNS:-1}
# Instructions of one run: `rounds` rounds of one kind through the baseline and the setups named by
# `filter`; with RUNS > 1, the median of that many runs.
count_once() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" "$3" "$4" 2>&1 >/dev/null \
    | awk '/Collected/ {gsub(",", "", $4); print $4}'
}
count() {
  for _ in $(seq "$runs"); do count_once "$@"; done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
for framework in $frameworks; do
  batch=4000; [ "$framework" = Vapor ] && batch=2000
  header="| $framework: instructions per request over the baseline |"
  rule="|---|"
  for kind in "${kinds[@]}"; do header+=" $kind |"; rule+="---|"; done
  declare -A cell=()
  baseline_row="| baseline, instructions per request |"
  for kind in "${kinds[@]}"; do
    # The baseline alone, one round and two (each run adds a warm-up round): their difference is one batch.
    one=$(count 1 "$framework" "$kind" none-but-the-baseline)
    two=$(count 2 "$framework" "$kind" none-but-the-baseline)
    base=$(( (two - one) / batch ))
    baseline_row+=" $base |"
    for setup in "${setups[@]}"; do
      # Two batches (warm-up and the round) of the baseline and of the setup.
      with=$(count 1 "$framework" "$kind" "$setup")
      cell["$setup|$kind"]=$(( (with - one) / (2 * batch) - base ))
    done
  done
  echo; echo "$header"; echo "$rule"; echo "$baseline_row"
  for setup in "${setups[@]}"; do
    row="| $setup |"
    for kind in "${kinds[@]}"; do row+=" ${cell["$setup|$kind"]} |"; done
    echo "$row"
  done
  row="| **ratio swift-cors / built-in** |"
  for kind in "${kinds[@]}"; do
    ours=${cell["swift-cors|$kind"]}; theirs=${cell["built-in|$kind"]}
    if [ "$theirs" -gt 0 ] && [ "$ours" -ge 0 ]; then row+=" **$(echo "scale=2; $ours / $theirs" | bc -l | sed 's/^\./0./')** |"; else row+=" n/a |"; fi
  done
  echo "$row"
  unset cell
done
