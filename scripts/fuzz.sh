#!/usr/bin/env bash
# Runs fuzz targets of the sanitizer build (build-sanitize/, made by
# scripts/sanitize.sh) for a bounded time each, one after another:
#
#   scripts/fuzz.sh SECONDS [TARGET...]      every target with a corpus when none is named
#
# FUZZ_SEED (1 by default) is libFuzzer's -seed; 0 draws a new one each run.
# Each target starts from a fresh copy of its checked-in corpus in
# build-sanitize/fuzz-work/<target>/, unless FUZZ_WORK names a directory to
# keep: then <FUZZ_WORK>/<target>/corpus grows from one run to the next and
# the checked-in corpus is only read. One line per target goes to stdout
# (and, with FUZZ_WORK, to <FUZZ_WORK>/summary): executions, coverage,
# seconds, and whether it found anything. A finding's input is kept in
# <work>/findings/<target>/ and makes the script exit 1 once every target
# has run. docs/testing.md explains.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
build_dir=${TRACECHAIN_SANITIZE_BUILD_DIR:-build-sanitize}
seed=${FUZZ_SEED:-1}
work_root=${FUZZ_WORK:-$build_dir/fuzz-work}
summary=${FUZZ_WORK:+$FUZZ_WORK/summary}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-"halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/fuzz/ubsan.supp"}
export ASAN_OPTIONS=${ASAN_OPTIONS:-"detect_leaks=1:abort_on_error=1"}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for corpus in tests/fuzz/corpus/*/; do targets+=("$(basename "$corpus")"); done
fi

findings=0
for name in "${targets[@]}"; do
  binary=$build_dir/tests/fuzz/tracechain-fuzz-$name
  [[ -x $binary ]] || { echo "fuzz $name: no $binary (build it with scripts/sanitize.sh)" >&2; exit 2; }
  [[ -d tests/fuzz/corpus/$name ]] || { echo "fuzz $name: no corpus tests/fuzz/corpus/$name" >&2; exit 2; }
  work=$work_root/$name
  keep=$work/findings
  if [[ -n ${FUZZ_WORK:-} ]]; then
    mkdir -p "$work/corpus" "$keep"
    corpora=("$work/corpus" "tests/fuzz/corpus/$name")
  else
    rm -rf "$work" && mkdir -p "$work/corpus" "$keep"
    cp tests/fuzz/corpus/"$name"/* "$work/corpus/"
    corpora=("$work/corpus")
  fi
  max_len=4096
  [[ $name == block || $name == replica ]] && max_len=65536
  started=$SECONDS
  kept_before=$(find "$keep" -type f | wc -l)
  status=0
  "$binary" -seed="$seed" -max_total_time="$seconds" -max_len="$max_len" -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="$keep/" -print_final_stats=1 "${corpora[@]}" >"$work/log" 2>&1 || status=$?
  if [[ $status -eq 0 ]]; then
    result="no finding"
  elif [[ $(find "$keep" -type f | wc -l) -eq $kept_before ]] &&
       { [[ $status -gt 128 ]] || grep -q 'libFuzzer: run interrupted' "$work/log"; }; then
    # Stopped from outside (a campaign cut short): libFuzzer keeps the input
    # of anything it catches, so no new input means nothing was found.
    result="stopped before its time (exit $status), no input kept: not a finding"
    findings=$((findings + 1))
  else
    result="FINDING (input in $keep/)"
    findings=$((findings + 1))
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2)
  line="fuzz $name: ${runs:-?} executions in $((SECONDS - started)) s, coverage ${cov:-?}, $result"
  echo "$line"
  [[ -n $summary ]] && echo "$(date -u +%FT%TZ) $line" >>"$summary"
  if [[ $result == FINDING* ]]; then
    grep -E 'ERROR|runtime error|SUMMARY|==[0-9]+==' "$work/log" | head -20 >&2 || tail -30 "$work/log" >&2
  fi
done
[[ $findings -eq 0 ]] || { echo "fuzzing: $findings target(s) found something or were stopped" >&2; exit 1; }
