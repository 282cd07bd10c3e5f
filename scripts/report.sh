#!/usr/bin/env bash
# make report: renders results/<host-id>/report/README.md (tables, charts,
# one sentence per section) from result files.
#
#   scripts/report.sh [-o DIR] [-count N] [-benchtime D] [--] [concbench report flags] [files...]
#
# With no files it takes the newest results/<host-id>/*.txt of this machine;
# when there is none it first records a short default profile of the whole
# suite (every Benchmark family the bench package lists, -count 6
# -benchtime 20ms), one family at a time with a progress line each, into
# results/<host-id>/<UTC-stamp>.txt exactly as scripts/bench.sh stores runs:
# written to a temporary file, moved into place only when every family
# passed, never over an existing file.
set -euo pipefail
cd "$(dirname "$0")/.."

out="" count=6 benchtime=20ms
flags=() files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    -count) count=$2; shift 2 ;;
    -benchtime) benchtime=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
# The rest: concbench report flags (benchstat's names) and files.
while [ $# -gt 0 ]; do
  case "$1" in
    -filter|-row|-col|-table|-ignore|-alpha|-confidence|-format) flags+=("$1" "$2"); shift 2 ;;
    -*) echo "scripts/report.sh: unknown flag $1" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done

mkdir -p .dev
go build -o .dev/concbench ./cmd/concbench

if [ ${#files[@]} -eq 0 ]; then
  go test -c -o .dev/bench.test ./bench
  # TestMain prints the config lines (host-id among them) whenever -bench is
  # set, even when it matches nothing: the same id the results carry.
  host=$(cd bench && ../.dev/bench.test -test.run '^$' -test.bench '^$NONE' | sed -n 's/^host-id: //p' | head -1)
  [ -n "$host" ] || { echo "scripts/report.sh: bench binary printed no host-id" >&2; exit 1; }
  # Newest by name: stamps sort as text once ".txt" is off (so that
  # <stamp>-1.txt, a second run in the same second, comes after <stamp>.txt).
  newest=$(ls results/"$host"/*.txt 2>/dev/null | sed 's/\.txt$//' | sort | tail -1 || true)
  [ -z "$newest" ] || newest=$newest.txt
  if [ -z "$newest" ]; then
    mapfile -t families < <(cd bench && ../.dev/bench.test -test.list '^Benchmark' | grep '^Benchmark')
    n=${#families[@]}
    echo "concbench: no results for host $host yet; recording a short profile of $n families (-count $count -benchtime $benchtime)" >&2
    mkdir -p "results/$host"
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    base="results/$host/$stamp"
    k=1
    while [ -e "$base.txt" ] || [ -e "$base.samples" ]; do base="results/$host/$stamp-$k"; k=$((k+1)); done
    newest="$base.txt"
    export CONCBENCH_SAMPLES_DIR="$PWD/$base.samples"
    tmp=$(mktemp "${TMPDIR:-/tmp}/concbench-run.XXXXXX")
    trap 'rm -f "$tmp"; rm -rf "$CONCBENCH_SAMPLES_DIR"' EXIT
    ncpu=$(nproc)
    start=$SECONDS
    i=0
    for fam in "${families[@]}"; do
      i=$((i+1))
      t0=$SECONDS
      # Each BusyLoop op is a whole experiment of CONCBENCH_BUSY_SECONDS:
      # the profile runs it at workers=ncpu only, at GOMAXPROCS=1 and =ncpu
      # (the seeds' question), twice.
      pattern="^${fam}\$" fcount=$count extra=()
      if [ "$fam" = BenchmarkBusyLoop ]; then
        pattern="^${fam}\$/.*/workers=${ncpu}\$" fcount=2 extra=(-test.cpu "1,$ncpu")
      fi
      if ! (cd bench && ../.dev/bench.test -test.run '^$' -test.bench "$pattern" \
            -test.count "$fcount" -test.benchtime "$benchtime" -test.timeout 30m ${extra[@]+"${extra[@]}"}) >>"$tmp"; then
        echo "scripts/report.sh: $fam failed; nothing stored" >&2
        exit 1
      fi
      printf 'concbench: [%d/%d] %-24s %4ds (total %ds)\n' "$i" "$n" "$fam" $((SECONDS-t0)) $((SECONDS-start)) >&2
    done
    mv -n "$tmp" "$newest"
    trap - EXIT
    echo "concbench: results in $newest ($((SECONDS-start))s)" >&2
  fi
  files=("$newest")
  [ -n "$out" ] || out="results/$host/report"
fi

if [ -z "$out" ]; then
  last=${files[${#files[@]}-1]}
  last=${last#*=} # label=path
  host=$(sed -n 's/^host-id: //p' "$last" 2>/dev/null | head -1 || true)
  if [ -n "$host" ]; then out="results/$host/report"; else out="$(dirname "$last")/report"; fi
fi

.dev/concbench report -o "$out" ${flags[@]+"${flags[@]}"} "${files[@]}" >/dev/null
echo "concbench: report in $out/README.md"
