package balance_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
)

// FuzzBalancers drives every balancer with an arbitrary sequence of
// Update (any subset of 8 endpoints, any weights), Pick (with or without
// a hash), Done (in any order, with any outcome) and clock steps, and
// checks the contract: no panic, every pick installed, ErrNoEndpoint only
// when nothing is, and in-flight counts back to zero at the end.
func FuzzBalancers(f *testing.F) {
	f.Add([]byte{0, 0xff, 1, 7, 1, 8, 2, 3, 0, 0x05, 1, 9, 2, 2})
	f.Add([]byte{0, 0x81, 5, 250, 1, 1, 1, 2, 0, 0, 1, 3, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range balance.Names() {
			b, err := balance.New(name, balance.Options{Seed: 3, MaglevTableSize: 251, MaxSchedule: 64, PointsPerWeight: 4})
			if err != nil {
				t.Fatal(err)
			}
			all := make([]*balance.Endpoint, 8)
			for i := range all {
				all[i] = &balance.Endpoint{ID: string(rune('a' + i))}
			}
			var installed, held []*balance.Endpoint
			now := t0
			next := func(i *int) byte {
				if *i >= len(data) {
					return 0
				}
				*i++
				return data[*i-1]
			}
			for i := 0; i < len(data); {
				switch op := next(&i); op % 4 {
				case 0: // Update: a bitmask of endpoints, then a weight for each
					mask := next(&i)
					installed = installed[:0]
					for k, ep := range all {
						if mask&(1<<k) != 0 {
							ep.Weight = uint32(next(&i))
							installed = append(installed, ep)
						}
					}
					b.Update(slices.Clone(installed), now)
				case 1: // Pick
					h := next(&i)
					ep, err := b.Pick(balance.Request{Hash: uint64(h) * 0x1234567, HasHash: op&4 != 0}, now)
					switch {
					case len(installed) == 0 && !errors.Is(err, balance.ErrNoEndpoint):
						t.Fatalf("%s: Pick with nothing installed: got %v, %v; want ErrNoEndpoint", name, ep, err)
					case len(installed) > 0 && err != nil:
						t.Fatalf("%s: Pick: %v", name, err)
					case err == nil && !slices.Contains(installed, ep):
						t.Fatalf("%s: picked %s, not installed", name, ep.ID)
					case err == nil:
						held = append(held, ep)
					}
				case 2: // Done for one held request
					if len(held) > 0 {
						k := int(next(&i)) % len(held)
						b.Done(held[k], balance.Outcome{Latency: time.Duration(op) * time.Millisecond, Failed: op&8 != 0}, now)
						held = slices.Delete(held, k, k+1)
					}
				case 3: // the clock moves, possibly a long way
					now = now.Add(time.Duration(next(&i)) * 37 * time.Millisecond)
				}
			}
			for _, ep := range held {
				b.Done(ep, balance.Outcome{}, now)
			}
			for _, ep := range all {
				if got := ep.InFlight(); got != 0 {
					t.Fatalf("%s: %s has %d in flight after every Done, want 0", name, ep.ID, got)
				}
			}
		}
	})
}
