package dist

import (
	"errors"
	"time"

	"github.com/concbench/concbench/proc"
)

var errNotYet = errors.New("dist: queue not built yet")

type pyMaster struct{ *queues }

func (p *pyMaster) cpuTime() (time.Duration, error)                  { return 0, errNotYet }
func (p *pyMaster) addr() string                                     { return "" }
func (p *pyMaster) close() error                                     { return nil }
func startPythonMaster(listen, secret string) (*pyMaster, error)     { return nil, errNotYet }
func startPythonWorker(ns, addr, secret string) (*proc.Child, error) { return nil, errNotYet }
func startNATS(q Queue, listen, secret string) (master, error)       { return nil, errNotYet }
func natsWorker(q Queue, addr, secret string, t Task, do step, ready func() error) error {
	return errNotYet
}
