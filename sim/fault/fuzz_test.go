package fault

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// bytesReader hands out fuzz input; past its end it gives zeros.
type bytesReader struct{ b []byte }

func (r *bytesReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// dur is a time in [-2s, 60s), in steps that hit window edges often.
func (r *bytesReader) dur() time.Duration {
	return time.Duration(int(r.byte())-8) * 250 * time.Millisecond
}

var fuzzServices = []string{"", "frontend", "catalog", "gateway"}

func (r *bytesReader) fault() scenarios.Fault {
	kinds := append(scenarios.FaultKinds(), "bogus")
	f := scenarios.Fault{
		Kind: kinds[int(r.byte())%len(kinds)],
		At:   r.dur(), For: r.dur(), Ramp: r.dur(),
		Target: scenarios.FaultTarget{Service: fuzzServices[r.byte()%4]},
	}
	flags := r.byte()
	if flags&1 != 0 {
		f.Percentage = float64(r.byte()) / 2
		if r.byte() == 255 {
			f.Percentage = math.NaN()
		}
	}
	if flags&2 != 0 {
		f.FirstN = int(r.byte()) - 4
	}
	if flags&4 != 0 {
		f.Target.Replica = ptr(int(r.byte()%4) - 1)
	}
	if flags&8 != 0 {
		f.Target.Header = &scenarios.HeaderMatch{Name: []string{"", "x-f"}[r.byte()%2], Value: []string{"", "v"}[r.byte()%2]}
	}
	if flags&16 != 0 {
		f.Target.Route = []string{"r", "s"}[r.byte()%2]
		f.Target.Caller = fuzzServices[r.byte()%4]
	}
	if flags&32 != 0 {
		f.Add = &scenarios.Latency{Dist: scenarios.DistUniform, Min: time.Duration(r.byte()) * time.Millisecond,
			Max: time.Duration(r.byte()) * time.Millisecond}
	}
	if flags&64 != 0 {
		f.Status = int(r.byte()) * 3
		f.Bandwidth = int64(r.byte()) - 1
		f.Peer = fuzzServices[r.byte()%4]
	}
	f.Restart = flags&128 != 0
	return f
}

func (r *bytesReader) target() Target {
	tg := Target{
		Caller:  fuzzServices[r.byte()%4],
		Service: fuzzServices[r.byte()%4],
		Route:   []string{"", "r", "s"}[r.byte()%3],
	}
	tg.Replica = tg.Service + "-" + string(rune('0'+r.byte()%3))
	if r.byte()%2 == 0 {
		v := []string{"", "v", "w"}[r.byte()%3]
		tg.Header = func(string) string { return v }
	}
	return tg
}

// FuzzTimeline builds timelines from random faults and drives them with
// random requests and run-time changes: nothing panics, invalid faults are
// FieldErrors, intensities are in [0, 1], windows hold their times,
// effects obey the combination rule and transitions come in order.
func FuzzTimeline(f *testing.F) {
	f.Add([]byte{1, 48, 80, 0, 2, 1, 50})
	f.Add([]byte{0, 48, 60, 0, 2, 128, 3, 0, 10, 20, 40, 60, 80})
	f.Add([]byte{3, 40, 80, 16, 1, 255, 200, 2, 1, 0, 9, 0, 0, 7, 50, 60})
	f.Add([]byte{2, 6, 40, 120, 20, 2, 64, 150, 100, 1, 5, 48, 80, 0, 2, 0, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{b: data}
		faults := make([]scenarios.Fault, r.byte()%5)
		for i := range faults {
			faults[i] = r.fault()
		}
		tl, err := NewTimeline(faults, uint64(r.byte()))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			tl, _ = NewTimeline(nil, 1)
		}
		prev := time.Duration(-1)
		for len(r.b) > 0 {
			now := r.dur()
			switch op := r.byte() % 8; op {
			case 0:
				id, err := tl.Inject(r.fault(), now)
				if err != nil && !errors.Is(err, ErrInvalid) {
					t.Fatalf("Inject error %v is not ErrInvalid", err)
				}
				if err == nil && id != len(tl.entries)-1 {
					t.Fatalf("Inject id %d, want %d", id, len(tl.entries)-1)
				}
			case 1:
				_ = tl.Clear(int(r.byte()%6), now)
			case 2:
				trs := tl.Transitions(prev, now)
				for i, x := range trs {
					if x.At <= prev || x.At > now {
						t.Fatalf("transition at %v outside (%v, %v]", x.At, prev, now)
					}
					if i > 0 && x.At < trs[i-1].At {
						t.Fatalf("transitions out of order: %v after %v", x.At, trs[i-1].At)
					}
				}
				prev = max(prev, now)
			default:
				for _, a := range tl.At(now) {
					if !(a.Intensity >= 0 && a.Intensity <= 1) {
						t.Fatalf("fault %d intensity %v at %v", a.ID, a.Intensity, now)
					}
					if now < a.Start || now >= a.End {
						t.Fatalf("fault %d active at %v outside [%v, %v)", a.ID, now, a.Start, a.End)
					}
				}
				checkEffect(t, tl.Decide(now, r.target()))
			}
		}
	})
}

func checkEffect(t *testing.T, e Effect) {
	t.Helper()
	terminal := 0
	for _, b := range []bool{e.ConnectFail, e.Reset, e.Hang, e.Status != 0} {
		if b {
			terminal++
		}
	}
	switch {
	case terminal > 1:
		t.Fatalf("effect %+v has more than one outcome", e)
	case e.ConnectFail && e != Effect{ConnectFail: true}:
		t.Fatalf("connect failure with more: %+v", e)
	case e.Hang && e != Effect{Hang: true}:
		t.Fatalf("hang with more: %+v", e)
	case e.Reset && e.BandwidthBps != 0:
		t.Fatalf("reset with a bandwidth: %+v", e)
	case e.AddLatency < 0 || e.BandwidthBps < 0:
		t.Fatalf("negative effect: %+v", e)
	case e.Status != 0 && (e.Status < 200 || e.Status > 599):
		t.Fatalf("status %d", e.Status)
	}
}
