#!/usr/bin/env bash
# Kernel-level reference figures in benchfmt, to sit beside concbench's own
# (perf bench sched pipe for processes and threads, /bin/true spawns from
# bash): a thin wrapper of `concbench reference`, built with $GO.
#
#   scripts/reference.sh [-count N] [-loops N] [-spawns N] [-ours]
#
# -ours also runs our pipe ping-pong and the process model's no-op task,
# interleaved with perf, and ends with two "# ratio" comments. Without a
# perf that runs, the perf rows are replaced by one "# skip" line and the
# rest still runs (Debian: make deps installs linux-perf).
set -euo pipefail
exec "$(dirname "$0")/concbench.sh" reference -go "${GO:-go}" "$@"
