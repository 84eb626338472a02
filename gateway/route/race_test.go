//go:build race

package route

// raceEnabled skips allocation counts, which the race detector perturbs.
const raceEnabled = true
