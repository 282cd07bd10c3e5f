package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

var (
	hdrLength   = []byte("content-length")
	hdrConn     = []byte("connection")
	hdrEncoding = []byte("transfer-encoding")
	tokClose    = []byte("close")
)

// readResponse reads one HTTP/1.x response with a Content-Length body
// (every server here sends one): the status, the body (valid until the
// next call), and whether the server will close the connection.
func (c *conn) readResponse() (status int, body []byte, srvClose bool, err error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		if len(line) == 0 && (errors.Is(err, io.EOF) || isReset(err)) {
			return 0, nil, false, errIdleClosed
		}
		return 0, nil, false, fmt.Errorf("read status line: %w", err)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("status line %q", line)
	}
	length := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, fmt.Errorf("read header: %w", err)
		}
		if len(bytes.TrimSpace(h)) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, hdrLength):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, false, fmt.Errorf("header %q", h)
			}
		case bytes.EqualFold(name, hdrConn):
			srvClose = bytes.EqualFold(value, tokClose)
		case bytes.EqualFold(name, hdrEncoding):
			return 0, nil, false, fmt.Errorf("header %q: want a Content-Length body", h)
		}
	}
	if length < 0 {
		return 0, nil, false, fmt.Errorf("status %d: no Content-Length", status)
	}
	if length > cap(c.body) {
		c.body = make([]byte, length)
	}
	body = c.body[:length]
	if _, err := io.ReadFull(c.r, body); err != nil {
		return 0, nil, false, fmt.Errorf("read %d-byte body: %w", length, err)
	}
	return status, body, srvClose, nil
}
