#!/usr/bin/env bash
# Builds cmd/concbench with $GO (default go) and runs it with the given
# arguments: the one way the other scripts reach the Go code.
#
#   scripts/concbench.sh <command> [flags] [args]
#
# The build goes to a name of this shell's own and is renamed into place,
# so that two scripts at once never write over the binary the other is
# running (rename(2) swaps the name; a running binary keeps its file).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mkdir -p .dev
trap 'rm -f ".dev/concbench.$$"' EXIT
"$GO" build -o ".dev/concbench.$$" ./cmd/concbench
mv -f ".dev/concbench.$$" .dev/concbench
trap - EXIT
exec .dev/concbench "$@"
