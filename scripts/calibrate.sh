#!/usr/bin/env bash
# A/A noise calibration: the same benchmark binary on both sides of an
# interleaved run (see scripts/regress.sh), then `concbench calibrate` prints
# each benchmark's noise floor and the false alarms the gate would have
# raised. Results under results/calibrate/<UTC-stamp>/. Takes the flags of
# scripts/regress.sh (-rounds -bench -benchtime -pkg -out, -- gate flags).
set -euo pipefail
exec "$(dirname "$0")/regress.sh" -aa "$@"
