// Package layers holds the test that keeps the package graph to the rules
// of docs/design.md: it parses the layout table there ("must not import")
// and checks it against what each package links, as go list -deps reports
// it. The package has no code of its own.
package layers
