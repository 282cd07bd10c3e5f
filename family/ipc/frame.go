package ipc

import (
	"encoding/binary"
	"fmt"
)

// Frame layout. Every message is exactly size bytes on the wire, header
// included, so size=8B means 8 bytes per message (perf bench sched pipe
// sends 4):
//
//	[0:4]  seq   u32, little endian; 1, 2, 3, ... (0: a mark frame, below)
//	[4:8]  check u32: a mix of seq and a Fletcher-style sum of the payload
//	[8:]   payload, size-8 bytes, read as little-endian u64 words
//
// The checksum is Fletcher's two running sums over 64-bit words (a += w;
// b += a), which costs two additions per 8 bytes on the receiver, then a
// 64-bit finaliser that mixes in seq and folds to 32 bits. A flipped bit in
// any word changes a; a swapped pair of words changes b; a lost, repeated or
// reordered frame shows in seq. The sender never sums the payload: it keeps
// a and b and changes one payload word per frame (word seq mod n becomes
// seq), updating the sums in O(1), so that payloads differ from frame to
// frame (a transport that hands back a stale buffer fails) without charging
// the sender a pass over the payload.
//
// A mark frame (seq 0, checksum over the current payload) asks the peer to
// report how many frames it has verified so far; it travels in order with
// the data, so the report also says that everything before it arrived.
const (
	headerSize = 8
	markSeq    = 0
)

// writer stamps outgoing frames.
type writer struct {
	buf  []byte
	seq  uint64
	a, b uint64 // Fletcher sums of buf's payload
}

func newWriter(size int) *writer {
	w := &writer{buf: make([]byte, size)}
	for i := range w.buf[headerSize:] {
		w.buf[headerSize+i] = byte(i*131 + 7)
	}
	w.a, w.b = fletcher(w.buf[headerSize:])
	return w
}

// next stamps the next frame into buf and returns it.
func (w *writer) next() []byte {
	w.seq++
	if n := uint64(len(w.buf)-headerSize) / 8; n > 0 {
		j := w.seq % n
		off := headerSize + 8*j
		d := w.seq - binary.LittleEndian.Uint64(w.buf[off:])
		binary.LittleEndian.PutUint64(w.buf[off:], w.seq)
		w.a += d
		w.b += (n - j) * d
	}
	binary.LittleEndian.PutUint32(w.buf[0:], uint32(w.seq))
	binary.LittleEndian.PutUint32(w.buf[4:], check(w.seq, w.a, w.b))
	return w.buf
}

// mark stamps a mark frame: seq 0, the payload unchanged.
func (w *writer) mark() []byte {
	binary.LittleEndian.PutUint32(w.buf[0:], markSeq)
	binary.LittleEndian.PutUint32(w.buf[4:], check(markSeq, w.a, w.b))
	return w.buf
}

// reader verifies incoming frames: the sequence, and with full the
// checksum. n counts the frames verified.
type reader struct {
	name string // for errors: the transport and peer
	n    uint64
}

func isMark(f []byte) bool { return binary.LittleEndian.Uint32(f) == markSeq }

// verifyMark checks a mark frame's checksum, so that a frame corrupted into
// seq 0 is not taken for one.
func (r *reader) verifyMark(f []byte) error {
	a, b := fletcher(f[headerSize:])
	if got, exp := binary.LittleEndian.Uint32(f[4:]), check(markSeq, a, b); got != exp {
		return &verifyError{fmt.Sprintf("ipc %s: frame after %d: seq 0 but not a mark frame: corrupted", r.name, r.n)}
	}
	return nil
}

// verify checks that f is the next frame; full also checks the payload.
func (r *reader) verify(f []byte, full bool) error {
	want := r.n + 1
	seq := binary.LittleEndian.Uint32(f)
	if seq != uint32(want) {
		how := "lost or reordered"
		if seq == uint32(r.n) {
			how = "duplicated"
		}
		return &verifyError{fmt.Sprintf("ipc %s: got frame %d, want %d: %s", r.name, seq, uint32(want), how)}
	}
	if full {
		a, b := fletcher(f[headerSize:])
		if got, exp := binary.LittleEndian.Uint32(f[4:]), check(want, a, b); got != exp {
			return &verifyError{fmt.Sprintf("ipc %s: frame %d: checksum %#08x, want %#08x: corrupted", r.name, want, got, exp)}
		}
	}
	r.n = want
	return nil
}

// fletcher sums p as little-endian u64 words (len(p) is a multiple of 8).
// Four lanes keep the additions independent; they are combined so that the
// result equals the one-lane definition a = Σw, b = Σ(n-i)·w[i].
func fletcher(p []byte) (a, b uint64) {
	n := uint64(len(p) / 8)
	i := uint64(0)
	var a0, a1, a2, a3, s0, s1, s2, s3 uint64
	for ; i+4 <= n; i += 4 {
		q := p[8*i : 8*i+32]
		w0 := binary.LittleEndian.Uint64(q[0:])
		w1 := binary.LittleEndian.Uint64(q[8:])
		w2 := binary.LittleEndian.Uint64(q[16:])
		w3 := binary.LittleEndian.Uint64(q[24:])
		a0 += w0
		a1 += w1
		a2 += w2
		a3 += w3
		// s accumulates i·w so that b = (n)·a - Σ i·w.
		s0 += i * w0
		s1 += (i + 1) * w1
		s2 += (i + 2) * w2
		s3 += (i + 3) * w3
	}
	for ; i < n; i++ {
		w := binary.LittleEndian.Uint64(p[8*i:])
		a0 += w
		s0 += i * w
	}
	a = a0 + a1 + a2 + a3
	return a, n*a - (s0 + s1 + s2 + s3)
}

// check mixes seq with the sums (the splitmix64 finaliser) and folds to 32
// bits.
func check(seq, a, b uint64) uint32 {
	x := seq ^ a*0x9e3779b97f4a7c15 ^ (b+0x632be59bd9b4e019)*0xbf58476d1ce4e5b9
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return uint32(x ^ x>>32)
}

// verifyError is a frame that arrived but was wrong.
type verifyError struct{ msg string }

func (e *verifyError) Error() string { return e.msg }
