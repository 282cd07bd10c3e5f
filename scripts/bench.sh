#!/usr/bin/env bash
# Runs the benchmark suite and records the output under
# results/<host-id>/<UTC-stamp>.txt, never over a stored file: a thin
# wrapper of `concbench record` (package record says how), built with $GO.
#
#   scripts/bench.sh [-count N] [-benchtime D] [-bench REGEXP] [-cpu LIST] [-timeout D]
#                    [other concbench record flags]
#
# -bench names families by their whole name (Spawn is not SpawnParent),
# then sub-benchmark filters, which every pass keeps. Each family runs as
# one pass, with a progress line; BusyLoop runs at -cpu 1,<ncpu> unless
# -cpu is given. A run that includes IPC or Spawn gets the kernel's
# reference figures (concbench reference) appended to the same file. The
# output is stored only when every pass passed; Ctrl-C stores nothing.
set -euo pipefail
exec "$(dirname "$0")/concbench.sh" record -go "${GO:-go}" "$@"
