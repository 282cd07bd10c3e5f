package ipc

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// fletcherRef is the one-lane definition fletcher must equal.
func fletcherRef(p []byte) (a, b uint64) {
	for i := 0; i+8 <= len(p); i += 8 {
		a += binary.LittleEndian.Uint64(p[i:])
		b += a
	}
	return a, b
}

func TestFletcherMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 8, 16, 24, 32, 40, 56, 4088, 1 << 16} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		a, b := fletcher(p)
		ra, rb := fletcherRef(p)
		if a != ra || b != rb {
			t.Errorf("%d bytes: fletcher = %#x, %#x; definition %#x, %#x", n, a, b, ra, rb)
		}
	}
}

// TestWriterFramesVerify: the sender's O(1) update keeps the sums right for
// every size, and frames differ from one to the next.
func TestWriterFramesVerify(t *testing.T) {
	for _, size := range Sizes {
		w := newWriter(size)
		r := reader{name: "test"}
		prev := make([]byte, size)
		n := 300 // past the word rotation's wrap for the small sizes
		if size > 4096 {
			n = 20
		}
		for i := 0; i < n; i++ {
			f := w.next()
			if err := r.verify(f, true); err != nil {
				t.Fatalf("size %d frame %d: %v", size, i+1, err)
			}
			if size > 8 && string(f[8:]) == string(prev[8:]) {
				t.Fatalf("size %d: frame %d has the same payload as the one before", size, i+1)
			}
			copy(prev, f)
		}
	}
}

func TestReaderNamesEachFault(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(frames [][]byte) [][]byte
		want string
	}{
		{"drop", func(f [][]byte) [][]byte { return append(f[:2:2], f[3:]...) }, "got frame 4, want 3: lost"},
		{"dup", func(f [][]byte) [][]byte { return append(f[:3:3], f[2:]...) }, "got frame 3, want 4: duplicated"},
		{"flip", func(f [][]byte) [][]byte { f[2][100] ^= 4; return f }, "frame 3: checksum"},
		{"flip-seq", func(f [][]byte) [][]byte { f[2][1] ^= 4; return f }, "want 3"},
	} {
		w := newWriter(512)
		var frames [][]byte
		for i := 0; i < 6; i++ {
			frames = append(frames, append([]byte(nil), w.next()...))
		}
		r := reader{name: "transport=x"}
		var err error
		for _, f := range c.mod(frames) {
			if err = r.verify(f, true); err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "transport=x") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestRingBytes(t *testing.T) {
	for _, size := range Sizes {
		r := ringBytes(size)
		if r&(r-1) != 0 || r < 2*size || r < 64<<10 {
			t.Errorf("ring for %d-byte frames: %d bytes", size, r)
		}
	}
}

// BenchmarkChecksum is what the receiver's verification costs per byte.
func BenchmarkChecksum(b *testing.B) {
	for _, size := range Sizes {
		b.Run("size="+SizeName(size), func(b *testing.B) {
			w := newWriter(size)
			f := w.next()
			var sink uint64
			b.SetBytes(int64(size))
			for b.Loop() {
				a, c := fletcher(f[headerSize:])
				sink += a ^ c
			}
			_ = sink
		})
	}
}
