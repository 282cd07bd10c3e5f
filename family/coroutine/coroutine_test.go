package coroutine

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestHandoffs(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, k := range Kinds() {
		for _, items := range []uint64{0, 1, Window - 1, Window, 1000} {
			c := NewConsumer()
			h, err := Start(k, c)
			if err != nil {
				t.Fatal(err)
			}
			for n := uint64(1); n <= items; n++ {
				if h.Send(n); h.Err() != nil {
					t.Fatalf("%s: Send(%d): %v", k, n, h.Err())
				}
			}
			took, err := h.Close()
			if err != nil || took != items {
				t.Errorf("%s items=%d: Close = %d, %v; want %d, nil", k, items, took, err, items)
			}
		}
	}
}

// TestBrokenHandoffFails proves each kind notices a wrong reply, an item
// out of sequence, and items the consumer never answered.
func TestBrokenHandoffFails(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, k := range Kinds() {
		for _, tc := range []struct {
			name   string
			failAt uint64
			items  []uint64
			want   string
		}{
			{"bad reply", 100, seq(1, 200), `item 100 answered "400 Bad Request"`},
			{"skipped item", 0, append(seq(1, 10), seq(12, 20)...), `item 12 answered "400 Bad Request"`},
			{"repeated item", 0, append(seq(1, 10), seq(10, 20)...), `item 10 answered "400 Bad Request"`},
		} {
			h, err := Start(k, &Consumer{FailAt: tc.failAt})
			if err != nil {
				t.Fatal(err)
			}
			var first error
			for _, n := range tc.items {
				if h.Send(n); h.Err() != nil && first == nil {
					first = h.Err()
				}
			}
			_, err = h.Close()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %s: Close error %v, want one containing %q", k, tc.name, err, tc.want)
			}
			if k != ChanBuffered && first == nil {
				t.Errorf("%s %s: no Send failed; a synchronous hand-off must fail at once", k, tc.name)
			}
		}
	}
	if _, err := Start("telepathy", NewConsumer()); err == nil || !strings.Contains(err.Error(), "telepathy") {
		t.Errorf("Start(telepathy) error %v, want one naming it", err)
	}
}

func seq(from, to uint64) []uint64 {
	var s []uint64
	for n := from; n <= to; n++ {
		s = append(s, n)
	}
	return s
}

func TestSendDoesNotAllocate(t *testing.T) {
	for _, k := range Kinds() {
		h, err := Start(k, NewConsumer())
		if err != nil {
			t.Fatal(err)
		}
		n := uint64(0)
		allocs := testing.AllocsPerRun(1000, func() {
			n++
			h.Send(n)
		})
		if _, err := h.Close(); err != nil {
			t.Fatal(err)
		}
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per hand-off, want 0", k, allocs)
		}
	}
}
