package synth

import (
	"testing"
)

// op is one step of a station table: arrive, finish or abandon, with the
// expected result and the counts after it.
type op struct {
	do          byte // 'a' Arrive, 'f' Finish, 'x' Abandon
	admission   Admission
	startQueued bool
	busy, wait  int
}

func TestStation(t *testing.T) {
	tests := []struct {
		name           string
		workers, queue int
		ops            []op
	}{
		{"2 workers queue 1", 2, 1, []op{
			{do: 'a', admission: Start, busy: 1},
			{do: 'a', admission: Start, busy: 2},
			{do: 'a', admission: Queued, busy: 2, wait: 1},
			{do: 'a', admission: Rejected, busy: 2, wait: 1},
			{do: 'f', startQueued: true, busy: 2},
			{do: 'a', admission: Queued, busy: 2, wait: 1},
			{do: 'f', startQueued: true, busy: 2},
			{do: 'f', busy: 1},
			{do: 'f', busy: 0},
			{do: 'a', admission: Start, busy: 1},
		}},
		{"1 worker no queue", 1, 0, []op{
			{do: 'a', admission: Start, busy: 1},
			{do: 'a', admission: Rejected, busy: 1},
			{do: 'a', admission: Rejected, busy: 1},
			{do: 'f', busy: 0},
			{do: 'a', admission: Start, busy: 1},
		}},
		{"abandon frees a queue slot", 1, 2, []op{
			{do: 'a', admission: Start, busy: 1},
			{do: 'a', admission: Queued, busy: 1, wait: 1},
			{do: 'a', admission: Queued, busy: 1, wait: 2},
			{do: 'a', admission: Rejected, busy: 1, wait: 2},
			{do: 'x', busy: 1, wait: 1},
			{do: 'a', admission: Queued, busy: 1, wait: 2},
			{do: 'f', startQueued: true, busy: 1, wait: 1},
			{do: 'x', busy: 1, wait: 0},
			{do: 'f', busy: 0},
		}},
		{"3 workers queue 2 drain", 3, 2, []op{
			{do: 'a', admission: Start, busy: 1},
			{do: 'a', admission: Start, busy: 2},
			{do: 'a', admission: Start, busy: 3},
			{do: 'a', admission: Queued, busy: 3, wait: 1},
			{do: 'a', admission: Queued, busy: 3, wait: 2},
			{do: 'a', admission: Rejected, busy: 3, wait: 2},
			{do: 'f', startQueued: true, busy: 3, wait: 1},
			{do: 'f', startQueued: true, busy: 3, wait: 0},
			{do: 'f', busy: 2},
			{do: 'f', busy: 1},
			{do: 'a', admission: Start, busy: 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStation(tt.workers, tt.queue)
			if got, want := st.Workers(), tt.workers; got != want {
				t.Errorf("Workers() = %d, want %d", got, want)
			}
			if got, want := st.QueueSize(), tt.queue; got != want {
				t.Errorf("QueueSize() = %d, want %d", got, want)
			}
			for i, o := range tt.ops {
				switch o.do {
				case 'a':
					if got := st.Arrive(); got != o.admission {
						t.Fatalf("op %d: Arrive() = %v, want %v", i, got, o.admission)
					}
				case 'f':
					if got := st.Finish(); got != o.startQueued {
						t.Fatalf("op %d: Finish() = %v, want %v", i, got, o.startQueued)
					}
				case 'x':
					st.Abandon()
				}
				if got, want := st.Busy(), o.busy; got != want {
					t.Fatalf("op %d (%c): Busy() = %d, want %d", i, o.do, got, want)
				}
				if got, want := st.Waiting(), o.wait; got != want {
					t.Fatalf("op %d (%c): Waiting() = %d, want %d", i, o.do, got, want)
				}
			}
		})
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
		{"finish idle", func() { NewStation(1, 0).Finish() }, "synth: Station.Finish with no busy worker"},
		{"abandon empty", func() { NewStation(1, 0).Abandon() }, "synth: Station.Abandon with an empty queue"},
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
	}{{Start, "start"}, {Queued, "queued"}, {Rejected, "rejected"}, {Admission(9), "Admission(9)"}} {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", uint8(tt.a), got, tt.want)
		}
	}
}

// FuzzStation drives a station with arbitrary operations (skipping the ones
// that would panic) and checks its invariants against a reference count of
// requests in the system.
func FuzzStation(f *testing.F) {
	f.Add(uint8(2), uint8(1), []byte("aaaafff"))
	f.Add(uint8(1), uint8(0), []byte("afafaaf"))
	f.Add(uint8(3), uint8(5), []byte("aaaaaaxxfaff"))
	f.Fuzz(func(t *testing.T, workers, queue uint8, ops []byte) {
		w, q := int(workers%8)+1, int(queue%8)
		st := NewStation(w, q)
		inSystem := 0
		for _, b := range ops {
			switch b % 3 {
			case 0:
				a := st.Arrive()
				switch {
				case inSystem < w && a != Start, inSystem >= w && inSystem < w+q && a != Queued,
					inSystem >= w+q && a != Rejected:
					t.Fatalf("Arrive with %d in system (%d workers, queue %d) = %v", inSystem, w, q, a)
				}
				if a != Rejected {
					inSystem++
				}
			case 1:
				if st.Busy() == 0 {
					continue
				}
				if got, want := st.Finish(), inSystem > w; got != want {
					t.Fatalf("Finish with %d in system = %v, want %v", inSystem, got, want)
				}
				inSystem--
			case 2:
				if st.Waiting() == 0 {
					continue
				}
				st.Abandon()
				inSystem--
			}
			if got, want := st.Busy(), min(inSystem, w); got != want {
				t.Fatalf("Busy() = %d, want %d", got, want)
			}
			if got, want := st.Waiting(), inSystem-min(inSystem, w); got != want {
				t.Fatalf("Waiting() = %d, want %d", got, want)
			}
		}
	})
}

func BenchmarkStation(b *testing.B) {
	st := NewStation(4, 4)
	b.ReportAllocs()
	for b.Loop() {
		if st.Arrive() == Rejected {
			st.Finish()
		}
	}
}
