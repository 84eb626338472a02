package balance_test

import (
	"fmt"
	"testing"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/balance/balancetest"
)

// benchBalancer returns a balancer over n endpoints that has already seen
// one response per endpoint, so the learning ones run their steady path.
func benchBalancer(tb testing.TB, name string, n int) balance.Balancer {
	tb.Helper()
	b, err := balance.New(name, balance.Options{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b.Update(balancetest.Endpoints(n, 1, 2, 3), t0)
	for i := range n {
		ep, err := b.Pick(balance.Request{Hash: uint64(i), HasHash: true}, t0)
		if err != nil {
			tb.Fatal(err)
		}
		b.Done(ep, balance.Outcome{Latency: 1000}, t0)
	}
	return b
}

// TestPickAllocatesNothing is the exact form of the benchmarks' allocs/op.
func TestPickAllocatesNothing(t *testing.T) {
	for _, name := range balance.Names() {
		b := benchBalancer(t, name, 100)
		var i uint64
		got := testing.AllocsPerRun(1000, func() {
			i++
			ep, err := b.Pick(balance.Request{Hash: i, HasHash: i%2 == 0}, t0)
			if err != nil {
				t.Fatal(err)
			}
			b.Done(ep, balance.Outcome{Latency: 1000}, t0)
		})
		if got != 0 {
			t.Errorf("%s: Pick+Done allocates %v per call, want 0", name, got)
		}
	}
}

func BenchmarkPick(b *testing.B) {
	for _, name := range balance.Names() {
		for _, n := range []int{3, 100, 1000} {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				bal := benchBalancer(b, name, n)
				b.ReportAllocs()
				var i uint64
				for b.Loop() {
					i++
					ep, _ := bal.Pick(balance.Request{Hash: i, HasHash: true}, t0)
					bal.Done(ep, balance.Outcome{Latency: 1000}, t0)
				}
			})
		}
	}
}

func BenchmarkPickParallel(b *testing.B) {
	for _, name := range balance.Names() {
		for _, n := range []int{3, 100, 1000} {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				bal := benchBalancer(b, name, n)
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var i uint64
					for pb.Next() {
						i++
						ep, _ := bal.Pick(balance.Request{Hash: i, HasHash: true}, t0)
						bal.Done(ep, balance.Outcome{Latency: 1000}, t0)
					}
				})
			})
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, name := range balance.Names() {
		b.Run(fmt.Sprintf("%s/n=1000", name), func(b *testing.B) {
			bal := benchBalancer(b, name, 1000)
			eps := balancetest.Endpoints(1000, 1, 2, 3)
			b.ReportAllocs()
			for b.Loop() {
				bal.Update(eps, t0)
			}
		})
	}
}
