#!/usr/bin/env bash
# Runs the benchmark suite and records the output under
# results/<host-id>/<UTC-stamp>.txt, never overwriting a stored file.
#
#   scripts/bench.sh [-count N] [-benchtime D] [-bench REGEXP] [-cpu LIST]
#
# Progress: every result line is echoed as it finishes. The file is written
# to a temporary name first and moved into place only when the run passed, so
# a failed or interrupted run leaves no half file among the results.
set -euo pipefail
cd "$(dirname "$0")/.."

count=10 benchtime=1s bench=. cpu=""
while [ $# -gt 0 ]; do
  case "$1" in
    -count) count=$2; shift 2 ;;
    -benchtime) benchtime=$2; shift 2 ;;
    -bench) bench=$2; shift 2 ;;
    -cpu) cpu=$2; shift 2 ;;
    *) echo "scripts/bench.sh: unknown flag $1 (have -count -benchtime -bench -cpu)" >&2; exit 2 ;;
  esac
done

mkdir -p .dev
go test -c -o .dev/bench.test ./bench
tmp=$(mktemp "${TMPDIR:-/tmp}/concbench-run.XXXXXX")
trap 'rm -f "$tmp"' EXIT
args=(-test.run '^$' -test.bench "$bench" -test.count "$count" -test.benchtime "$benchtime")
[ -n "$cpu" ] && args+=(-test.cpu "$cpu")
echo "concbench: running ${args[*]}" >&2
(cd bench && ../.dev/bench.test "${args[@]}") | tee "$tmp"

host=$(sed -n 's/^host-id: //p' "$tmp" | head -1)
[ -n "$host" ] || { echo "scripts/bench.sh: no host-id line in the output" >&2; exit 1; }
mkdir -p "results/$host"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="results/$host/$stamp.txt"
n=1
while [ -e "$out" ]; do out="results/$host/$stamp-$n.txt"; n=$((n+1)); done
mv -n "$tmp" "$out"
trap - EXIT
echo "concbench: results in $out" >&2
