package bench

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/concbench/concbench/workloads/proc"
)

// A filter that corrupts, drops or adds bytes fails a Subprocess op with a
// message naming what broke, in both modes, and so fails the benchmark.
func TestSubprocessFailsOnBrokenEcho(t *testing.T) {
	for _, c := range []struct {
		cmd        []string
		persistent bool
		want       string
	}{
		{[]string{"tr", "a-z", "A-Z"}, false, "echo differs"},
		{[]string{"tr", "a-z", "A-Z"}, true, "echo differs"},
		{[]string{"head", "-c", "4095"}, false, "echoed 4095 bytes of 4096"},
		{[]string{"head", "-c", "4095"}, true, "read 4095 of 4096 bytes"},
		{[]string{"sh", "-c", "cat; echo x"}, false, "more output than expected"},
	} {
		t.Run(fmt.Sprintf("%s/persistent=%v", strings.Join(c.cmd, " "), c.persistent), func(t *testing.T) {
			path, err := exec.LookPath(c.cmd[0])
			if err != nil {
				t.Skipf("no %s on PATH: %v", c.cmd[0], err)
			}
			newCmd := func() *exec.Cmd { return exec.Command(path, c.cmd[1:]...) }
			in, out := catPayload(4096, 0), make([]byte, 4096)
			var child *proc.Child
			if c.persistent {
				if child, err = proc.StartCmd(newCmd()); err != nil {
					t.Fatal(err)
				}
				defer child.Close()
			}
			err = catOp(child, newCmd, in, out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			res := testing.Benchmark(func(b *testing.B) { benchCat(b, newCmd, c.persistent, 4096) })
			if res.N != 0 {
				t.Errorf("benchmark through %v passed %d ops", c.cmd, res.N)
			}
		})
	}
}
