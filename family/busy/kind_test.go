package busy

import (
	"context"
	"strings"
	"testing"
)

// TestErrorsSayItOnce: a start error names the family and the model once
// ("busy: model X: python3: not on PATH"), not once per layer.
func TestErrorsSayItOnce(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Run(context.Background(), Config{Model: PythonThread, Workers: 1})
	if err == nil {
		t.Fatal("ran python-thread with no python3 on PATH")
	}
	msg := err.Error()
	if strings.Count(msg, "busy:") != 1 || strings.Count(msg, PythonThread) != 1 || !strings.Contains(msg, "python3") {
		t.Errorf("error %q: want the family and the model once each, and the interpreter", msg)
	}
	_, err = Run(context.Background(), Config{Model: "fiber", Workers: 1})
	if err == nil || strings.Count(err.Error(), "fiber") != 1 || !strings.Contains(err.Error(), "python-freethreaded-thread") {
		t.Errorf("unknown model: %v", err)
	}
}
