package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/concbench/concbench/report"
	"github.com/concbench/concbench/report/perfdata"
)

// perfdataEnv names the perfdata server when -perfdata is not given.
const perfdataEnv = "CONCBENCH_PERFDATA"

// perfdataAddr is the server a query asks: -perfdata, else (when there
// is a query) $CONCBENCH_PERFDATA.
func perfdataAddr(flagAddr, query string) string {
	if flagAddr == "" && query != "" {
		return os.Getenv(perfdataEnv)
	}
	return flagAddr
}

// machineClassEnv names the machine class that upload adds to every
// file: CI keys its series on it, since a hosted runner's host-id is new
// every run (docs/storage.md).
const machineClassEnv = "CONCBENCH_MACHINE_CLASS"

// perfdataTimeout bounds one upload or query: a server that accepts and
// never answers must not hang make bench (upload's -timeout sets it).
const perfdataTimeout = 2 * time.Minute

// runUpload sends result files to a perfdata server and prints the upload
// id. Every file is loaded with the strict loader first, so nothing half
// valid is stored; the files are only read.
func runUpload(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	addr := fs.String("perfdata", os.Getenv(perfdataEnv), "perfdata server `address` (host:port or URL); default $"+perfdataEnv)
	class := fs.String("machine-class", os.Getenv(machineClassEnv), "add a `machine-class:` config line to every file (a stable name for the machine, such as a CI runner label); default $"+machineClassEnv)
	timeout := fs.Duration("timeout", perfdataTimeout, "give up on a server that has not answered after this long")
	setUsage(fs, "usage: concbench upload [-perfdata addr] [-machine-class name] [-timeout 2m] file...\n\n"+
		"Uploads result files to a perfdata server (x/perf storage; make perfdata runs one) and prints the upload id.")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *timeout <= 0 {
		return fmt.Errorf("-timeout %v: must be positive (usage: concbench upload -h)", *timeout)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("no input files (usage: concbench upload [-perfdata addr] file...)")
	}
	if *addr == "" {
		return fmt.Errorf("-perfdata: no server address (give -perfdata host:port or set %s)", perfdataEnv)
	}
	if err := perfdata.CheckAddr(*addr); err != nil {
		return fmt.Errorf("-perfdata: %v", err)
	}
	if _, err := report.Load(fs.Args(), ""); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var config []string
	if *class != "" {
		if strings.ContainsAny(*class, " \t\n") {
			return fmt.Errorf("-machine-class %q: want one word", *class)
		}
		config = append(config, "machine-class: "+*class)
	}
	id, err := perfdata.Upload(ctx, *addr, fs.Args(), config...)
	if err != nil {
		return failed(err)
	}
	fmt.Fprintln(stdout, id)
	return nil
}

// fetchPerfdata writes the results of query at addr into a temporary
// result file and returns its path and a function that removes it.
func fetchPerfdata(addr, query string) (string, func(), error) {
	f, err := os.CreateTemp("", "concbench-perfdata-*.txt")
	if err != nil {
		return "", nil, err
	}
	done := func() { os.Remove(f.Name()) }
	ctx, cancel := context.WithTimeout(context.Background(), perfdataTimeout)
	defer cancel()
	n, err := perfdata.Fetch(ctx, addr, query, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n == 0 {
		err = fmt.Errorf("-q %q: no results at %s", query, addr)
	}
	if err != nil {
		done()
		return "", nil, failed(err)
	}
	return f.Name(), done, nil
}
