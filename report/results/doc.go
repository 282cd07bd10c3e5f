// Package results is the one strict loader of result files, shared by
// report and regress: both read the same files, so both must agree on
// what a file means and on what a file may not contain.
//
// A caller makes Inputs (ParseArgs reads benchstat's "label=path"), opens
// them with Open and calls Scan until it returns false, like
// bufio.Scanner or benchfmt.Reader: Result is the current benchmark line,
// reused in place (copy what you keep), Input says which input it came
// from. After the last Scan, Err is nil or the first problem found, and
// Files and Units describe what was read. The reader streams: it holds
// one line at a time, so memory is whatever the caller keeps.
//
// The reader is benchfmt.Reader with checks on top, because a gate that
// guesses passes what it should fail, and a report built on half the data
// is worse than none. Every rejection is an *Error: one line, naming the
// file and, where there is one, the line. The rules:
//
//   - Syntax: whatever benchfmt rejects (a bad iteration count, a value
//     that is not a number, a missing unit, a Unit line without key=value,
//     two Unit lines that disagree). A line longer than benchfmt's limit
//     (64 KiB) is an error at that line; benchfmt alone would name the
//     line before it.
//   - Values must be measurements. NaN and ±Inf are rejected for every
//     unit: x/perf's Mann-Whitney test loops forever on NaN, and an
//     infinite time passes any threshold check. Negative values are
//     rejected for every unit: every unit concbench writes is a time, a
//     rate, a count or a share, and none of them can be below zero.
//     Zero is rejected for wall times (a unit whose numerator is in seconds
//     after benchunit.Tidy: ns/op, p99-ns, ns/item, stop-ns) and rates (a
//     unit ending in "/s": MB/s, iters/s), because no verified operation
//     takes no time or moves at no speed. Zero is a fine count or share
//     (B/op, allocs/op, ctxsw/op, lost-updates, steal-%, busy-cores), and a
//     fine CPU time (cpu-ns/op): the kernel's per-thread CPU clock advances
//     in steps, so a short run of an op that mostly waits can read 0.
//     The iteration count must be at least 1.
//   - Unit lines fail closed: the only attributes are better= (higher or
//     lower) and assume= (nothing or exact). "better=lowr" or "colour=red"
//     is an error, not a unit with no direction that the gate then skips.
//     A time declared better=higher or a rate declared better=lower is an
//     error too: it would turn the gate around.
//   - Every unit is built in (sec/op, B/op, allocs/op, B/s: what testing
//     prints itself) or declared by a Unit line in one of the inputs. An
//     undeclared unit is a typo or a missing declaration, and its direction
//     would be guessed.
//   - One file is one run on one machine: a key that names the machine or
//     the toolchain (goos, goarch, cpu, ncpu, host-id, kernel, go) set again
//     in the same file to a different value is an error at the first result
//     that sees the new value. Other keys may change: go test prints pkg
//     once per package, and an interleaved run appends rounds whose commit
//     line is the checkout's HEAD at that moment.
//   - Every input must exist, be a file and hold at least one result.
//
// The reader also tidies the unit of a value that benchfmt left untidied
// because tidying did not change it (0 cpu-ns/op stays "cpu-ns/op" in
// benchfmt, 5 cpu-ns/op becomes "cpu-sec/op"), so one unit is one row.
//
// Better is the one rule for "which way is better", used by the report's
// tables and by the gate.
//
// The package imports only the standard library and x/perf: report and
// regress import it, it imports neither of them.
package results
