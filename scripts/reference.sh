#!/usr/bin/env bash
# Kernel-level reference figures in benchfmt, to sit beside concbench's own:
#
#   BenchmarkReference/tool=perf-sched-pipe/peer=process   perf bench sched pipe
#   BenchmarkReference/tool=perf-sched-pipe/peer=thread    perf bench sched pipe -T
#   BenchmarkReference/tool=spawn-true/via=bash            fork+exec+wait of /bin/true from bash
#
# One perf op is one round trip of a 4-byte message over two pipes between
# two processes (or threads): the same thing as one op of
# BenchmarkIPC/pattern=pingpong/transport=pipe-raw/peer=process/size=8B.
#
#   scripts/reference.sh [-count N] [-loops N] [-spawns N] [-ours]
#
# -ours also runs that benchmark and the process model's no-op task
# (BenchmarkScale/kind=cpu/kernel=noop/model=process/workers=1: one task
# through the pool to a child and back, verified), interleaved with perf
# (perf, ours, perf, ours, ...: drift on a noisy machine hits both alike),
# and ends with two "# ratio" comments: the median of each of ours over the
# median of perf's.
#
# The output starts with the same config lines as a go test -bench run
# (ncpu, kernel, host-id, commit, ...), so a reporter can file it with ours.
# Without perf (Debian: apt-get install linux-perf), or with a perf that
# does not run, the perf lines are replaced by a "# skip" line and the
# script still exits 0 (with -ours, our lines come all the same).
set -euo pipefail
cd "$(dirname "$0")/.."

count=5 loops=100000 spawns=2000 ours=0
while [ $# -gt 0 ]; do
  case "$1" in
    -count) count=$2; shift 2 ;;
    -loops) loops=$2; shift 2 ;;
    -spawns) spawns=$2; shift 2 ;;
    -ours) ours=1; shift ;;
    *) echo "scripts/reference.sh: unknown flag $1 (have -count -loops -spawns -ours)" >&2; exit 2 ;;
  esac
done
for v in "$count" "$loops" "$spawns"; do
  case "$v" in ''|*[!0-9]*|0) echo "scripts/reference.sh: -count, -loops and -spawns take a positive integer, got '$v'" >&2; exit 2 ;; esac
done

# Config lines, as bench/main_test.go's ConfigLines and go test write them.
goarch=$(uname -m); case "$goarch" in x86_64) goarch=amd64 ;; aarch64) goarch=arm64 ;; esac
echo "goos: $(uname -s | tr '[:upper:]' '[:lower:]')"
echo "goarch: $goarch"
echo "pkg: github.com/concbench/concbench/scripts/reference"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
[ -n "$cpu" ] && echo "cpu: $cpu"
echo "ncpu: $(nproc)"
echo "kernel: $(uname -r)"
if [ -s /etc/machine-id ] && id=$(tr -d '[:space:]' </etc/machine-id) && [ -n "$id" ]; then :; else id=$(hostname); fi
echo "host-id: $(printf 'concbench:%s' "$id" | sha256sum | cut -c1-12)"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || true)
[ -n "$commit" ] && echo "commit: $commit"

# perf_pipe [-T]: one run, prints ns per round trip.
perf_pipe() {
  local out us
  out=$(perf bench sched pipe -l "$loops" "$@" 2>&1) || { echo "scripts/reference.sh: perf bench sched pipe $*: $out" >&2; return 1; }
  us=$(printf '%s\n' "$out" | awk '/usecs\/op/ {print $1; exit}')
  [ -n "$us" ] || { echo "scripts/reference.sh: no usecs/op in perf output: $out" >&2; return 1; }
  awk -v us="$us" 'BEGIN { printf "%.1f", us * 1000 }'
}

ourbench='IPC/pattern=pingpong/transport=pipe-raw/peer=process/size=8B$'
ourtask='Scale/kind=cpu/kernel=noop/model=process/workers=1$'
# ns_of LINE: the ns/op figure of a benchfmt line.
ns_of() { printf '%s\n' "$1" | awk '{for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") {print $i; exit}}'; }
# run_ours PATTERN PREFIX: one run of one of our benchmarks, its line printed.
run_ours() {
  local line
  line=$(cd bench && ../.dev/bench.test -test.run '^$' -test.bench "$1" -test.count 1 | grep "^$2") ||
    { echo "scripts/reference.sh: benchmark $1 printed no result" >&2; return 1; }
  echo "$line"
}
if [ "$ours" = 1 ]; then
  mkdir -p .dev
  go test -c -o .dev/bench.test ./bench
fi

perf_ns=() our_ns=() task_ns=()
# perf may be there and still not run (Debian's wrapper without the tools
# for this kernel, say): one tiny run tells.
have_perf=0
if ! command -v perf >/dev/null 2>&1; then
  echo "# skip: perf not installed (Debian: apt-get install linux-perf); no perf-sched-pipe reference"
elif ! why=$(perf bench sched pipe -l 1 2>&1); then
  echo "# skip: perf bench sched pipe does not run here: $(printf '%s' "$why" | head -1)"
else
  have_perf=1
fi
if [ "$have_perf" = 1 ] || [ "$ours" = 1 ]; then
  for ((i = 0; i < count; i++)); do
    if [ "$have_perf" = 1 ]; then
      ns=$(perf_pipe)
      perf_ns+=("$ns")
      printf 'BenchmarkReference/tool=perf-sched-pipe/peer=process \t %d \t %s ns/op\n' "$loops" "$ns"
    fi
    if [ "$ours" = 1 ]; then
      line=$(run_ours "$ourbench" BenchmarkIPC/)
      echo "$line"
      our_ns+=("$(ns_of "$line")")
      line=$(run_ours "$ourtask" BenchmarkScale/)
      echo "$line"
      task_ns+=("$(ns_of "$line")")
    fi
    if [ "$have_perf" = 1 ]; then
      ns=$(perf_pipe -T)
      printf 'BenchmarkReference/tool=perf-sched-pipe/peer=thread \t %d \t %s ns/op\n' "$loops" "$ns"
    fi
  done
fi

for ((i = 0; i < count; i++)); do
  t0=$(date +%s%N)
  for ((j = 0; j < spawns; j++)); do /bin/true; done
  t1=$(date +%s%N)
  printf 'BenchmarkReference/tool=spawn-true/via=bash \t %d \t %s ns/op\n' "$spawns" \
    "$(awk -v d=$((t1 - t0)) -v n="$spawns" 'BEGIN { printf "%.0f", d / n }')"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END { if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2 }'; }
if [ "${#our_ns[@]}" -gt 0 ] && [ "${#perf_ns[@]}" -eq 0 ]; then
  echo "# skip: no perf figures, so no ratio"
elif [ "${#our_ns[@]}" -gt 0 ]; then
  p=$(median "${perf_ns[@]}") o=$(median "${our_ns[@]}")
  awk -v o="$o" -v p="$p" 'BEGIN { printf "# ratio: pipe-raw process pingpong 8B / perf bench sched pipe = %.0f / %.0f ns = %.2fx (target <= 1.30x)\n", o, p, o / p }'
  t=$(median "${task_ns[@]}")
  awk -v t="$t" -v p="$p" 'BEGIN { printf "# ratio: process model no-op task / perf bench sched pipe = %.0f / %.0f ns = %.2fx (target <= 1.50x)\n", t, p, t / p }'
fi
