package proc

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The process tree as /proc shows it, for the families that measure or
// clean up a whole tree (the busy loop's CPU, a server's workers, a
// Python master's manager) and for the tests that check nothing of it is
// left.

// Children lists pid's live children, those of every one of its threads
// (/proc/<pid>/task/*/children: a child belongs to the thread that forked
// it).
func Children(pid int) []int {
	var out []int
	files, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range files {
		b, _ := os.ReadFile(f) // a thread that ended has no file: no children
		for _, s := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(s); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// Tree lists pid and its descendants, parents before their children.
func Tree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, Children(out[i])...)
	}
	return out
}

// Exited says whether pid has exited: it is gone, or a zombie not yet
// reaped.
func Exited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b) // pid (comm) state ...; comm may hold spaces and ')'
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) == 0 || f[0] == "Z" || f[0] == "X"
}
