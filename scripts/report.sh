#!/usr/bin/env bash
# make report: renders results/<host-id>/report/README.md (tables, charts,
# one sentence per section) from result files.
#
#   scripts/report.sh [-o DIR] [-results ROOT] [-count N] [-benchtime D] [--] [concbench report flags] [files...]
#
# With no files it takes this machine's newest results/<host-id>/*.txt
# (concbench record -reuse, which refuses a file whose config lines name
# another machine); when there is none it first records a short profile
# of every family (concbench record -profile: -count 6 -benchtime 10ms,
# each family narrowed to the rows its summary and charts need, see
# docs/report.md), stored like make bench stores a run, under ROOT
# (default results/: ROOT/<host-id>/).
set -euo pipefail
cd "$(dirname "$0")/.."

out="" root=results count=6 benchtime=10ms
flags=() files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    -results) root=$2; shift 2 ;;
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

if [ ${#files[@]} -eq 0 ]; then
  files=("$(scripts/concbench.sh record -reuse -path-only -profile -reference=false -timeout 30m -results "$root" \
    -go "${GO:-go}" -count "$count" -benchtime "$benchtime")")
fi
if [ -z "$out" ]; then
  last=${files[${#files[@]}-1]}
  last=${last#*=} # label=path
  host=$(sed -n 's/^host-id: //p' "$last" 2>/dev/null | head -1 || true)
  if [ -n "$host" ]; then out="$root/$host/report"; else out="$(dirname "$last")/report"; fi
fi

.dev/concbench report -o "$out" ${flags[@]+"${flags[@]}"} "${files[@]}" >/dev/null
echo "concbench: report in $out/README.md"
