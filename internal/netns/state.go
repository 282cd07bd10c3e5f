package netns

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/internal/deps"
)

// stateDir holds one file per live run, named by its id, that says who owns
// the run's names and /24; a lock file in it makes claiming a run and
// judging staleness one step at a time across processes.
var stateDir = "/run/concbench-netns"

// nets is how many /24s 198.18.0.0/15 holds.
const nets = 512

// owner is what a state file records: the owning process, told from a later
// process with the same pid by its start time, and the /24 it holds.
type owner struct {
	Pid   int
	Start string // field 22 of /proc/<pid>/stat: clock ticks after boot
	Boot  string // /proc/sys/kernel/random/boot_id
	Net   int    // the /24: 198.18.0.0 + Net<<8
}

func (o owner) subnet() string { return fmt.Sprintf("198.%d.%d.", 18+o.Net/256, o.Net%256) }

func (o owner) String() string { return fmt.Sprintf("%d %s %s %d\n", o.Pid, o.Start, o.Boot, o.Net) }

func parseOwner(s string) (owner, error) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return owner{}, fmt.Errorf("%d fields, want 4", len(f))
	}
	pid, err1 := strconv.Atoi(f[0])
	n, err2 := strconv.Atoi(f[3])
	if err := errors.Join(err1, err2); err != nil || n < 0 || n >= nets {
		return owner{}, fmt.Errorf("bad owner %q: %v", s, err)
	}
	return owner{Pid: pid, Start: f[1], Boot: f[2], Net: n}, nil
}

// ownerOf is process pid as a state file records it; ok is false if there
// is no such process or it has exited.
func ownerOf(pid int) (o owner, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return owner{}, false
	}
	s := string(b) // pid (comm) state ...; comm may hold spaces and ')'
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return owner{}, false
	}
	return owner{Pid: pid, Start: f[19], Boot: bootID()}, true
}

func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

// alive says whether o's process still runs: the same pid, started at the
// same tick of the same boot.
func (o owner) alive() bool {
	now, ok := ownerOf(o.Pid)
	return ok && now.Start == o.Start && now.Boot == o.Boot
}

// lock takes the state directory's lock; the returned function drops it.
// A process that dies drops it with its descriptors.
func lock() (unlock func(), err error) {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, fmt.Errorf("netns: state: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(stateDir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("netns: state: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("netns: state lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// claim removes stale runs, then picks an id no run has and a /24 that no
// live run and no interface here holds, and records them with this process
// as owner.
func claim() (string, owner, error) {
	unlock, err := lock()
	if err != nil {
		return "", owner{}, err
	}
	defer unlock()
	if err := removeStale(); err != nil {
		return "", owner{}, err
	}
	o, ok := ownerOf(os.Getpid())
	if !ok {
		return "", owner{}, errors.New("netns: cannot read this process's start time")
	}
	runs, _ := readRuns()
	used := make([]bool, nets)
	for _, r := range runs {
		used[r.Net] = true
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip4 := n.IP.To4(); ip4 != nil && ip4[0] == 198 && ip4[1]&^1 == 18 {
				used[int(ip4[1]-18)<<8|int(ip4[2])] = true
			}
		}
	}
	o.Net = -1
	for i := range nets {
		if !used[i] {
			o.Net = i
			break
		}
	}
	if o.Net < 0 {
		return "", owner{}, errors.New("netns: no free /24 left in 198.18.0.0/15")
	}
	id := newID()
	for runs[id] != (owner{}) {
		id = newID()
	}
	if err := os.WriteFile(filepath.Join(stateDir, id), []byte(o.String()), 0o644); err != nil {
		return "", owner{}, fmt.Errorf("netns: state: %w", err)
	}
	return id, o, nil
}

// unclaim removes run id's state file: its names are no longer in use.
func unclaim(id string) error {
	err := os.Remove(filepath.Join(stateDir, id))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netns: state: %w", err)
	}
	return nil
}

// idLen is a run id's length: a letter and five of [a-z0-9], so that the
// longest link name, cbd<id>v<i>, stays within IFNAMSIZ (15 characters)
// for i < 10000, and a name of the pid-named scheme before it (digits after
// cbd) is never read as an id.
const idLen = 6

func newID() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	const alnum = letters + "0123456789"
	b := make([]byte, idLen)
	rand.Read(b)
	b[0] = letters[int(b[0])%len(letters)]
	for i := 1; i < len(b); i++ {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func validID(s string) bool {
	if len(s) != idLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// readRuns reads the state files; a file that does not parse is left out
// (its names are then judged stale).
func readRuns() (map[string]owner, error) {
	ents, err := os.ReadDir(stateDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("netns: state: %w", err)
	}
	runs := map[string]owner{}
	for _, e := range ents {
		if !validID(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(stateDir, e.Name()))
		if err != nil {
			continue
		}
		if o, err := parseOwner(string(b)); err == nil {
			runs[e.Name()] = o
		}
	}
	return runs, nil
}

// RemoveStale removes the namespaces, links and state files of runs whose
// owner is gone, names of ours with no state file, and names of the
// pid-named scheme whose pid is dead; nothing else. Without root (or ip)
// it does nothing.
func RemoveStale() error {
	if deps.Check(deps.Namespaces...) != nil {
		return nil
	}
	unlock, err := lock()
	if err != nil {
		return err
	}
	defer unlock()
	return removeStale()
}

func removeStale() error {
	runs, err := readRuns()
	if err != nil {
		return err
	}
	stale := func(id string) bool { o, ok := runs[id]; return !ok || !o.alive() }
	var errs []error
	nss, _ := os.ReadDir("/var/run/netns")
	for _, e := range nss {
		if id, ok := runID(e.Name(), nsPrefix, "-"); ok && stale(id) || legacyStale(e.Name(), nsPrefix) {
			errs = append(errs, delNS(e.Name()))
		}
	}
	links, _ := os.ReadDir("/sys/class/net")
	for _, l := range links {
		if id, ok := runID(l.Name(), linkPrefix, "bvpt"); ok && stale(id) || legacyStale(l.Name(), linkPrefix) {
			errs = append(errs, delLink(l.Name()))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err // the state files stay, to try again
	}
	ents, _ := os.ReadDir(stateDir)
	for _, e := range ents {
		if validID(e.Name()) && stale(e.Name()) {
			errs = append(errs, unclaim(e.Name()))
		}
	}
	return errors.Join(errs...)
}

// runID reads the run id of a name prefix+id+k..., k one of kinds.
func runID(name, prefix, kinds string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || len(rest) <= idLen || !strings.ContainsRune(kinds, rune(rest[idLen])) {
		return "", false
	}
	return rest[:idLen], validID(rest[:idLen])
}

// legacyStale says whether name is of the scheme before run ids
// (cbd<pid>br, cbdist-<pid>-<i>) and its pid is dead.
func legacyStale(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end <= 0 {
		return false // a name never ends at the pid
	}
	pid, err := strconv.Atoi(rest[:end])
	return err == nil && pid > 0 && syscall.Kill(pid, 0) == syscall.ESRCH
}
