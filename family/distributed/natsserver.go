package distributed

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/proc"
)

// The nats queues' broker is Debian's nats-server (package nats-server,
// which make deps installs), run as a child of the master. Embedding the
// server's Go package instead made it the biggest package of the bench
// binary's cold build; and a real component a benchmark needs comes from
// the distribution, as redis-server and gunicorn do for the web family.
//
// The child is forked from this process (proc's spawner thread, which
// never leaves it), so it is in the master's network namespace and listens
// on the master's address; Pdeathsig ends it with the master. Its
// configuration (token, limits, JetStream's store) is a file in a private
// directory, not its command line, which anyone on the machine can read;
// it tells us its ports through a ports file in the same directory, which
// it writes once it accepts clients. Its log goes to its stderr, which proc
// keeps for error messages. Close interrupts it (SIGINT: it shuts down and
// exits 0), kills it after proc.Grace, and removes the directory.

// natsDep is deps.NATS at bin (Config.NATSBin): its Check is the one line,
// wrapping deps.ErrMissing, that says why the nats queues cannot run.
func natsDep(bin string) deps.Dep {
	d := deps.NATS
	d.Path = bin
	return d
}

// natsServer is a running nats-server.
type natsServer struct {
	c    *proc.Child
	dir  string // its configuration, ports file and store; removed by close
	addr string // host:port for clients
	mon  string // its monitoring endpoint, http://127.0.0.1:port
}

// startNATSServer starts nats-server on host:port (port 0: one it picks),
// with JetStream if js, and returns once its ports file says where it
// listens.
func startNATSServer(host string, port int, cfg Config) (*natsServer, error) {
	secret, js := cfg.Secret, cfg.Queue == JetStream
	if err := natsDep(cfg.NATSBin).Check(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "concbench-nats-")
	if err != nil {
		return nil, fmt.Errorf("dist: nats-server directory: %w", err)
	}
	s := &natsServer{dir: dir}
	conf := filepath.Join(dir, "nats.conf")
	text, err := natsConfig(host, port, secret, js, filepath.Join(dir, "jetstream"))
	if err == nil {
		err = os.WriteFile(conf, []byte(text), 0o600)
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("dist: nats-server config: %w", err)
	}
	cmd := exec.Command(cfg.NATSBin, "-c", conf, "--ports_file_dir", dir)
	// The broker gets the CPUs the embedded one had: this process's.
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(runtime.GOMAXPROCS(0)))
	if s.c, err = proc.StartCmd(cmd); err != nil {
		s.close()
		return nil, fmt.Errorf("dist: nats-server: %w", err)
	}
	if err := s.awaitPorts(cfg.NATSStartTimeout); err != nil {
		s.close()
		return nil, err
	}
	s.addr = clientAddr(host, s.addr)
	return s, nil
}

// clientAddr is where the master's own clients reach a broker told to
// listen on host and listed (by its ports file) at listed: on every
// address the file lists each interface's, in the order the kernel gives
// them, so they take loopback.
func clientAddr(host, listed string) string {
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		_, p, _ := net.SplitHostPort(listed)
		return net.JoinHostPort("127.0.0.1", p)
	}
	return listed
}

// natsConfig is nats-server's configuration. MaxPending, the bytes the
// server queues for one slow client, is raised from 64 MiB to 1 GiB: a
// burst of tasks to a busy worker must wait there, not cut the worker off
// as a slow consumer. The monitoring port (for clients) is on loopback.
func natsConfig(host string, port int, secret string, js bool, store string) (string, error) {
	if port == 0 {
		port = -1 // nats-server's "pick one"
	}
	tok, err := natsQuote(secret)
	if err != nil {
		return "", fmt.Errorf("secret: %w", err)
	}
	hq, err := natsQuote(host)
	if err != nil {
		return "", fmt.Errorf("host: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "host: %s\nport: %d\nhttp: \"127.0.0.1:-1\"\n", hq, port)
	fmt.Fprintf(&b, "authorization { token: %s }\nmax_pending: %d\n", tok, 1<<30)
	if js {
		sq, err := natsQuote(store)
		if err != nil {
			return "", fmt.Errorf("store: %w", err)
		}
		fmt.Fprintf(&b, "jetstream { store_dir: %s }\n", sq)
	}
	return b.String(), nil
}

// natsQuote quotes s for nats-server's configuration, whose strings know
// the escapes \" and \\ (and a few others, none needed here).
func natsQuote(s string) (string, error) {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", errors.New("has a control character") // not echoed: it may be the secret
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`, nil
}

// awaitPorts waits for nats-server's ports file (written once the server
// accepts clients) and reads where it listens.
func (s *natsServer) awaitPorts(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for ; ; time.Sleep(10 * time.Millisecond) {
		var ports struct{ Nats, Monitoring []string }
		files, _ := filepath.Glob(filepath.Join(s.dir, "*.ports"))
		if len(files) == 1 {
			b, err := os.ReadFile(files[0])
			if err == nil && json.Unmarshal(b, &ports) == nil && len(ports.Nats) > 0 && len(ports.Monitoring) > 0 {
				s.addr = strings.TrimPrefix(ports.Nats[0], "nats://")
				s.mon = ports.Monitoring[0]
				return nil
			}
		}
		if proc.Exited(s.c.Pid()) {
			return fmt.Errorf("dist: nats-server exited at start: %s", oneLine(s.c.Stderr()))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dist: nats-server not ready after %v: %s", timeout, oneLine(s.c.Stderr()))
		}
	}
}

// oneLine is the last line of a log, for a one-line error.
func oneLine(log string) string {
	log = strings.TrimSpace(log)
	return log[strings.LastIndexByte(log, '\n')+1:]
}

// clients is how many clients the server has, from its monitoring
// endpoint, other than the connection whose server-side id is self; 0 if
// it does not answer. No connection is kept open between calls (none to
// leak).
//
// Only clients that have sent CONNECT with the right token count: the
// server lists a connection from its accept on, and one that never speaks
// (a port scan, a health check) has no client library's lang. With
// subscribed, only those that have subscribed count: a core NATS message
// published before its worker's subscription is dropped, so a worker
// that has connected but not yet subscribed is not ready.
func (s *natsServer) clients(self uint64, subscribed bool) int {
	cl := http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Get(s.mon + "/connz?limit=100000")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var v struct {
		Connections []struct {
			Cid           uint64 `json:"cid"`
			Lang          string `json:"lang"`
			Subscriptions int    `json:"subscriptions"`
		} `json:"connections"`
	}
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return 0
	}
	n := 0
	for _, c := range v.Connections {
		if c.Lang != "" && c.Cid != self && (!subscribed || c.Subscriptions > 0) {
			n++
		}
	}
	return n
}

// cpu is the server's CPU time so far.
func (s *natsServer) cpu() (time.Duration, error) { return proc.CPU(s.c.Pid()) }

func (s *natsServer) close() error {
	var errs []error
	if s.c != nil {
		if err := s.c.Signal(syscall.SIGINT, proc.Grace); err != nil {
			errs = append(errs, fmt.Errorf("dist: nats-server: %w", err))
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("dist: nats-server directory: %w", err))
	}
	return errors.Join(errs...)
}
