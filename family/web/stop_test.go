package web

import (
	"strings"
	"testing"
	"time"
)

// A server's stop is waited for while its processes make progress, however
// long it takes, and fails only when they are stuck. "slow" plants a
// gunicorn master whose exit takes 6 s of wall time in 0.1 s naps (as a
// stop does on a machine so busy that its CPU takes that long): it must
// stop cleanly (before, Close killed gunicorn after a fixed 5 s grace).
// "stuck" plants a master that sleeps for an hour after its workers are
// gone: it must be killed and named after StopStuck.
func TestCloseWaitsForProgressNotAGrace(t *testing.T) {
	cases := []struct {
		name, hook string
		stuck      bool
	}{
		{"slow", "def on_exit(server):\n    import time\n    for _ in range(60):\n        time.sleep(0.1)\n", false},
		{"stuck", "def on_exit(server):\n    import time\n    time.sleep(3600)\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gunicornConf = append(append([]byte(nil), gunicornConfSrc...), "\n\n"+c.hook...)
			t.Cleanup(func() { gunicornConf = gunicornConfSrc })
			s := start(t, Options{Server: GunicornGthread, Workers: 2})
			pids := s.Pids()
			if err := Check(s.Addr, Hello); err != nil {
				t.Error(err)
			}
			t0 := time.Now()
			err := s.Close()
			t.Logf("stopped in %v: %v", time.Since(t0), err)
			if c.stuck && (err == nil || !strings.Contains(err.Error(), "stuck")) || !c.stuck && err != nil {
				t.Errorf("%v; want stuck %v", err, c.stuck)
			}
			for _, pid := range pids {
				if Running(pid) {
					t.Errorf("server process %d still running after Close", pid)
				}
			}
		})
	}
}
