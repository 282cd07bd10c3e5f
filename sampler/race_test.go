//go:build race

package sampler

// raceSlowdown scales TestCost's and TestReadCost's bounds: under the race
// detector a sample cost about 40 µs instead of 7-13 µs, and the whole
// process 0.11% of a core instead of 0.06-0.09%.
const raceSlowdown = 2
