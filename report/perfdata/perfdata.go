// Package perfdata keeps concbench results beyond one machine: it uploads
// result files to a perfdata server (golang.org/x/perf/storage: the Go
// project's own benchmark store; localperfdata is the same server on
// SQLite) and reads them back as a result file the strict loader accepts.
//
// The server's format predates Unit lines: it keeps config lines as labels
// but drops "Unit u better=higher" lines, without which the report refuses
// custom units. Upload therefore sends each Unit line also as a label
// ("concbench-unit-busy-cores: better=higher"; capitals escaped as %XX,
// "concbench-unit-wire-%42/task", as a key has none) and Fetch turns those
// labels back into Unit lines. The server adds labels of its own (upload,
// upload-part, upload-file, upload-time, by); Fetch drops them, so a query
// renders the same report as the files it came from. The server also
// derives labels from each benchmark name (name, gomaxprocs, and each
// key=value part: kernel=noop) and refuses a file label of the same name,
// so a config line such as "kernel: 6.18" or "gomaxprocs: 2" travels as
// "concbench-config-kernel" and comes back under its own name.
package perfdata

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/perf/storage"
)

// unitLabel prefixes the labels that carry Unit lines through the server.
const unitLabel = "concbench-unit-"

// configLabel prefixes config keys that the server takes for itself.
const configLabel = "concbench-config-"

// orderLabel lists the file's config keys in their order.
const orderLabel = "concbench-order"

// Upload sends the files to the server at addr as one upload and returns
// its id. The config lines ("machine-class: ci-ubuntu-4cpu") go before
// each file's own, so a query can select on them. The files are only read.
func Upload(ctx context.Context, addr string, paths []string, config ...string) (string, error) {
	base, err := baseURL(addr)
	if err != nil {
		return "", err
	}
	c := &storage.Client{BaseURL: base}
	u := c.NewUpload(ctx)
	if err := sendFiles(u, paths, config); err != nil {
		// A write fails when the request has failed: its error (the
		// connection refused, the server's status) is the one to say.
		if aerr := u.Abort(); aerr != nil {
			err = aerr
		}
		return "", fmt.Errorf("upload to %s: %v", addr, oneLine(err))
	}
	st, err := u.Commit()
	if err != nil {
		return "", fmt.Errorf("upload to %s: %v", addr, oneLine(err))
	}
	return st.UploadID, nil
}

func sendFiles(u *storage.Upload, paths, config []string) error {
	head := ""
	for _, c := range config {
		head += c + "\n"
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b = append([]byte(head), b...)
		w, err := u.CreateFile(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if _, err := w.Write(withUnitLabels(b)); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// withUnitLabels is the file as the server can keep it: a label line for
// each Unit line, and config keys the server takes renamed.
func withUnitLabels(b []byte) []byte {
	nameLabels := nameKeys(b)
	var labels, body bytes.Buffer
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "Unit" {
			fmt.Fprintf(&labels, "%s%s: %s\n", unitLabel, labelKey(f[1]), strings.Join(f[2:], " "))
		}
		if k, _, ok := strings.Cut(line, ":"); ok && !strings.ContainsAny(k, " \t") && !strings.HasPrefix(k, "Benchmark") {
			if !slices.Contains(order, k) {
				order = append(order, k)
			}
			if nameLabels[k] {
				line = configLabel + line
			}
		}
		body.WriteString(line + "\n")
	}
	// The server keeps labels in a map; the order of the config lines
	// (benchstat's table headers follow it) travels as one more label.
	fmt.Fprintf(&labels, "%s: %s\n", orderLabel, strings.Join(order, " "))
	return append(labels.Bytes(), body.Bytes()...)
}

// nameKeys are the labels the server derives from the file's benchmark
// names.
func nameKeys(b []byte) map[string]bool {
	keys := map[string]bool{"name": true, "gomaxprocs": true}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), "\t")
		if !strings.HasPrefix(name, "Benchmark") {
			continue
		}
		for _, part := range strings.Split(strings.Fields(name)[0], "/")[1:] {
			if k, _, ok := strings.Cut(part, "="); ok {
				keys[k] = true
			}
		}
	}
	return keys
}

// Fetch writes the results matching query (perfdata's query syntax:
// "host-id:c32ac51fa19a commit:3261c11387ab") to w as a result file: one
// block of config lines per distinct label set, Unit lines first.
func Fetch(ctx context.Context, addr, query string, w io.Writer) (int, error) {
	base, err := baseURL(addr)
	if err != nil {
		return 0, err
	}
	c := &storage.Client{BaseURL: base}
	q := c.Query(ctx, query)
	defer q.Close()
	units := map[string]string{}
	var body bytes.Buffer
	prev := ""
	n := 0
	for q.Next() {
		r := q.Result()
		var keys []string
		for k, v := range r.Labels {
			if u, ok := strings.CutPrefix(k, unitLabel); ok {
				// Uploads before the escaping have keys like
				// "steal-%", which do not unescape: they are the unit.
				if d, err := url.PathUnescape(u); err == nil {
					u = d
				}
				units[u] = v
				continue
			}
			if !serverLabel(k) && k != orderLabel {
				keys = append(keys, k)
			}
		}
		sortKeys(keys, strings.Fields(r.Labels[orderLabel]))
		var cfg strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&cfg, "%s: %s\n", strings.TrimPrefix(k, configLabel), r.Labels[k])
		}
		if cfg.String() != prev {
			body.WriteString(cfg.String())
			prev = cfg.String()
		}
		body.WriteString(r.Content + "\n")
		n++
	}
	if err := q.Err(); err != nil {
		return 0, fmt.Errorf("query %q at %s: %v", query, addr, oneLine(err))
	}
	var head strings.Builder
	for _, u := range sortedKeys(units) {
		fmt.Fprintf(&head, "Unit %s %s\n", u, units[u])
	}
	if _, err := io.WriteString(w, head.String()); err != nil {
		return 0, err
	}
	_, err = body.WriteTo(w)
	return n, err
}

// labelKey is a unit name as a label key can hold it: a key has no
// capitals (benchfmt reads "wire-B/task: …" as no config line at all), so
// they and '%' are escaped as %XX, which Fetch unescapes.
func labelKey(unit string) string {
	var b strings.Builder
	for i := 0; i < len(unit); i++ {
		if c := unit[i]; c == '%' || 'A' <= c && c <= 'Z' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// serverLabel is a label the server adds to every result.
func serverLabel(k string) bool {
	return k == "upload" || k == "by" || strings.HasPrefix(k, "upload-")
}

// sortKeys puts keys in the file's order (unknown ones last, by name).
func sortKeys(keys, order []string) {
	pos := map[string]int{}
	for i, k := range order {
		pos[configLabel+k], pos[k] = i, i
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, oki := pos[keys[i]]
		pj, okj := pos[keys[j]]
		if oki != okj || pi != pj {
			return oki && (!okj || pi < pj)
		}
		return keys[i] < keys[j]
	})
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// CheckAddr says in one line what is wrong with a server address, or
// returns nil: Upload, Fetch and Recordings accept host:port or an http or
// https URL with a host.
func CheckAddr(addr string) error {
	_, err := baseURL(addr)
	return err
}

// baseURL accepts "host:port" or an http or https URL with a host, and
// says in one line what is wrong with anything else. x/perf's client must
// never see a malformed address: NewUpload then returns an upload whose
// Abort waits forever on a channel nothing writes.
func baseURL(addr string) (string, error) {
	u := "http://" + addr
	if strings.Contains(addr, "://") {
		u = strings.TrimSuffix(addr, "/")
	}
	p, err := url.Parse(u)
	if err == nil && p.Scheme != "http" && p.Scheme != "https" {
		err = fmt.Errorf("scheme %q, want http or https", p.Scheme)
	}
	if err == nil && p.Hostname() == "" {
		err = fmt.Errorf("no host")
	}
	if err == nil {
		_, err = http.NewRequest("POST", u+"/upload", nil) // as the client will
	}
	if err != nil {
		return "", fmt.Errorf("perfdata address %q: want host:port or an http(s) URL: %v", addr, err)
	}
	return u, nil
}

// oneLine keeps the first line of a server's error (its body follows).
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// Recordings writes each upload that holds results matching query into
// dir as one file (upload-<id>.txt, just the matching results), oldest
// upload first, and returns their paths in that order: the recordings a
// trend reads, one per upload (CI uploads one per commit).
func Recordings(ctx context.Context, addr, query, dir string) ([]string, error) {
	base, err := baseURL(addr)
	if err != nil {
		return nil, err
	}
	c := &storage.Client{BaseURL: base}
	ul := c.ListUploads(ctx, query, nil, 0)
	var ids []string
	for ul.Next() {
		ids = append(ids, ul.Info().UploadID)
	}
	if err := ul.Err(); err != nil {
		return nil, fmt.Errorf("list uploads %q at %s: %v", query, addr, oneLine(err))
	}
	ul.Close()
	slices.Reverse(ids) // the server lists the newest first
	var paths []string
	for _, id := range ids {
		p := filepath.Join(dir, "upload-"+strings.ReplaceAll(id, "/", "_")+".txt")
		if err := fetchFile(ctx, addr, strings.TrimSpace(query+" upload:"+id), p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// fetchFile is Fetch into a new file at path.
func fetchFile(ctx context.Context, addr, query, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = Fetch(ctx, addr, query, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
