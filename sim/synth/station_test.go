package synth

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// ms is an instant n milliseconds after the table's origin.
func ms(n float64) time.Time {
	return time.Unix(1000, 0).Add(time.Duration(n * float64(time.Millisecond)))
}

func dur(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// step is one row of a station table, in the shape of x/time/rate's tests:
// at instant at, do one operation and expect its result.
type step struct {
	at  float64 // ms
	do  byte    // 'a' Arrive, 'h' Arrive holding, 'r' Release, 'v' Advance, 'x' Abandon, 'p' Pause for svc
	svc float64 // ms of service for arrivals
	id  uint64  // ticket for Abandon

	want Admission // arrivals
	// start is the expected start of an arrival that is Scheduled; for
	// Release and Advance, starts lists the grants' starts (ms).
	start  float64
	starts []float64
	// busy and wait are the depth after the step.
	busy, wait int
}

func TestStation(t *testing.T) {
	tests := []struct {
		name           string
		workers, queue int
		steps          []step
	}{
		{"one worker queues in exact time", 1, 10, []step{
			{at: 0, do: 'a', svc: 5, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 5, want: Scheduled, start: 5, busy: 1, wait: 1},
			{at: 2, do: 'a', svc: 1, want: Scheduled, start: 10, busy: 1, wait: 2},
			// At 6 the second has started: one waits.
			{at: 6, do: 'v', busy: 1, wait: 1},
			// Idle from 11; a late arrival starts at once.
			{at: 20, do: 'a', svc: 2, want: Scheduled, start: 20, busy: 1},
		}},
		{"queue bound counts requests not yet started", 1, 1, []step{
			{at: 0, do: 'a', svc: 5, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 5, want: Scheduled, start: 5, busy: 1, wait: 1},
			{at: 2, do: 'a', svc: 5, want: Rejected, busy: 1, wait: 1},
			{at: 5, do: 'a', svc: 5, want: Scheduled, start: 10, busy: 1, wait: 1},
		}},
		{"no queue: busy means rejected", 1, 0, []step{
			{at: 0, do: 'a', svc: 5, want: Scheduled, start: 0, busy: 1},
			{at: 4.9, do: 'a', svc: 5, want: Rejected, busy: 1},
			{at: 5, do: 'a', svc: 5, want: Scheduled, start: 5, busy: 1},
		}},
		{"two workers take the earliest free", 2, 10, []step{
			{at: 0, do: 'a', svc: 10, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 3, want: Scheduled, start: 1, busy: 2},
			{at: 2, do: 'a', svc: 1, want: Scheduled, start: 4, busy: 2, wait: 1},
			{at: 2, do: 'a', svc: 1, want: Scheduled, start: 5, busy: 2, wait: 2},
			{at: 2, do: 'a', svc: 1, want: Scheduled, start: 6, busy: 2, wait: 3},
			{at: 7, do: 'v', busy: 1},
		}},
		{"a holding request keeps its worker until Release", 1, 10, []step{
			{at: 0, do: 'h', svc: 2, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 2, want: Pending, busy: 1, wait: 1},
			{at: 3, do: 'a', svc: 2, want: Pending, busy: 1, wait: 2},
			// The downstream answer came at 7: the first pending starts
			// then, the next when it is done.
			{at: 7, do: 'r', starts: []float64{7, 9}, busy: 1, wait: 1},
			{at: 10, do: 'v', busy: 1},
		}},
		{"a pending request starts at the exact free instant, however late Advance comes", 2, 10, []step{
			{at: 0, do: 'h', svc: 1, want: Scheduled, start: 0, busy: 1},
			{at: 0, do: 'a', svc: 10, want: Scheduled, start: 0, busy: 2},
			// A worker frees at 10, the held one at an unknown time.
			{at: 1, do: 'a', svc: 4, want: Pending, busy: 2, wait: 1},
			{at: 12.5, do: 'v', starts: []float64{10}, busy: 2},
		}},
		{"a release before the known free instant wins", 2, 10, []step{
			{at: 0, do: 'h', svc: 1, want: Scheduled, start: 0, busy: 1},
			{at: 0, do: 'a', svc: 10, want: Scheduled, start: 0, busy: 2},
			{at: 1, do: 'a', svc: 4, want: Pending, busy: 2, wait: 1},
			{at: 4, do: 'r', starts: []float64{4}, busy: 2},
		}},
		{"pending requests keep their order behind later arrivals", 2, 10, []step{
			{at: 0, do: 'h', svc: 1, want: Scheduled, start: 0, busy: 1},
			{at: 0, do: 'a', svc: 3, want: Scheduled, start: 0, busy: 2},
			{at: 1, do: 'a', svc: 1, want: Pending, busy: 2, wait: 1},
			// The worker freed at 3 but nobody advanced: a new arrival
			// still queues behind the pending one.
			{at: 4, do: 'a', svc: 1, want: Pending, busy: 1, wait: 2},
			{at: 4, do: 'v', starts: []float64{3, 4}, busy: 2},
		}},
		{"the queue bound counts pending requests", 1, 1, []step{
			{at: 0, do: 'h', svc: 1, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 1, want: Pending, busy: 1, wait: 1},
			{at: 2, do: 'a', svc: 1, want: Rejected, busy: 1, wait: 1},
		}},
		{"a pause moves everything after it and starts nothing inside it", 1, 10, []step{
			{at: 0, do: 'a', svc: 10, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 5, want: Scheduled, start: 10, busy: 1, wait: 1},
			{at: 4, do: 'p', svc: 6, busy: 1, wait: 1},
			// The first now ends at 16 and the second runs 16–21.
			{at: 5, do: 'a', svc: 1, want: Scheduled, start: 21, busy: 1, wait: 2},
		}},
		{"an idle worker starts nothing before a pause ends", 1, 10, []step{
			{at: 0, do: 'p', svc: 10},
			{at: 3, do: 'a', svc: 1, want: Scheduled, start: 10, busy: 1, wait: 1},
			{at: 12, do: 'a', svc: 1, want: Scheduled, start: 12, busy: 1},
		}},
		{"a release inside a pause frees the worker when it ends", 1, 10, []step{
			{at: 0, do: 'h', svc: 1, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'a', svc: 1, want: Pending, busy: 1, wait: 1},
			{at: 2, do: 'p', svc: 8, busy: 1, wait: 1},
			{at: 5, do: 'r', starts: []float64{10}, busy: 1, wait: 1},
		}},
		{"an abandoned pending request no longer holds", 1, 10, []step{
			{at: 0, do: 'h', svc: 1, want: Scheduled, start: 0, busy: 1},
			{at: 1, do: 'h', svc: 2, want: Pending, busy: 1, wait: 1},
			{at: 2, do: 'x', id: 2, busy: 1, wait: 1},
			{at: 5, do: 'r', starts: []float64{5}, busy: 1},
			// It took its 2 ms and freed its worker by itself.
			{at: 7, do: 'a', svc: 1, want: Scheduled, start: 7, busy: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := NewStation(tt.workers, tt.queue)
			for i, s := range tt.steps {
				now := ms(s.at)
				switch s.do {
				case 'a', 'h':
					g, adm := st.Arrive(now, dur(s.svc), s.do == 'h')
					if adm != s.want {
						t.Fatalf("step %d: Arrive at %vms = %v, want %v", i, s.at, adm, s.want)
					}
					if adm == Scheduled && !g.Start.Equal(ms(s.start)) {
						t.Fatalf("step %d: start %v, want %vms", i, g.Start.Sub(ms(0)), s.start)
					}
				case 'r', 'v':
					var gs []Grant
					if s.do == 'r' {
						gs = st.Release(now)
					} else {
						gs = st.Advance(now)
					}
					var got []float64
					for _, g := range gs {
						got = append(got, float64(g.Start.Sub(ms(0)))/float64(time.Millisecond))
					}
					if !slices.Equal(got, s.starts) {
						t.Fatalf("step %d (%c at %vms): starts %v, want %v", i, s.do, s.at, got, s.starts)
					}
				case 'p':
					st.Pause(now, dur(s.svc))
				case 'x':
					if !st.Abandon(s.id) {
						t.Fatalf("step %d: Abandon(%d) = false, want true", i, s.id)
					}
				}
				busy, wait := st.Depth(now)
				if busy != s.busy || wait != s.wait {
					t.Fatalf("step %d (%c at %vms): Depth = %d busy, %d waiting; want %d, %d",
						i, s.do, s.at, busy, wait, s.busy, s.wait)
				}
			}
		})
	}
}

// TestStationPauseAhead: a pause announced before it begins stops the
// work that runs into it, and nothing starts inside it.
func TestStationPauseAhead(t *testing.T) {
	t.Parallel()
	st := NewStation(1, 10)
	st.Pause(ms(10), dur(5))
	g, _ := st.Arrive(ms(8), dur(4), false)
	if !g.Start.Equal(ms(8)) || !g.Done.Equal(ms(17)) {
		t.Errorf("work 8ms+4ms over a pause 10–15ms: start %v done %v, want 8ms and 17ms", g.Start.Sub(ms(0)), g.Done.Sub(ms(0)))
	}
	g, _ = st.Arrive(ms(12), dur(1), false)
	if !g.Start.Equal(ms(17)) || !g.Done.Equal(ms(18)) {
		t.Errorf("arrival at 12ms: start %v done %v, want 17ms and 18ms", g.Start.Sub(ms(0)), g.Done.Sub(ms(0)))
	}
	st2 := NewStation(1, 10)
	st2.Pause(ms(10), dur(5))
	if g, _ := st2.Arrive(ms(11), dur(1), false); !g.Start.Equal(ms(15)) {
		t.Errorf("arrival at an idle worker inside the pause starts %v, want 15ms", g.Start.Sub(ms(0)))
	}
}

func TestStationShift(t *testing.T) {
	t.Parallel()
	st := NewStation(1, 10)
	g, _ := st.Arrive(ms(0), dur(10), false)
	st.Pause(ms(4), dur(6))
	st.Pause(ms(30), dur(1))
	// The request's end at 10 was computed before both pauses: the first
	// began before it, the second after.
	if got := st.Shift(ms(10), g.Epoch); !got.Equal(ms(16)) {
		t.Errorf("Shift(10ms, epoch %d) = %v, want 16ms", g.Epoch, got.Sub(ms(0)))
	}
	if got := st.Shift(ms(40), 1); !got.Equal(ms(41)) {
		t.Errorf("Shift(40ms, epoch 1) = %v, want 41ms", got.Sub(ms(0)))
	}
	if got, want := st.Epoch(), 2; got != want {
		t.Errorf("Epoch = %d, want %d", got, want)
	}
}

func TestStationNext(t *testing.T) {
	t.Parallel()
	st := NewStation(2, 10)
	if _, ok := st.Next(); ok {
		t.Fatal("Next on an idle station reports a wake-up")
	}
	st.Arrive(ms(0), dur(1), true)
	st.Arrive(ms(0), dur(10), false)
	if _, adm := st.Arrive(ms(1), dur(1), false); adm != Pending {
		t.Fatalf("third arrival %v, want pending", adm)
	}
	at, ok := st.Next()
	if !ok || !at.Equal(ms(10)) {
		t.Fatalf("Next = %v, %v; want 10ms, true", at.Sub(ms(0)), ok)
	}
}

// idealFCFS is the reference: c workers, first come first served, an
// unbounded queue; each request takes the worker that frees first
// (Kiefer–Wolfowitz). It returns every request's start.
func idealFCFS(c int, arrivals []time.Time, service []time.Duration) []time.Time {
	free := make([]time.Time, c)
	starts := make([]time.Time, len(arrivals))
	for i, a := range arrivals {
		k := 0
		for j := range free {
			if free[j].Before(free[k]) {
				k = j
			}
		}
		s := a
		if free[k].After(s) {
			s = free[k]
		}
		starts[i] = s
		free[k] = s.Add(service[i])
	}
	return starts
}

// TestStationMatchesIdealFCFS feeds random Poisson arrivals and
// exponential service times and checks every start against the reference,
// exactly.
func TestStationMatchesIdealFCFS(t *testing.T) {
	t.Parallel()
	for _, c := range []int{1, 2, 4, 7} {
		r := rand.New(rand.NewPCG(uint64(c), 9))
		n := 5000
		arrivals := make([]time.Time, n)
		service := make([]time.Duration, n)
		at := ms(0)
		for i := range n {
			// Utilisation 0.95: long queues.
			at = at.Add(time.Duration(r.ExpFloat64() * float64(10*time.Millisecond) / (0.95 * float64(c))))
			arrivals[i] = at
			service[i] = time.Duration(r.ExpFloat64() * float64(10*time.Millisecond))
		}
		want := idealFCFS(c, arrivals, service)
		st := NewStation(c, n)
		for i := range n {
			g, adm := st.Arrive(arrivals[i], service[i], false)
			if adm != Scheduled {
				t.Fatalf("c=%d: request %d: %v, want scheduled", c, i, adm)
			}
			if !g.Start.Equal(want[i]) {
				t.Fatalf("c=%d: request %d starts %v, want %v", c, i, g.Start.Sub(ms(0)), want[i].Sub(ms(0)))
			}
		}
	}
}

func TestStationPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"no workers", func() { NewStation(0, 1) }, "synth: NewStation(0, 1): need workers >= 1 and queue >= 0"},
		{"negative queue", func() { NewStation(1, -1) }, "synth: NewStation(1, -1): need workers >= 1 and queue >= 0"},
		{"release unheld", func() { NewStation(1, 0).Release(ms(0)) }, "synth: Station.Release with no held worker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tt.want {
					t.Errorf("panic = %v, want %q", got, tt.want)
				}
			}()
			tt.f()
		})
	}
}

func TestAdmissionString(t *testing.T) {
	for _, tt := range []struct {
		a    Admission
		want string
	}{{Scheduled, "scheduled"}, {Pending, "pending"}, {Rejected, "rejected"}, {Admission(9), "Admission(9)"}} {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", uint8(tt.a), got, tt.want)
		}
	}
}

// FuzzStation drives a station with arbitrary arrivals, holds, releases,
// advances and pauses, and checks its invariants: grants never start before their
// arrival, never before an earlier grant (FCFS), busy workers never exceed
// the workers, and the queue never exceeds its bound.
func FuzzStation(f *testing.F) {
	f.Add(uint8(2), uint8(1), []byte("aaaahrrv"))
	f.Add(uint8(1), uint8(0), []byte{0, 7, 1, 3, 2, 9, 0, 1})
	f.Add(uint8(3), uint8(5), []byte("hhhaaaaxxvrrr"))
	f.Fuzz(func(t *testing.T, workers, queue uint8, ops []byte) {
		w, q := int(workers%8)+1, int(queue%8)
		st := NewStation(w, q)
		now := ms(0)
		arrival := map[uint64]time.Time{}
		holding := map[uint64]bool{}          // admitted requests that will hold their worker
		service := map[uint64]time.Duration{} // by ticket
		// held are the instants from which started holding requests may
		// be released: an engine releases only after the local service.
		var held []time.Time
		var pending []uint64
		var last time.Time
		check := func(gs ...Grant) {
			for _, g := range gs {
				a := arrival[g.ID]
				if g.Start.Before(a) {
					t.Fatalf("grant %d starts %v before its arrival %v", g.ID, g.Start, a)
				}
				if g.Start.Before(last) {
					t.Fatalf("grant %d starts %v before an earlier grant's %v", g.ID, g.Start, last)
				}
				last = g.Start
				if holding[g.ID] {
					held = append(held, g.Start.Add(service[g.ID]))
				}
				pending = slices.DeleteFunc(pending, func(id uint64) bool { return id == g.ID })
			}
		}
		for i, b := range ops {
			now = now.Add(time.Duration(b>>3) * time.Millisecond)
			svc := time.Duration(b&7+1) * time.Millisecond
			switch b % 6 {
			case 0, 1:
				holds := b%6 == 1
				g, adm := st.Arrive(now, svc, holds)
				arrival[g.ID] = now
				service[g.ID] = svc
				holding[g.ID] = holds && adm != Rejected
				switch adm {
				case Scheduled:
					check(g)
				case Pending:
					pending = append(pending, g.ID)
				}
			case 2:
				k := slices.IndexFunc(held, func(t time.Time) bool { return !t.After(now) })
				if k < 0 {
					continue
				}
				held = slices.Delete(held, k, k+1)
				check(st.Release(now)...)
			case 3:
				check(st.Advance(now)...)
			case 5:
				st.Pause(now, svc)
			case 4:
				if len(pending) == 0 {
					continue
				}
				id := pending[i%len(pending)]
				if !st.Abandon(id) {
					t.Fatalf("Abandon of pending %d = false", id)
				}
				holding[id] = false
			}
			busy, wait := st.Depth(now)
			if busy > w || wait > q {
				t.Fatalf("Depth = %d busy, %d waiting; bounds %d, %d", busy, wait, w, q)
			}
		}
	})
}

func BenchmarkStation(b *testing.B) {
	st := NewStation(4, 64)
	now := ms(0)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(2 * time.Millisecond)
		st.Arrive(now, 7*time.Millisecond, false)
	}
}
