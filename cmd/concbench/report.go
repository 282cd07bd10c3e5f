package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/concbench/concbench/report"
)

// runReport is benchstat's command line plus -o: without -o it prints the
// tables; with -o it also writes the full report directory.
func runReport(args []string, stdout, stderr io.Writer) error {
	var o report.Options
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	o.Register(fs)
	setUsage(fs, "usage: concbench report [flags] [label=]file...\n\n"+
		"Prints benchstat's tables for the files; with -o dir also writes dir/README.md,\n"+
		"PNG and SVG charts and tables.txt/tables.csv. Flags as benchstat's:")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	files := fs.Args()
	o.Perfdata = perfdataAddr(o.Perfdata, o.Query)
	switch {
	case (o.Perfdata == "") != (o.Query == ""):
		return fmt.Errorf("-perfdata and -q go together (-perfdata defaults to $%s; usage: concbench report -perfdata addr -q query)", perfdataEnv)
	case o.Perfdata != "" && fs.NArg() > 0:
		return fmt.Errorf("-perfdata reads from the server: no input files too")
	case o.Perfdata == "" && fs.NArg() == 0:
		return fmt.Errorf("no input files (usage: concbench report [flags] file...)")
	}
	switch o.Format {
	case "text", "md", "csv":
	default:
		return fmt.Errorf("-format %q: want text, md or csv", o.Format)
	}
	if o.Perfdata != "" {
		p, done, err := fetchPerfdata(o.Perfdata, o.Query)
		if err != nil {
			return err
		}
		defer done()
		files = []string{"perfdata=" + p}
	}
	s, ts, err := loadReport(files, o)
	if err != nil {
		return err
	}
	ts.NameMachines(s.MachineNames())
	if !o.Summary && o.Format != "csv" {
		if err := s.WriteMachines(stdout); err != nil {
			return failed(err)
		}
	}
	switch {
	case o.Summary:
		link := report.SummaryLink(s)
		if o.Perfdata != "" {
			link = "" // the fetched file is temporary; its sections have no home
		}
		if err = s.WriteAnswers(stdout, link); err == nil {
			err = s.Summary().WriteMarkdown(stdout, link)
		}
	case o.Format == "text":
		err = ts.WriteText(stdout)
	case o.Format == "md":
		err = ts.WriteMarkdown(stdout)
	case o.Format == "csv":
		err = ts.WriteCSV(stdout, stderr)
	}
	if err != nil {
		return failed(err)
	}
	if o.Out != "" {
		if err := report.Write(o.Out, s, o.TableOptions); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "concbench report: wrote %s/README.md\n", o.Out)
	}
	return nil
}

// loadReport reads the inputs. Tables alone are built while streaming
// (no copy of the results is kept); the summary, the full report and a
// comparison of several machines (whose warnings look at runs and kernel
// references) need the results themselves.
func loadReport(args []string, o report.Options) (*report.Set, *report.Tables, error) {
	if o.Out == "" && !o.Summary {
		ts, s, err := report.StreamTables(args, o.Filter, o.TableOptions)
		if err != nil || s.ForMachines(o.TableOptions) == o.TableOptions {
			return s, ts, err
		}
	}
	s, err := report.Load(args, o.Filter)
	if err != nil {
		return nil, nil, err
	}
	ts, err := s.Tables(s.ForMachines(o.TableOptions))
	return s, ts, err
}
