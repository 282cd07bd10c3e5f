package host

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// Two clones of one VM image share /etc/machine-id; the id must still tell
// them apart when what makes their numbers differ (CPU model, core count,
// memory) differs, and stay the same when nothing that matters changed.
func TestIDNamesTheMachine(t *testing.T) {
	base := Machine{MachineID: "c0ffee00c0ffee00c0ffee00c0ffee00", CPU: "Intel(R) Xeon(R) Processor", NCPU: 2, MemBytes: 8 << 30}
	differ := map[string]Machine{}
	m := base
	m.CPU = "AMD EPYC 7B13"
	differ["cpu model"] = m
	m = base
	m.NCPU = 4
	differ["core count"] = m
	m = base
	m.MemBytes = 16 << 30
	differ["memory size"] = m
	m = base
	m.MachineID = "0123456789abcdef0123456789abcdef"
	differ["machine id"] = m
	for what, other := range differ {
		if other.ID() == base.ID() {
			t.Errorf("machines differing only in %s share the id %s", what, base.ID())
		}
	}

	same := map[string]Machine{}
	m = base
	m.MemBytes -= 12 << 20 // a kernel that reserves 12 MiB more
	same["memory a few MiB less"] = m
	m = base
	m.CPU = "  Intel(R)  Xeon(R) Processor "
	same["cpu name spacing"] = m
	for what, other := range same {
		if other.ID() != base.ID() {
			t.Errorf("%s changed the id: %s, was %s", what, other.ID(), base.ID())
		}
	}

	id := base.ID()
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("id %q is not 12 hex digits", id)
	}
	if strings.Contains(base.MachineID, id) {
		t.Errorf("id %q is part of the machine id: not anonymised", id)
	}
}

// This reads the running machine: its description is filled in and its id
// is the one ID returns.
func TestThis(t *testing.T) {
	m := This()
	if m.MachineID == "" || m.NCPU != runtime.NumCPU() || m.MemBytes == 0 {
		t.Errorf("This() = %+v: want a machine id, ncpu %d and a memory size", m, runtime.NumCPU())
	}
	if runtime.GOARCH == "amd64" && m.CPU == "" {
		t.Errorf("This() found no CPU model name in /proc/cpuinfo")
	}
	if ID() != m.ID() {
		t.Errorf("ID() = %s, This().ID() = %s", ID(), m.ID())
	}
}
