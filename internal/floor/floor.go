// Package floor builds the binaries that BenchmarkSpawn measures the process
// model against, and the process model's own small worker:
//
//	Kernel  a static binary with no libc whose _start exits with argc: the
//	        kernel's floor of fork+exec+wait (the parent checks the status,
//	        so a row cannot pass without the binary having run)
//	Go      a static Go program (CGO_ENABLED=0) built from a package path:
//	        the minimal one-task worker in ./goworker (the Go runtime's
//	        floor), or cmd/concbench-worker (what model=process runs)
//
// Each build writes its output into a fresh temporary directory, opens the
// file and removes the directory at once; the binary is then executed through
// /proc/self/fd/N, as fexecve(3) does. So nothing is left on disk however the
// test binary ends (a benchmark may be killed on a timeout), and a Binary
// needs no clean-up: its descriptor closes when this process exits.
//
// Building needs gcc (Kernel) or the go command (Go); where they are missing,
// the error says so and the caller skips its row with that one line.
package floor

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// Binary is a built executable, kept open and already unlinked.
type Binary struct {
	Path   string // /proc/self/fd/N: exec this (valid in this process only)
	Name   string // what was built, for messages
	Size   int64  // bytes on disk
	Static bool   // no ELF interpreter: nothing for ld.so to do
	file   *os.File
}

// exitSource is the kernel floor: exit(argc), no libc, no start files.
const exitSource = `
#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n\tmov (%rsp), %rdi\n\tmov $60, %eax\n\tsyscall\n");
#elif defined(__aarch64__)
__asm__(".globl _start\n_start:\n\tldr x0, [sp]\n\tmov x8, #93\n\tsvc #0\n");
#else
#error "floor: exit(argc) is written for x86_64 and aarch64 only"
#endif
`

// Kernel builds the kernel floor with gcc.
func Kernel() (*Binary, error) {
	return build("kernel floor (gcc -nostdlib -static)", func(out string) *exec.Cmd {
		cmd := exec.Command("gcc", "-nostdlib", "-static", "-o", out, "-x", "c", "-")
		cmd.Stdin = bytes.NewBufferString(exitSource)
		return cmd
	})
}

// Go builds the main package pkg with CGO_ENABLED=0, so the binary is
// static. The go command's build cache makes every build after the first
// one a link only.
func Go(pkg string) (*Binary, error) {
	return build(pkg+" (go build, CGO_ENABLED=0)", func(out string) *exec.Cmd {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		return cmd
	})
}

func build(name string, command func(out string) *exec.Cmd) (*Binary, error) {
	dir, err := os.MkdirTemp("", "concbench-floor-")
	if err != nil {
		return nil, fmt.Errorf("floor: build %s: %w", name, err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bin")
	cmd := command(out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("floor: build %s: %w: %s", name, err, bytes.TrimSpace(msg))
	}
	return Open(out, name)
}

// Open keeps an existing executable open (a prebuilt worker, say) and
// describes it; unlike a build, it does not remove the file.
func Open(path, name string) (*Binary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("floor: %s: %w", name, err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode()&0o111 == 0 {
		err = fmt.Errorf("%s is not executable", path)
	}
	var static bool
	if err == nil {
		static, err = isStatic(f)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("floor: %s: %w", name, err)
	}
	return &Binary{
		Path:   "/proc/self/fd/" + strconv.Itoa(int(f.Fd())),
		Name:   name,
		Size:   st.Size(),
		Static: static,
		file:   f,
	}, nil
}

// isStatic reports whether an ELF file has no PT_INTERP segment.
func isStatic(f *os.File) (bool, error) {
	e, err := elf.NewFile(f)
	if err != nil {
		return false, err
	}
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// SameFile reports whether path (such as /proc/PID/exe) is this binary.
func (b *Binary) SameFile(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	mine, err := b.file.Stat()
	return err == nil && os.SameFile(st, mine)
}

// Close releases the binary (nil is fine). Its Path is no use afterwards.
func (b *Binary) Close() error {
	if b == nil {
		return nil
	}
	return b.file.Close()
}
