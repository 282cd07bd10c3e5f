package distributed

import (
	"fmt"

	"github.com/concbench/concbench/workloads"
)

// Task is what a task computes.
type Task string

const (
	// Square is the seeds' task: n*n for a random n below 10000.
	Square Task = "square"
	// SHA256 is the suite's sha256 kernel on argument seq mod
	// workloads.ArgRange: tens of microseconds of work per task.
	SHA256 Task = "sha256"
)

// Tasks lists the tasks.
func Tasks() []Task { return []Task{Square, SHA256} }

// answers verifies results: the argument a task carries and the value its
// result must have.
type answers struct {
	task  Task
	table []uint64 // sha256: workloads.Answers
}

func newAnswers(t Task) (*answers, error) {
	switch t {
	case Square:
		return &answers{task: t}, nil
	case SHA256:
		tab, err := workloads.Answers(workloads.Spec{Kernel: "sha256"})
		if err != nil {
			return nil, fmt.Errorf("dist: sha256 answers: %w", err)
		}
		return &answers{task: t, table: tab}, nil
	}
	return nil, fmt.Errorf("dist: unknown task %q (have square, sha256)", t)
}

// arg is the argument task seq carries on the wire.
func (a *answers) arg(seq uint64) uint64 {
	if a.task == Square {
		return workloads.Mix(seq) % 10000
	}
	return seq % workloads.ArgRange
}

// want is the value the result of task seq must have.
func (a *answers) want(seq uint64) uint64 {
	arg := a.arg(seq)
	if a.task == Square {
		return arg * arg
	}
	return a.table[arg]
}

// computer is a worker's side: the value for an argument.
type computer func(arg uint64) (uint64, error)

func newComputer(t Task) (computer, error) {
	switch t {
	case Square:
		return func(n uint64) (uint64, error) { return n * n, nil }, nil
	case SHA256:
		k, err := workloads.Lookup("sha256")
		if err != nil {
			return nil, err
		}
		r, err := k.Open("")
		if err != nil {
			return nil, err
		}
		return r.Run, nil
	}
	return nil, fmt.Errorf("dist: unknown task %q (have square, sha256)", t)
}
