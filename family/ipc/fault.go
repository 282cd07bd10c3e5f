package ipc

// Fault wraps a Conn and breaks its K-th frame: Kind "drop" loses it,
// "dup" delivers it twice, "flip" corrupts its last byte. With OnRecv it
// counts and breaks the frames received (a pingpong's echoes, which the
// measuring side verifies), else the frames sent (a stream's frames, which
// the peer verifies). A lost echo is a round trip that never ends, so
// OnRecv has no "drop". It exists for tests, through Spec.Wrap, that prove
// a session and the benchmark notice; no benchmark uses it.
type Fault struct {
	Conn
	Kind   string
	OnRecv bool
	K      int
	n      int
	last   []byte
}

func (f *Fault) Send(p []byte) error {
	if f.OnRecv {
		return f.Conn.Send(p)
	}
	if f.n++; f.n != f.K {
		return f.Conn.Send(p)
	}
	switch f.Kind {
	case "drop":
		return nil
	case "dup":
		if err := f.Conn.Send(p); err != nil {
			return err
		}
		return f.Conn.Send(p)
	}
	i := len(p) - 1 // a payload byte, or the check word of an 8-byte frame
	p[i] ^= 0x20
	err := f.Conn.Send(p)
	p[i] ^= 0x20
	return err
}

func (f *Fault) Recv(p []byte) error {
	if !f.OnRecv {
		return f.Conn.Recv(p)
	}
	if f.n++; f.n == f.K && f.Kind == "dup" {
		copy(p, f.last) // the previous frame again, nothing read
		return nil
	}
	if err := f.Conn.Recv(p); err != nil {
		return err
	}
	if f.n == f.K && f.Kind == "flip" {
		p[len(p)-1] ^= 0x01
	}
	f.last = append(f.last[:0], p...)
	return nil
}
