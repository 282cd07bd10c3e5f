#!/usr/bin/env bash
# Interleaved A/B regression run: builds the benchmark test binary at a base
# git ref (in a temporary git worktree) and at the working tree (head), both
# with the same local Go toolchain, runs them alternately A B B A A B ... for
# N rounds (-test.count 1 each, so a machine that gets busier during the run
# slows both sides alike), then gates the result with `concbench compare`.
#
#   scripts/regress.sh [-base REF] [-rounds N] [-bench REGEXP] [-benchtime D]
#                      [-pkg DIR] [-out DIR] [-aa]
#                      [-base-bin PATH] [-head-bin PATH] [-head-env K=V]
#                      [-- compare flags]
#
#   -base REF      base side, any git ref (default origin/main)
#   -aa            A/A calibration: head's binary on both sides, then
#                  `concbench calibrate` (noise floor table); no -base needed
#   -rounds N      rounds; each runs both sides once (default 10)
#   -bench RE      benchmarks to run (default .)
#   -benchtime D   per benchmark and run (default 100ms)
#   -pkg DIR       package holding the benchmarks (default ./bench)
#   -out DIR       where results go; must not exist (default
#                  results/regress/<UTC-stamp> or results/calibrate/<UTC-stamp>)
#   -base-bin, -head-bin PATH
#                  prebuilt test binaries instead of building (the gate's own
#                  test uses them); a binary runs in -pkg's directory
#   -head-env K=V  extra environment for head runs only (the test-only switch
#                  CONCBENCH_TEST_SLOWDOWN, see docs/regression.md); repeatable
#
# Writes base.txt and head.txt (every round appended, as benchfmt), table.txt
# (the compare or calibrate output) and run.txt (what ran) under the results
# directory. Exit status: that of concbench compare (0 no regression,
# 1 regression, 2 bad input), or 2 when a build or a benchmark run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

base=origin/main rounds=10 bench=. benchtime=100ms pkg=./bench out="" aa=0
base_bin="" head_bin="" head_env=() compare_flags=()
die() { echo "scripts/regress.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -base) base=$2; shift 2 ;;
    -aa) aa=1; shift ;;
    -rounds) rounds=$2; shift 2 ;;
    -bench) bench=$2; shift 2 ;;
    -benchtime) benchtime=$2; shift 2 ;;
    -pkg) pkg=$2; shift 2 ;;
    -out) out=$2; shift 2 ;;
    -base-bin) base_bin=$2; shift 2 ;;
    -head-bin) head_bin=$2; shift 2 ;;
    -head-env) head_env+=("$2"); shift 2 ;;
    --) shift; compare_flags=("$@"); break ;;
    *) die "unknown flag $1 (have -base -aa -rounds -bench -benchtime -pkg -out -base-bin -head-bin -head-env, then -- compare flags)" ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "flag -rounds: want a positive integer, got '$rounds'"
[ -d "$pkg" ] || die "flag -pkg: no directory $pkg"

# Both sides and compare use $GO (default: the go on PATH), never a toolchain
# a go.mod asks for.
GO=${GO:-go}
export GOTOOLCHAIN=local
tmp=$(mktemp -d "${TMPDIR:-/tmp}/concbench-regress.XXXXXX")
wt=""
cleanup() {
  if [ -n "$wt" ]; then git -C "$root" worktree remove --force "$wt" 2>/dev/null || true; git -C "$root" worktree prune || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ -z "$out" ]; then
  kind=regress; [ "$aa" = 1 ] && kind=calibrate
  out="results/$kind/$stamp"; n=1
  while [ -e "$out" ]; do out="results/$kind/$stamp-$n"; n=$((n+1)); done
fi
[ -e "$out" ] && die "flag -out: $out exists; results are never overwritten"
mkdir -p "$out"

head_dir="$root/$pkg"
if [ -z "$head_bin" ]; then
  echo "concbench: building head ($pkg at the working tree)" >&2
  "$GO" test -c -o "$tmp/head.test" "$pkg" || die "build of head failed"
  head_bin="$tmp/head.test"
fi
base_dir="$head_dir"
if [ "$aa" = 1 ]; then
  base_bin="$head_bin"
elif [ -z "$base_bin" ]; then
  rev=$(git rev-parse --verify --quiet "$base^{commit}") || die "flag -base: $base is not a git ref here (fetch it first, e.g. git fetch origin)"
  wt="$tmp/base"
  echo "concbench: building base ($pkg at $base = ${rev:0:12})" >&2
  git worktree add --quiet --detach "$wt" "$rev" || die "git worktree add for $base failed"
  [ -d "$wt/$pkg" ] || die "flag -base: $base has no $pkg"
  (cd "$wt" && "$GO" test -c -o "$tmp/base.test" "$pkg") || die "build of base ($base) failed"
  base_bin="$tmp/base.test"
  base_dir="$wt/$pkg"
fi
echo "concbench: building concbench (compare)" >&2
"$GO" build -o "$tmp/concbench" ./cmd/concbench || die "build of cmd/concbench failed"

{
  echo "command: scripts/regress.sh -rounds $rounds -bench '$bench' -benchtime $benchtime -pkg $pkg$([ "$aa" = 1 ] && echo ' -aa')"
  echo "head-env: ${head_env[*]:-}"
  echo "go: $("$GO" version)"
  echo "head: $(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo ' +uncommitted changes')"
  if [ "$aa" = 1 ]; then echo "base: head (A/A)"; elif [ -n "$wt" ]; then echo "base: $base = $(git rev-parse --short=12 "$base^{commit}")"; else echo "base: $base_bin"; fi
  echo "order: A B B A per pair of rounds, -test.count 1 each"
} > "$out/run.txt"

# -test.timeout: a lost ping-pong frame is a round trip that never ends; the
# binary's timeout panic fails the run instead of hanging it.
args=(-test.run '^$' -test.bench "$bench" -test.count 1 -test.benchtime "$benchtime" -test.timeout 1h)
# run SIDE BIN DIR [K=V ...]: one run, appended to SIDE.txt only when it passed.
run() {
  local side=$1 bin=$2 dir=$3; shift 3
  if ! (cd "$dir" && env "$@" "$bin" "${args[@]}") > "$tmp/run.out" 2>&1; then
    cat "$tmp/run.out" >&2
    die "$side run of round $r failed (output above)"
  fi
  cat "$tmp/run.out" >> "$out/$side.txt"
}
start=$SECONDS
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order="base head"; else order="head base"; fi
  for side in $order; do
    if [ "$side" = base ]; then run base "$base_bin" "$base_dir"; else run head "$head_bin" "$head_dir" "${head_env[@]}"; fi
  done
  el=$((SECONDS - start))
  echo "concbench: round $r/$rounds ($order) done, ${el}s, about $((el * (rounds - r) / r))s to go" >&2
done

cmd=compare; [ "$aa" = 1 ] && cmd=calibrate
set +e
"$tmp/concbench" "$cmd" "${compare_flags[@]}" "$out/base.txt" "$out/head.txt" > "$out/table.txt"
rc=$?
set -e
cat "$out/table.txt"
echo "concbench: results in $out (exit $rc)" >&2
exit $rc
