package sampler

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/concbench/concbench/internal/fileerr"
)

// The samples CSV is this package's own format: WriteCSV writes it and
// ReadCSV, its exact inverse, reads it back, so the reporter never guesses
// at column names. One header line, then one row per kept window and core,
// the cores of a window together and in the Series' order:
//
//	t_ms,cpu,util_pct,steal_pct
//	250,0,100.0,0.0
//	250,1,3.5,0.0
//
// t_ms is the window's end in whole milliseconds, counted from the start of
// the first kept window; util_pct and steal_pct are percent of one core with
// one decimal. The requested interval and the time before the first window
// are not stored.

var csvHeader = []string{"t_ms", "cpu", "util_pct", "steal_pct"}

// WriteCSV writes s in the samples CSV format.
func (s Series) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	var t0 time.Duration
	if len(s.Windows) > 0 {
		t0 = s.Windows[0].Start
	}
	for _, win := range s.Windows {
		t := strconv.FormatInt((win.End - t0).Milliseconds(), 10)
		for i, id := range s.CPUs {
			cw.Write([]string{t, strconv.Itoa(id),
				strconv.FormatFloat(100*win.Util[i], 'f', 1, 64),
				strconv.FormatFloat(100*win.Steal[i], 'f', 1, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVError is a samples file that WriteCSV could not have written, at
// file:line (Line 0: the file as a whole).
type CSVError = fileerr.Error

// ReadCSV reads a samples CSV that WriteCSV wrote; file names it in errors.
// The windows come back as WriteCSV saw them at its precision: times from
// the first window's start (which is 0, each window starting where the last
// ended), utilisation and steal as fractions; Interval is zero, since the
// file does not hold it. Anything WriteCSV would not write (another header,
// a field that is not a number or is out of range, a window with other
// cores than the first, time that does not move forward) is a *CSVError.
func ReadCSV(r io.Reader, file string) (Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // row checks the count, after the header
	cr.ReuseRecord = true
	rd := &csvReader{file: file}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Series{}, &CSVError{File: file, Line: pe.Line, Err: pe.Err}
			}
			return Series{}, &CSVError{File: file, Err: err}
		}
		line, _ := cr.FieldPos(0)
		if err := rd.row(rec, line); err != nil {
			return Series{}, &CSVError{File: file, Line: line, Err: err}
		}
	}
	return rd.finish()
}

// csvReader builds a Series from the rows of a samples CSV, in order.
type csvReader struct {
	file   string
	header bool
	s      Series
	win    *Window // the window being read
	n      int     // its cores so far
	line   int     // the line its first row is on, for an incomplete one
}

func (rd *csvReader) row(rec []string, line int) error {
	if !rd.header {
		if strings.Join(rec, ",") != strings.Join(csvHeader, ",") {
			return fmt.Errorf("header %q, want %q", strings.Join(rec, ","), strings.Join(csvHeader, ","))
		}
		rd.header = true
		return nil
	}
	if len(rec) != len(csvHeader) {
		return fmt.Errorf("%d fields, want %d (%s)", len(rec), len(csvHeader), strings.Join(csvHeader, ","))
	}
	ms, err := strconv.ParseInt(rec[0], 10, 64)
	if err != nil || ms < 0 {
		return fmt.Errorf("t_ms %q is not a whole number of milliseconds", rec[0])
	}
	cpu, err := strconv.Atoi(rec[1])
	if err != nil || cpu < 0 {
		return fmt.Errorf("cpu %q is not a cpu id", rec[1])
	}
	util, err := percent("util_pct", rec[2])
	if err != nil {
		return err
	}
	steal, err := percent("steal_pct", rec[3])
	if err != nil {
		return err
	}
	return rd.add(time.Duration(ms)*time.Millisecond, cpu, util, steal, line)
}

// add puts one core's figures into the window ending at end.
func (rd *csvReader) add(end time.Duration, cpu int, util, steal float64, line int) error {
	if rd.win == nil || end != rd.win.End {
		if err := rd.closeWindow(); err != nil {
			return err
		}
		start := time.Duration(0)
		if k := len(rd.s.Windows); k > 0 {
			start = rd.s.Windows[k-1].End
		}
		if k := len(rd.s.Windows); k > 0 && end <= start {
			return fmt.Errorf("t_ms %d does not follow %d", end.Milliseconds(), start.Milliseconds())
		}
		rd.win, rd.n, rd.line = &Window{Start: start, End: end}, 0, line
	}
	first := len(rd.s.Windows) == 0
	switch {
	case first && contains(rd.s.CPUs, cpu):
		return fmt.Errorf("cpu %d twice at t_ms %d", cpu, end.Milliseconds())
	case !first && (rd.n >= len(rd.s.CPUs) || rd.s.CPUs[rd.n] != cpu):
		return fmt.Errorf("cpu %d at t_ms %d, want the cores of the first window in order (%v)", cpu, end.Milliseconds(), rd.s.CPUs)
	case first:
		rd.s.CPUs = append(rd.s.CPUs, cpu)
	}
	rd.win.Util = append(rd.win.Util, util)
	rd.win.Steal = append(rd.win.Steal, steal)
	rd.n++
	return nil
}

// closeWindow keeps the window being read, which must have every core.
func (rd *csvReader) closeWindow() error {
	if rd.win == nil {
		return nil
	}
	if len(rd.s.Windows) > 0 && rd.n != len(rd.s.CPUs) {
		return fmt.Errorf("the window at t_ms %d (line %d) has %d of %d cores", rd.win.End.Milliseconds(), rd.line, rd.n, len(rd.s.CPUs))
	}
	rd.s.Windows = append(rd.s.Windows, *rd.win)
	rd.win = nil
	return nil
}

func (rd *csvReader) finish() (Series, error) {
	if !rd.header {
		return Series{}, &CSVError{File: rd.file, Err: errors.New("empty file, want the samples CSV header")}
	}
	if err := rd.closeWindow(); err != nil {
		return Series{}, &CSVError{File: rd.file, Line: rd.line, Err: err}
	}
	return rd.s, nil
}

// percent reads a util_pct or steal_pct field: 0 to 100.
func percent(what, field string) (float64, error) {
	v, err := strconv.ParseFloat(field, 64)
	if err != nil || !(v >= 0 && v <= 100) {
		return 0, fmt.Errorf("%s %q is not a percentage from 0 to 100", what, field)
	}
	return v / 100, nil
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
