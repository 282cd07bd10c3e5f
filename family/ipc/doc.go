// Package ipc moves fixed-size frames between two ends over one of several
// transports, with a goroutine, a locked thread or a child process at the
// other end, and verifies every frame: the seed notes' Queue, Pipe and
// Manager().Queue() asked as "what does each way of talking cost here?".
//
// Transports (each a Conn pair; Send writes a whole frame, Recv fills one,
// neither allocates):
//
//	chan-unbuffered  Go channel, capacity 0, carrying slot numbers of
//	                 preallocated frames (one copy each side, like a pipe)
//	chan-buffered    the same with capacity 16
//	os-pipe          os.Pipe: non-blocking pipe through Go's poller
//	pipe-raw         blocking pipe, plain read(2)/write(2) on the caller's thread
//	unix             AF_UNIX stream socketpair through the poller
//	tcp              loopback TCP, TCP_NODELAY on, through the poller
//	shm              two rings in a shared memfd mapping, futex wake-ups
//	shm-spin         the same, polling 2Ki times (a few µs) before sleeping
//
// A caller fills a Spec (transport, peer, pattern, size), calls Open, which
// connects the pair and starts the peer, then in its timed loop calls
// RoundTrip (pattern pingpong: send a frame, verify its echo) or Send
// (pattern stream: the peer verifies), and ends with Finish, which sends an
// end frame, waits for the peer and checks that it verified every frame.
// Any lost, repeated, reordered or corrupted frame makes RoundTrip, Send or
// Finish return an error that names the transport, the peer and the size;
// the peer's own complaint is added when it was the one that noticed.
//
// A process peer is this binary re-executed with the ipc-echo role (package
// proc): the transport's descriptors are passed as extra files, and the
// child's stdin and stdout carry two control messages, the child's
// getrusage at start and at the end, so that a caller can charge the child's
// CPU time and context switches to the messages too.
//
// The frame format and the checksum are described in frame.go; the
// checksum's cost is BenchmarkChecksum.
//
// ipc is the transport axis. Its peers are model's Go kinds (model.Go runs a
// goroutine or thread peer; a process peer is proc.Start of the ipc-echo
// role, which says proc.Ready once its end is open); it imports model and
// proc, never a family, pool or report.
package ipc
