//go:build cgo

package perfdatatest

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"golang.org/x/perf/storage/app"
	"golang.org/x/perf/storage/db"
	_ "golang.org/x/perf/storage/db/sqlite3" // localperfdata's driver
	"golang.org/x/perf/storage/fs"
)

// Server starts the server and returns its base URL; it stops at the end
// of the test.
func Server(t testing.TB) string {
	d, err := db.OpenSQL("sqlite3", filepath.Join(t.TempDir(), "perfdata.db"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a := &app.App{DB: d, FS: fs.NewMemFS(),
		Auth: func(http.ResponseWriter, *http.Request) (string, error) { return "", nil }}
	a.RegisterOnMux(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		d.Close()
	})
	return srv.URL
}

// Down returns a loopback address where nothing listens.
func Down(t testing.TB) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}
