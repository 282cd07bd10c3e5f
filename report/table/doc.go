// Package table is the report's benchstat: it groups benchmark results into
// benchstat's tables and writes them as text, CSV and Markdown, the same
// bytes benchstat writes for the same flags (report's golden test checks
// that against the benchstat pinned in go.mod).
//
// Data moves one way. NewGrouper parses the projection flags (Options:
// -table, -row, -col, -ignore, -confidence, -alpha) over a benchproc filter;
// Grouper.Add takes results one at a time, as a reader streams them, and
// keeps only their values by cell; Grouper.Tables summarises each cell
// (median and confidence interval) and compares every column with the
// first (Mann-Whitney U), giving Tables. Tables.WriteText, WriteCSV and
// WriteMarkdown render them; NameMachines makes headers and sentences name
// the machine of each column, and Table.Sentence says in one line what a
// table shows.
package table
