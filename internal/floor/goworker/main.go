// Command goworker is the Go floor of a process spawn: the smallest Go
// program that does one process-model task over the process model's own
// protocol (proc's ready line, then model/process.go's frames: a 16-byte
// request on stdin, a 32-byte response on stdout; exit on EOF). It imports nothing but syscall, so its
// cost is the Go runtime's start-up and exit and nothing of concbench's:
// BenchmarkSpawn/model=floor-go runs it through model.Process, with the
// same parent code and the same verification as model=process.
//
// It knows only the noop kernel (workloads.Mix of item mod 64); any other
// kernel or op is refused, so a mismatch fails loudly instead of answering.
package main

import "syscall"

const (
	reqSize  = 16
	respSize = 32
	opTask   = 1
	argRange = 64 // workloads.ArgRange
)

func main() {
	if k, _ := syscall.Getenv("CONCBENCH_KERNEL"); k != "noop" {
		die("goworker: only the noop kernel, not " + k)
	}
	ready := []byte("ready\n") // proc.ReadyLine: the handshake every role makes
	if w, err := syscall.Write(1, ready); err != nil || w != len(ready) {
		die("goworker: write ready line")
	}
	var req [reqSize]byte
	var resp [respSize]byte
	for {
		if !readFull(req[:]) {
			syscall.Exit(0)
		}
		if req[0] != opTask {
			die("goworker: only op task")
		}
		n, seq := le(req[4:8]), le(req[8:16])
		var fold uint64
		for i := uint64(0); i < n; i++ {
			fold += mix((seq + i) % argRange)
		}
		copy(resp[4:16], req[4:16])
		put(resp[16:24], fold)
		if w, err := syscall.Write(1, resp[:]); err != nil || w != respSize {
			die("goworker: write response")
		}
	}
}

// mix is workloads.Mix (splitmix64's finaliser); the parent checks every
// answer against workloads.Answers, so a drift here fails the row.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	for _, s := range [...]struct {
		shift uint
		mul   uint64
	}{{30, 0xbf58476d1ce4e5b9}, {27, 0x94d049bb133111eb}} {
		x = (x ^ x>>s.shift) * s.mul
	}
	return x ^ x>>31
}

// readFull reads len(p) bytes from stdin; false on a clean EOF before the
// first byte, and it exits on a short frame or an error.
func readFull(p []byte) bool {
	for got := 0; got < len(p); {
		n, err := syscall.Read(0, p[got:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			die("goworker: read request: " + err.Error())
		case n == 0 && got == 0:
			return false
		case n == 0:
			die("goworker: truncated request")
		}
		got += n
	}
	return true
}

func le(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func put(b []byte, v uint64) {
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
}

func die(msg string) {
	syscall.Write(2, []byte(msg+"\n"))
	syscall.Exit(1)
}
