//go:build !race

package sampler

// raceSlowdown: see race_test.go.
const raceSlowdown = 1
