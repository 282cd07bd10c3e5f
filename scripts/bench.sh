#!/usr/bin/env bash
# Runs the benchmark suite and records the output under
# results/<host-id>/<UTC-stamp>.txt, never overwriting a stored file.
#
#   scripts/bench.sh [-count N] [-benchtime D] [-bench REGEXP] [-cpu LIST] [-timeout D]
#
# Progress: every result line is echoed as it finishes. The file is written
# to a temporary name first and moved into place only when the run passed, so
# a failed or interrupted run leaves no half file among the results. The
# busy-loop sampler's per-core series go to results/<host-id>/<stamp>.samples/
# (CONCBENCH_SAMPLES_DIR), where the reporter finds them for its heatmaps.
#
# A run that includes the IPC or Spawn family gets the kernel's reference
# figures (scripts/reference.sh: perf bench sched pipe, /bin/true spawns)
# appended to the same file, so the report puts them beside ours.
#
# -timeout (default 3h) bounds each pass: a frame lost in a ping-pong is a
# round trip that never ends, and the binary's timeout panic then fails the
# run with every goroutine's stack instead of letting it hang for ever.
set -euo pipefail
cd "$(dirname "$0")/.."

count=10 benchtime=1s bench=. cpu="" timeout=3h
while [ $# -gt 0 ]; do
  case "$1" in
    -count) count=$2; shift 2 ;;
    -benchtime) benchtime=$2; shift 2 ;;
    -bench) bench=$2; shift 2 ;;
    -cpu) cpu=$2; shift 2 ;;
    -timeout) timeout=$2; shift 2 ;;
    *) echo "scripts/bench.sh: unknown flag $1 (have -count -benchtime -bench -cpu -timeout)" >&2; exit 2 ;;
  esac
done

mkdir -p .dev
go test -c -o .dev/bench.test ./bench
# TestMain prints the config lines, host-id among them, whenever -bench is
# set, even when it matches nothing.
host=$(cd bench && ../.dev/bench.test -test.run '^$' -test.bench '^$NONE' | sed -n 's/^host-id: //p' | head -1)
[ -n "$host" ] || { echo "scripts/bench.sh: the bench binary printed no host-id line" >&2; exit 1; }
mkdir -p "results/$host"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="results/$host/$stamp"
n=1
while [ -e "$base.txt" ] || [ -e "$base.samples" ]; do base="results/$host/$stamp-$n"; n=$((n+1)); done
out="$base.txt"
export CONCBENCH_SAMPLES_DIR="$PWD/$base.samples"

tmp=$(mktemp "${TMPDIR:-/tmp}/concbench-run.XXXXXX")
trap 'rm -f "$tmp"; rm -rf "$CONCBENCH_SAMPLES_DIR"' EXIT
args=(-test.run '^$' -test.bench "$bench" -test.count "$count" -test.benchtime "$benchtime" -test.timeout "$timeout")
[ -n "$cpu" ] && args+=(-test.cpu "$cpu")
# Which families the run selects: the first element of -bench against the
# list of top-level benchmarks. (The list is read whole first: a grep -q
# that stops at its first match would kill the lister with SIGPIPE, which
# pipefail turns into a false "no".)
names=$(cd bench && ../.dev/bench.test -test.list '^Benchmark')
selected=$(printf '%s\n' "$names" | grep -E -- "${bench%%/*}" || true)
has() { printf '%s\n' "$selected" | grep -xE "$1" >/dev/null; }
# The busy-loop experiment compares GOMAXPROCS=1 with =ncpu (Go's nearest
# thing to a GIL), so unless -cpu is given it runs in a second pass with
# -cpu 1,<ncpu>, into the same file.
busy=""
if [ -z "$cpu" ] && has BenchmarkBusyLoop; then
  busy=1
  args+=(-test.skip '^BenchmarkBusyLoop$')
fi
echo "concbench: running ${args[*]}" >&2
(cd bench && ../.dev/bench.test "${args[@]}") | tee "$tmp"
if [ -n "$busy" ]; then
  args=(-test.run '^$' -test.bench "^BenchmarkBusyLoop\$" -test.count "$count" -test.benchtime "$benchtime" -test.timeout "$timeout" -test.cpu "1,$(nproc)")
  echo "concbench: running ${args[*]}" >&2
  (cd bench && ../.dev/bench.test "${args[@]}") | tee -a "$tmp"
fi

# The reference is a supplement: if it fails, the benchmarks are stored
# without it, never thrown away.
if has 'BenchmarkIPC|BenchmarkSpawn'; then
  echo "concbench: running scripts/reference.sh -count $count" >&2
  ref=$(mktemp "${TMPDIR:-/tmp}/concbench-ref.XXXXXX")
  if scripts/reference.sh -count "$count" >"$ref"; then
    tee -a "$tmp" <"$ref"
  else
    echo "concbench: scripts/reference.sh failed (above); results stored without the kernel reference" >&2
  fi
  rm -f "$ref"
fi

mv -n "$tmp" "$out"
trap - EXIT
echo "concbench: results in $out" >&2
[ -d "$CONCBENCH_SAMPLES_DIR" ] && echo "concbench: per-core samples in $base.samples/" >&2
exit 0
