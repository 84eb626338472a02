package resilience

import (
	"testing"
	"time"
)

func TestTimeouts(t *testing.T) {
	s := time.Second
	def, _ := NewTimeouts(TimeoutOptions{})
	perTry, _ := NewTimeouts(TimeoutOptions{Timeout: 10 * s, PerTryTimeout: 3 * s})
	none, _ := NewTimeouts(TimeoutOptions{Timeout: -1})
	onlyTry, _ := NewTimeouts(TimeoutOptions{Timeout: -1, PerTryTimeout: 2 * s})
	if def.Timeout() != 15*s || def.PerTryTimeout() != 0 || none.Timeout() != 0 || perTry.PerTryTimeout() != 3*s {
		t.Fatalf("got %v/%v, %v, %v", def.Timeout(), def.PerTryTimeout(), none.Timeout(), perTry.PerTryTimeout())
	}
	never := time.Duration(-1) // stands for the zero Time
	tm := func(d time.Duration) time.Time {
		if d == never {
			return time.Time{}
		}
		return at(d)
	}
	tests := []struct {
		name    string
		t       Timeouts
		start   time.Duration
		parent  time.Duration // never: no parent deadline
		now     time.Duration
		wantDL  time.Duration // call deadline
		wantTry time.Duration // try deadline
		wantOK  bool
	}{
		{"default first try", def, 0, never, 0, 15 * s, 15 * s, true},
		{"default later try", def, 0, never, 14 * s, 15 * s, 15 * s, true},
		{"default expired", def, 0, never, 15 * s, 15 * s, never, false},
		{"parent earlier", def, 0, 5 * s, 1 * s, 5 * s, 5 * s, true},
		{"parent later", def, 0, 20 * s, 1 * s, 15 * s, 15 * s, true},
		{"per try first", perTry, 0, never, 0, 10 * s, 3 * s, true},
		{"per try second", perTry, 0, never, 4 * s, 10 * s, 7 * s, true},
		{"per try clipped by call", perTry, 0, never, 8 * s, 10 * s, 10 * s, true},
		{"per try clipped by parent", perTry, 0, 5 * s, 3 * s, 5 * s, 5 * s, true},
		{"per try expired", perTry, 0, never, 11 * s, 10 * s, never, false},
		{"no timeout at all", none, 0, never, time.Hour, never, never, true},
		{"no timeout, parent", none, 0, 9 * s, 1 * s, 9 * s, 9 * s, true},
		{"only per try", onlyTry, 0, never, time.Hour, never, time.Hour + 2*s, true},
	}
	for _, tt := range tests {
		dl := tt.t.Deadline(at(tt.start), tm(tt.parent))
		if !dl.Equal(tm(tt.wantDL)) {
			t.Errorf("%s: Deadline: got %v, want %v", tt.name, dl, tm(tt.wantDL))
		}
		try, ok := tt.t.TryDeadline(dl, at(tt.now))
		if ok != tt.wantOK || !try.Equal(tm(tt.wantTry)) {
			t.Errorf("%s: TryDeadline: got %v, %v; want %v, %v", tt.name, try, ok, tm(tt.wantTry), tt.wantOK)
		}
	}
}
