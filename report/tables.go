package report

import "github.com/concbench/concbench/report/table"

// The benchstat-equivalent tables live in package table; these names keep
// the report's callers reading report.Tables and report.TableOptions.
type (
	TableOptions = table.Options
	Tables       = table.Tables
	Table        = table.Table
	Config       = table.Config
	Cell         = table.Cell
	CellKey      = table.CellKey
	Geomean      = table.Geomean
)

// Tables groups the set's results into benchstat's tables. Errors are about
// the projection flags and name the flag.
func (s *Set) Tables(opts TableOptions) (*Tables, error) {
	g, err := table.NewGrouper(opts, s.filter)
	if err != nil {
		return nil, err
	}
	for _, r := range s.Results {
		g.Add(r)
	}
	return g.Tables(s.Units), nil
}
