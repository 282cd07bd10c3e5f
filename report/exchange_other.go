//go:build !linux

package report

func exchange(a, b string) error { return errNoExchange }
