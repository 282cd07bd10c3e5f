// Package workloads holds the kernels that concbench's execution models run:
// small units of CPU-bound or IO-bound work, each returning a checksum so that
// every run can be verified.
//
// A caller picks a kernel by name (Lookup), opens a Runner for each worker
// (Kernel.Open, which creates any per-worker state such as a temp file or a
// TCP connection), calls Runner.Run with an argument, and compares the result
// with Answers, a table computed once, outside any timed loop. A wrong answer
// means the model or transport in between lost or corrupted data.
//
// Kernels are deliberately small (tens of microseconds for the CPU ones,
// one millisecond or one device flush for the IO ones) so that the cost of
// handing a task to a worker stays visible beside the cost of the task itself.
//
// The kernels:
//
//	noop      returns a hash of its argument: the per-task overhead of a model
//	busyloop  the seed notes' x = x ^ 1 loop made to count (x = x + 1), BusyIters times (pure ALU)
//	sha256    chained SHA-256 over a 64 KiB block (ALU + L1/L2 streaming)
//	sha256-chain  Param rounds of SHA-256 over a 32-byte digest: the task-size axis
//	memwalk   a dependent random walk over 32 MiB (memory latency bound)
//	sleep     a 1 ms timer wait (the seeds' time.sleep)
//	fsync     write 4 KiB to a per-worker temp file, fsync, read back
//	tcp       a round trip of 8 bytes to a loopback echo server (StartEcho)
package workloads
