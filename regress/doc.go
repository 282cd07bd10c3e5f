// Package regress is concbench's regression gate: it compares a base and a
// head result set and says, per benchmark and unit, whether head got worse,
// in a way that stays quiet on a noisy shared CI machine.
//
// Why a gate needs more than "head is 10% slower than the stored number":
// one run on a shared machine varies by tens of percent, so a gate that
// compares single numbers fails at random and is soon ignored. regress
// therefore takes a difference as a regression only when three things hold
// at once:
//
//  1. it is significant: a Mann-Whitney U test (benchmath) over the samples
//     of both sides, with the p-values Holm-corrected across every
//     benchmark×unit compared, so that comparing hundreds of benchmarks
//     does not turn 5% false alarms per test into a sure false alarm per run;
//  2. it goes the worse way for the unit (its "Unit ... better=" line, else
//     benchfmt's defaults, else: a time unit is better lower, a rate "/s"
//     better higher);
//  3. it is larger than the unit's threshold: by default 10% for the time
//     of CPU-bound benchmarks (kind=cpu), 25% for everything else (spawn,
//     IPC, io kinds and other scheduler-bound families), and any difference
//     at all for assume=exact units (counts such as lost-updates).
//
// Beside the per-benchmark verdicts a suite-wide gate catches a change that
// makes everything a little slower: the geometric mean of head/base over the
// benchmarks' time units, worse by more than 5%, and significant by a
// Mann-Whitney test on per-run scores (benchmarks of one run share its
// machine state, so the runs, not the benchmarks, are the independent
// samples). Its p-value joins the rows' in the Holm correction.
//
// The samples must come from one machine: Load records the cpu, ncpu and
// host-id config lines, and Compare refuses two sets that differ unless
// forced. The samples should also be interleaved (A B B A ...), which
// scripts/regress.sh does, so that a machine that gets busier during the
// run slows both sides alike.
//
// A caller loads both sides with Load, calls Compare with Options (start
// from DefaultOptions), prints the Report with WriteText (or WriteNoise for
// an A/A calibration run), and fails when Report.Regressed is true.
package regress
