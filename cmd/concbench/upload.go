package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/concbench/concbench/report"
	"github.com/concbench/concbench/report/perfdata"
)

// perfdataEnv names the perfdata server when -perfdata is not given.
const perfdataEnv = "CONCBENCH_PERFDATA"

// perfdataTimeout bounds one upload or query: a server that accepts and
// never answers must not hang make bench (upload's -timeout sets it).
const perfdataTimeout = 2 * time.Minute

// runUpload sends result files to a perfdata server and prints the upload
// id. Every file is loaded with the strict loader first, so nothing half
// valid is stored; the files are only read.
func runUpload(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	addr := fs.String("perfdata", os.Getenv(perfdataEnv), "perfdata server `address` (host:port or URL); default $"+perfdataEnv)
	timeout := fs.Duration("timeout", perfdataTimeout, "give up on a server that has not answered after this long")
	setUsage(fs, "usage: concbench upload [-perfdata addr] [-timeout 2m] file...\n\n"+
		"Uploads result files to a perfdata server (x/perf storage; make perfdata runs one) and prints the upload id.")
	if err := parseFlags(fs, args, stderr); err != nil {
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
	id, err := perfdata.Upload(ctx, *addr, fs.Args())
	if err != nil {
		return failed(err.Error())
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
		return "", nil, failed(err.Error())
	}
	return f.Name(), done, nil
}
