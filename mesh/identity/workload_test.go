package identity

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"
)

func TestWorkloadOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts WorkloadOptions
		want string
	}{
		{"zero", WorkloadOptions{}, ""},
		{"half", WorkloadOptions{RotateAt: 0.5}, ""},
		{"negative", WorkloadOptions{RotateAt: -0.1}, "identity: WorkloadOptions.RotateAt: must be in (0, 1), got -0.1"},
		{"one", WorkloadOptions{RotateAt: 1}, "identity: WorkloadOptions.RotateAt: must be in (0, 1), got 1"},
		{"NaN", WorkloadOptions{RotateAt: math.NaN()}, "identity: WorkloadOptions.RotateAt: must be in (0, 1), got NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if got := errText(err); got != tt.want {
				t.Fatalf("Validate() = %q, want %q", got, tt.want)
			}
			if err != nil && !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("errors.Is(%v, ErrInvalidOptions) = false", err)
			}
		})
	}
}

func TestNewWorkloadErrors(t *testing.T) {
	tests := []struct {
		name    string
		ca      CAOptions
		service string
		opts    WorkloadOptions
		want    string
	}{
		{"bad RotateAt", CAOptions{}, "cart", WorkloadOptions{RotateAt: 2},
			"identity: WorkloadOptions.RotateAt: must be in (0, 1), got 2"},
		// 10s TTL + 1s skew: 0.05 × 11s = 550ms is before issue (NotBefore
		// is issue - 1s), so the certificate would be due at once.
		{"renewal before issue", CAOptions{TTL: 10 * time.Second}, "cart", WorkloadOptions{RotateAt: 0.05},
			"identity: WorkloadOptions.RotateAt: 0.05 of lifetime 11s falls -450ms after issue (NotBefore is issue - 1s), want at least 1s"},
		{"renewal under a second after issue", CAOptions{TTL: 2 * time.Second, ClockSkew: -1}, "cart", WorkloadOptions{RotateAt: 0.4},
			"identity: WorkloadOptions.RotateAt: 0.4 of lifetime 2s falls 800ms after issue (NotBefore is issue - 0s), want at least 1s"},
		{"bad service", CAOptions{}, "a b", WorkloadOptions{},
			`identity: invalid service name "a b": byte ' ' at 1 (want letters, digits, '.', '-', '_')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWorkload(newCA(t, tt.ca), tt.service, t0, tt.opts)
			if w != nil || errText(err) != tt.want {
				t.Fatalf("NewWorkload = %v, %v; want nil, %q", w, err, tt.want)
			}
		})
	}
}

// TestRotateAt steps one workload through a table of instants, as
// x/time/rate's tests do: rotated must be exactly as listed.
func TestRotateAt(t *testing.T) {
	type step struct {
		at      time.Duration // after t0
		rotated bool
		serial  uint64 // current serial after the call
	}
	tests := []struct {
		name  string
		ca    CAOptions
		opts  WorkloadOptions
		steps []step
	}{
		{
			// Lifetime 1000s exactly: due at 70 % = 700s.
			name: "70 percent of 1000s", ca: CAOptions{TTL: 1000 * time.Second, ClockSkew: -1},
			steps: []step{
				{0, false, 2},
				{699*time.Second + 900*time.Millisecond, false, 2}, // 69.99 %
				{699*time.Second + 999999999, false, 2},            // 1ns before
				{700 * time.Second, true, 3},                       // 70 %: renewed, next due at 1400s
				{700 * time.Second, false, 3},                      // the same instant again: nothing due
				{1399 * time.Second, false, 3},
				{1400 * time.Second, true, 4},
				{5000 * time.Second, true, 5}, // late (the old one expired): still renews once
				{5000 * time.Second, false, 5},
			},
		},
		{
			// Defaults: TTL 1h, skew 1m, lifetime 61m; 0.7 × 3660s = 2562s
			// after NotBefore (t0 - 60s), so due at t0 + 2502s.
			name: "defaults", ca: CAOptions{},
			steps: []step{
				{2501 * time.Second, false, 2},
				{2501*time.Second + 999*time.Millisecond, false, 2},
				{2502 * time.Second, true, 3},
				// Issued at t0 + 2502s: due 2502s later.
				{5003 * time.Second, false, 3},
				{5004 * time.Second, true, 4},
			},
		},
		{
			// 69.9 % vs 70 % of a 10s certificate: 6.99s and 7s.
			name: "seconds TTL", ca: CAOptions{TTL: 10 * time.Second, ClockSkew: -1},
			steps: []step{
				{6990 * time.Millisecond, false, 2},
				{7 * time.Second, true, 3},
				{13 * time.Second, false, 3},
				{14 * time.Second, true, 4},
			},
		},
		{
			// Issue instants are truncated to the second, so a rotation at
			// 7.5s makes a certificate from 7s, due at 14s.
			name: "sub-second rotation instant", ca: CAOptions{TTL: 10 * time.Second, ClockSkew: -1},
			steps: []step{
				{7500 * time.Millisecond, true, 3},
				{13999 * time.Millisecond, false, 3},
				{14 * time.Second, true, 4},
			},
		},
		{
			name: "RotateAt 0.5", ca: CAOptions{TTL: 100 * time.Second, ClockSkew: -1}, opts: WorkloadOptions{RotateAt: 0.5},
			steps: []step{
				{49 * time.Second, false, 2},
				{50 * time.Second, true, 3},
				{100 * time.Second, true, 4},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorkload(t, newCA(t, tt.ca), "cart", t0, tt.opts)
			var rotations uint64
			for i, s := range tt.steps {
				got, err := w.Rotate(t0.Add(s.at))
				if err != nil {
					t.Fatalf("step %d (%v): Rotate: %v", i, s.at, err)
				}
				if got != s.rotated {
					t.Errorf("step %d (%v): rotated = %v, want %v", i, s.at, got, s.rotated)
				}
				if got := w.Cert().Serial; got != s.serial {
					t.Errorf("step %d (%v): serial = %d, want %d", i, s.at, got, s.serial)
				}
				if s.rotated {
					rotations++
				}
			}
			if got := w.Rotations(); got != rotations {
				t.Errorf("Rotations() = %d, want %d", got, rotations)
			}
		})
	}
}

func TestNextRotation(t *testing.T) {
	w := newWorkload(t, newCA(t, CAOptions{}), "cart", t0, WorkloadOptions{})
	if got, want := w.NextRotation(), t0.Add(2502*time.Second); !got.Equal(want) {
		t.Errorf("NextRotation() = %v, want %v", got, want)
	}
	c := w.Cert()
	if got, want := w.NextRotation(), c.NotBefore.Add(time.Duration(0.7*float64(c.Lifetime()))); !got.Equal(want) {
		t.Errorf("NextRotation() = %v, want NotBefore + 0.7 × lifetime = %v", got, want)
	}
	if got, want := w.ID(), "spiffe://baton.local/service/cart"; got != want || w.Service() != "cart" {
		t.Errorf("ID(), Service() = %q, %q; want %q, cart", got, w.Service(), want)
	}
}

func TestRotationEvents(t *testing.T) {
	var events []RotationEvent
	ca := newCA(t, CAOptions{TTL: 10 * time.Second, ClockSkew: -1})
	w := newWorkload(t, ca, "cart", t0, WorkloadOptions{
		Replica:  "cart-1",
		OnRotate: func(e RotationEvent) { events = append(events, e) },
	})
	for s := 1; s <= 20; s++ {
		if _, err := w.Rotate(t0.Add(time.Duration(s) * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	want := []RotationEvent{
		{At: t0.Add(7 * time.Second), Service: "cart", Replica: "cart-1", OldSerial: 2, Serial: 3, NotAfter: t0.Add(17 * time.Second)},
		{At: t0.Add(14 * time.Second), Service: "cart", Replica: "cart-1", OldSerial: 3, Serial: 4, NotAfter: t0.Add(24 * time.Second)},
	}
	if !slices.EqualFunc(events, want, func(a, b RotationEvent) bool {
		return a.At.Equal(b.At) && a.NotAfter.Equal(b.NotAfter) && a.Service == b.Service &&
			a.Replica == b.Replica && a.OldSerial == b.OldSerial && a.Serial == b.Serial
	}) {
		t.Errorf("events = %+v\nwant %+v", events, want)
	}
	if got, want := w.Rotations(), uint64(2); got != want {
		t.Errorf("Rotations() = %d, want %d", got, want)
	}
}

func TestRotateFailureKeepsCert(t *testing.T) {
	// The root covers 30s: a rotation at 21s would outlive it.
	ca := newCA(t, CAOptions{TTL: 10 * time.Second, ClockSkew: -1, RootTTL: 30 * time.Second})
	w := newWorkload(t, ca, "cart", t0, WorkloadOptions{})
	if ok, err := w.Rotate(t0.Add(14 * time.Second)); !ok || err != nil {
		t.Fatalf("Rotate(14s) = %v, %v; want true, nil", ok, err)
	}
	before := w.Cert()
	ok, err := w.Rotate(t0.Add(21 * time.Second))
	if ok || !errors.Is(err, ErrOutsideRoot) {
		t.Fatalf("Rotate(21s) = %v, %v; want false, ErrOutsideRoot", ok, err)
	}
	if w.Cert() != before || w.Rotations() != 1 {
		t.Errorf("after a failed rotation: cert %d, rotations %d; want the old cert %d and 1", w.Cert().Serial, w.Rotations(), before.Serial)
	}
	// Still due: the next call tries again.
	if ok, err := w.Rotate(t0.Add(21 * time.Second)); ok || err == nil {
		t.Errorf("Rotate(21s) again = %v, %v; want false and an error", ok, err)
	}
}

// TestRotateConcurrent: many goroutines calling Rotate at one due instant
// renew exactly once (run with -race).
func TestRotateConcurrent(t *testing.T) {
	ca := newCA(t, CAOptions{TTL: 10 * time.Second, ClockSkew: -1})
	events := make(chan RotationEvent, 16)
	w := newWorkload(t, ca, "cart", t0, WorkloadOptions{OnRotate: func(e RotationEvent) { events <- e }})
	const n = 8
	results := make(chan bool, n)
	for range n {
		go func() {
			ok, _ := w.Rotate(t0.Add(7 * time.Second))
			results <- ok
		}()
	}
	var renewed int
	for range n {
		if <-results {
			renewed++
		}
	}
	if renewed != 1 || w.Rotations() != 1 || len(events) != 1 || w.Cert().Serial != 3 {
		t.Errorf("renewed %d, Rotations %d, events %d, serial %d; want 1, 1, 1, 3", renewed, w.Rotations(), len(events), w.Cert().Serial)
	}
}
