// Package record runs the benchmark suite and stores what it printed as
// one result file, results/<host-id>/<UTC-stamp>.txt, with the busy-loop
// sampler's per-core series beside it in <stamp>.samples/.
//
// A recording goes: build the bench binary (go test -c, into the
// recording's own working directory) → list its families and Select the
// ones -bench asks for → run one pass per family, its name anchored and
// the sub-benchmark filter kept, appending to a private file → append the
// kernel's reference figures (Reference) when IPC or Spawn ran → Store.
//
// What it promises, and why it is built this way:
//   - Nothing stored is ever overwritten, and two recordings at once both
//     land: the name is claimed by link(2) of the finished file, which
//     fails rather than replace, and a taken name gets a -1, -2 ... suffix.
//   - Nothing partial is stored: the output goes to a private working
//     directory (results/<host-id>/.record-<pid>-<random>/) and is linked
//     into place only after every pass passed. A failed pass, a failure to
//     store or an interrupt is an error (a non-zero exit), and the working
//     directory is removed on the way out.
//   - Nothing is left after an abnormal end either: a recorder killed with
//     SIGKILL cannot clean up, so the next one removes the working
//     directories whose owner pid is dead (internal/owned), and only those.
//   - Stored files are mode 0644 (FileMode): others and CI read them.
//
// Newest is the other half, for make report: this machine's newest
// recording, refused when its config lines say it came from another
// machine.
//
// record sits beside report and regress, above the benchmarks: it runs
// the bench binary as a program and never imports bench, a family or
// sampler.
package record
