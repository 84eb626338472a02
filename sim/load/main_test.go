package load_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/sim/load"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// must unwraps a constructor's result in test tables, where an error is
// a bug in the table.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func profile(t testing.TB, stages ...load.Stage) *load.Profile {
	t.Helper()
	p, err := load.NewProfile(stages...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// perSecond counts arrivals in each whole second [k, k+1) of d.
func perSecond(arrivals []time.Duration, d time.Duration) []int {
	counts := make([]int, (d+time.Second-1)/time.Second)
	for _, a := range arrivals {
		counts[a/time.Second]++
	}
	return counts
}

const (
	ms = time.Millisecond
	s  = time.Second
)
