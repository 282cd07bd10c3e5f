// Package perfdatatest runs a real perfdata server for tests: x/perf's
// storage app on SQLite, wired up as localperfdata's main wires it, on a
// loopback port, with its database in the test's temporary directory. It
// needs cgo (the SQLite driver is mattn/go-sqlite3).
//
// x/perf's SQLite driver needs cgo, so without cgo this package is
// empty and the tests that use it do not build (they carry a cgo
// constraint): CGO_ENABLED=0 builds and vets the rest of the module.
package perfdatatest
