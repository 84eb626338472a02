package resilience

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

func hostIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("h%d", i)
	}
	return ids
}

func mustDetector(t testing.TB, o OutlierOptions, hosts int) *OutlierDetector {
	t.Helper()
	d, err := NewOutlierDetector(o)
	if err != nil {
		t.Fatal(err)
	}
	d.SetHosts(hostIDs(hosts))
	return d
}

var (
	s200   = Outcome{Status: 200}
	s404   = Outcome{Status: 404}
	s500   = Outcome{Status: 500}
	s502   = Outcome{Status: 502}
	s503   = Outcome{Status: 503}
	s504   = Outcome{Status: 504}
	sReset = Outcome{Reset: true}
)

func TestOutlierConsecutive(t *testing.T) {
	rep := func(o Outcome, n int) []Outcome { return slices.Repeat([]Outcome{o}, n) }
	cat := func(parts ...[]Outcome) []Outcome { return slices.Concat(parts...) }
	tests := []struct {
		name     string
		o        OutlierOptions
		outcomes []Outcome
		// wantAt is the index of the outcome that ejects, -1 for none.
		wantAt     int
		wantReason EjectReason
	}{
		{"five 503", OutlierOptions{}, rep(s503, 5), 4, Consecutive5xx},
		{"four 503", OutlierOptions{}, rep(s503, 4), -1, 0},
		{"mixed 5xx and local failures", OutlierOptions{}, []Outcome{s500, sReset, {ConnectFailure: true}, {Timeout: true}, s503}, 4, Consecutive5xx},
		{"a success resets", OutlierOptions{}, cat(rep(s500, 4), rep(s200, 1), rep(s500, 4)), -1, 0},
		{"a 404 is a success", OutlierOptions{}, cat(rep(s500, 4), rep(s404, 1), rep(s500, 4)), -1, 0},
		{"success then five", OutlierOptions{}, cat(rep(s500, 4), rep(s200, 1), rep(s500, 5)), 9, Consecutive5xx},
		{"threshold 2", OutlierOptions{Consecutive5xx: 2}, rep(s500, 2), 1, Consecutive5xx},
		{"5xx disabled", OutlierOptions{Consecutive5xx: -1}, rep(s500, 50), -1, 0},
		{"gateway off by default", OutlierOptions{Consecutive5xx: -1}, rep(s503, 50), -1, 0},
		{"gateway 3", OutlierOptions{Consecutive5xx: -1, ConsecutiveGatewayFailure: 3}, []Outcome{s502, s503, s504}, 2, ConsecutiveGatewayFailure},
		{"a 500 resets gateway", OutlierOptions{Consecutive5xx: -1, ConsecutiveGatewayFailure: 3}, []Outcome{s502, s500, s503, s504, sReset}, 4, ConsecutiveGatewayFailure},
		{"gateway before 5xx", OutlierOptions{Consecutive5xx: 3, ConsecutiveGatewayFailure: 3}, rep(s503, 3), 2, ConsecutiveGatewayFailure},
		{"5xx before gateway", OutlierOptions{Consecutive5xx: 3, ConsecutiveGatewayFailure: 3}, []Outcome{s500, s502, s503}, 2, Consecutive5xx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDetector(t, tt.o, 10) // 10 hosts: the default 10% allows one ejection
			gotAt := -1
			for i, o := range tt.outcomes {
				ev, ok := d.Record("h3", o, at(time.Duration(i)*time.Millisecond))
				if !ok {
					continue
				}
				if gotAt >= 0 {
					t.Fatalf("second ejection at outcome %d: %+v", i, ev)
				}
				gotAt = i
				want := HostEvent{Host: "h3", Ejected: true, At: at(time.Duration(i) * time.Millisecond),
					Reason: tt.wantReason, Duration: 30 * time.Second, Ejections: 1}
				if ev != want {
					t.Errorf("event: got %+v, want %+v", ev, want)
				}
			}
			if gotAt != tt.wantAt {
				t.Errorf("ejected at outcome %d, want %d", gotAt, tt.wantAt)
			}
			if got, want := d.Ejected("h3"), tt.wantAt >= 0; got != want {
				t.Errorf("Ejected: got %v, want %v", got, want)
			}
		})
	}
}

// outlierStep is one row of an outlier script: at time at, either Record
// fails failures 503s to host, or (host == "") Tick; want are the events.
type outlierStep struct {
	at       time.Duration
	host     string
	failures int
	want     []HostEvent
}

func runOutlier(t *testing.T, d *OutlierDetector, steps []outlierStep) {
	t.Helper()
	for i, st := range steps {
		now := at(st.at)
		var got []HostEvent
		if st.host == "" {
			got = d.Tick(now)
		} else {
			for range st.failures {
				if ev, ok := d.Record(st.host, s503, now); ok {
					got = append(got, ev)
				}
			}
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("step %d (t=%v):\n got %+v\nwant %+v", i, st.at, got, st.want)
		}
	}
}

func eject(host string, atD, dur time.Duration, n int) HostEvent {
	return HostEvent{Host: host, Ejected: true, At: at(atD), Reason: Consecutive5xx, Duration: dur, Ejections: n}
}

func uneject(host string, atD time.Duration, n int) HostEvent {
	return HostEvent{Host: host, At: at(atD), Reason: Consecutive5xx, Ejections: n}
}

// TestOutlierEjectionTimeGrows: a host that fails again right after each
// return is ejected for 30s, 60s, 90s (base x multiplier); returns happen
// at the first 10s tick at or after the end; two healthy intervals bring
// the multiplier from 3 to 1, so the next ejection lasts 60s.
func TestOutlierEjectionTimeGrows(t *testing.T) {
	d := mustDetector(t, OutlierOptions{}, 10)
	s := time.Second
	runOutlier(t, d, []outlierStep{
		{at: 1 * s, host: "h1", failures: 5, want: []HostEvent{eject("h1", 1*s, 30*s, 1)}},
		{at: 10 * s}, {at: 20 * s}, {at: 30 * s},
		{at: 40 * s, want: []HostEvent{uneject("h1", 40*s, 1)}},
		{at: 41 * s, host: "h1", failures: 5, want: []HostEvent{eject("h1", 41*s, 60*s, 2)}},
		{at: 100 * s},
		{at: 110 * s, want: []HostEvent{uneject("h1", 110*s, 2)}},
		{at: 111 * s, host: "h1", failures: 5, want: []HostEvent{eject("h1", 111*s, 90*s, 3)}},
		{at: 200 * s},
		{at: 210 * s, want: []HostEvent{uneject("h1", 210*s, 3)}},
		{at: 220 * s}, // healthy for one interval: multiplier 3 -> 2
		{at: 230 * s}, // 2 -> 1
		{at: 231 * s, host: "h1", failures: 5, want: []HostEvent{eject("h1", 231*s, 60*s, 4)}},
	})
	if got, want := d.Stats(), (OutlierStats{Ejections: [4]uint64{4, 0, 0, 0}, Unejections: 3, Active: 1}); got != want {
		t.Errorf("Stats: got %+v, want %+v", got, want)
	}
}

// TestOutlierMaxEjectionTime: with base 30s and max 60s durations go 30s,
// 60s, 60s.
func TestOutlierMaxEjectionTime(t *testing.T) {
	d := mustDetector(t, OutlierOptions{MaxEjectionTime: time.Minute}, 10)
	s := time.Second
	runOutlier(t, d, []outlierStep{
		{at: 0, host: "h0", failures: 5, want: []HostEvent{eject("h0", 0, 30*s, 1)}},
		{at: 30 * s, want: []HostEvent{uneject("h0", 30*s, 1)}},
		{at: 30 * s, host: "h0", failures: 5, want: []HostEvent{eject("h0", 30*s, 60*s, 2)}},
		{at: 90 * s, want: []HostEvent{uneject("h0", 90*s, 2)}},
		{at: 90 * s, host: "h0", failures: 5, want: []HostEvent{eject("h0", 90*s, 60*s, 3)}},
		{at: 150 * s, want: []HostEvent{uneject("h0", 150*s, 3)}},
		{at: 150 * s, host: "h0", failures: 5, want: []HostEvent{eject("h0", 150*s, 60*s, 4)}},
		// Envoy's multiplier stopped growing at 3 (3*30s >= 60s+30s), so
		// three healthy ticks after the return bring it back to 0.
		{at: 210 * s, want: []HostEvent{uneject("h0", 210*s, 4)}},
		{at: 220 * s}, {at: 230 * s}, {at: 240 * s},
		{at: 241 * s, host: "h0", failures: 5, want: []HostEvent{eject("h0", 241*s, 30*s, 5)}},
	})
}

// TestOutlierMaxEjectionPercent: each host in turn fails 5 times; the
// table lists which of them are ejected.
func TestOutlierMaxEjectionPercent(t *testing.T) {
	tests := []struct {
		name     string
		hosts    int
		o        OutlierOptions
		want     []string
		overflow uint64
	}{
		{"10 hosts 10%", 10, OutlierOptions{}, []string{"h0"}, 9},
		{"10 hosts 20%", 10, OutlierOptions{MaxEjectionPercent: 20}, []string{"h0", "h1"}, 8},
		{"10 hosts 25%", 10, OutlierOptions{MaxEjectionPercent: 25}, []string{"h0", "h1"}, 8},
		{"9 hosts 10%", 9, OutlierOptions{}, nil, 9},
		{"3 hosts 10%", 3, OutlierOptions{}, nil, 3},
		{"3 hosts 10% always one", 3, OutlierOptions{AlwaysEjectOneHost: true}, []string{"h0"}, 2},
		{"3 hosts 50%", 3, OutlierOptions{MaxEjectionPercent: 50}, []string{"h0"}, 2},
		{"4 hosts 50%", 4, OutlierOptions{MaxEjectionPercent: 50}, []string{"h0", "h1"}, 2},
		{"2 hosts 100%: one stays", 2, OutlierOptions{MaxEjectionPercent: 100}, []string{"h0"}, 1},
		{"5 hosts 100%: one stays", 5, OutlierOptions{MaxEjectionPercent: 100}, []string{"h0", "h1", "h2", "h3"}, 1},
		{"1 host always one: it stays", 1, OutlierOptions{AlwaysEjectOneHost: true, MaxEjectionPercent: 100}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDetector(t, tt.o, tt.hosts)
			var got []string
			for _, h := range hostIDs(tt.hosts) {
				for range 5 {
					if ev, ok := d.Record(h, s500, t0); ok {
						got = append(got, ev.Host)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ejected: got %v, want %v", got, tt.want)
			}
			st := d.Stats()
			if st.Overflow != tt.overflow || st.Active != len(tt.want) {
				t.Errorf("stats: got overflow %d active %d, want %d %d", st.Overflow, st.Active, tt.overflow, len(tt.want))
			}
		})
	}
}

// TestOutlierSuccessRate feeds one interval of traffic (ok of total per
// host) and checks the ejections of the Tick that ends it.
func TestOutlierSuccessRate(t *testing.T) {
	full := traffic{100, 100}
	tests := []struct {
		name     string
		o        OutlierOptions
		hosts    []traffic
		want     []string
		rates    []float64 // SuccessRate of each ejection
		thresh   float64   // Threshold of the ejections (a float: compared to 1e-9)
		overflow uint64
	}{
		{
			// Envoy's worked example: rates 50,100,100,100,100: mean 90,
			// stdev 20, threshold 90 - 1.9*20 = 52.
			name:  "envoy example",
			o:     OutlierOptions{MaxEjectionPercent: 20},
			hosts: []traffic{{50, 100}, full, full, full, full},
			want:  []string{"h0"}, rates: []float64{50}, thresh: 52,
		},
		{
			name:  "low-volume host ignored",
			o:     OutlierOptions{MaxEjectionPercent: 20},
			hosts: []traffic{{50, 100}, full, full, full, full, {0, 99}},
			want:  []string{"h0"}, rates: []float64{50}, thresh: 52,
		},
		{
			name:  "too few hosts with volume",
			o:     OutlierOptions{MaxEjectionPercent: 20},
			hosts: []traffic{{50, 100}, full, full, full, {100, 99}},
		},
		{
			name:  "minimum hosts lowered",
			o:     OutlierOptions{MaxEjectionPercent: 25, SuccessRateMinimumHosts: 4, SuccessRateRequestVolume: 10},
			hosts: []traffic{{5, 10}, {10, 10}, {10, 10}, {10, 10}},
			// mean 87.5, stdev 21.65..., threshold 46.35...
		},
		{
			// Two outliers widen the stdev: rates 50,60,100x5 give mean
			// 87.14, stdev 20.50, threshold 48.19, and nobody is ejected.
			name:  "two outliers mask each other",
			o:     OutlierOptions{MaxEjectionPercent: 50},
			hosts: []traffic{{50, 100}, {60, 100}, full, full, full, full, full},
		},
		{
			// 50,60,70,100x7: mean 88, stdev 18.87, threshold 52.15.
			name:  "ten hosts one ejected",
			o:     OutlierOptions{MaxEjectionPercent: 30},
			hosts: []traffic{{50, 100}, {60, 100}, {70, 100}, full, full, full, full, full, full, full},
			want:  []string{"h0"}, rates: []float64{50}, thresh: 52.150871698184906,
		},
		{
			// Factor 1: threshold 88 - 18.87 = 69.13: 50 and 60 go, 70 stays.
			name:  "factor 1",
			o:     OutlierOptions{MaxEjectionPercent: 30, SuccessRateStdevFactor: 1},
			hosts: []traffic{{70, 100}, {60, 100}, {50, 100}, full, full, full, full, full, full, full},
			want:  []string{"h2", "h1"}, rates: []float64{50, 60}, thresh: 69.13203773588679,
		},
		{
			name:  "capped: worst first",
			o:     OutlierOptions{MaxEjectionPercent: 10, SuccessRateStdevFactor: 1},
			hosts: []traffic{{70, 100}, {60, 100}, {50, 100}, full, full, full, full, full, full, full},
			want:  []string{"h2"}, rates: []float64{50}, thresh: 69.13203773588679, overflow: 1,
		},
		{
			name:  "success rate disabled",
			o:     OutlierOptions{MaxEjectionPercent: 20, SuccessRateStdevFactor: -1},
			hosts: []traffic{{50, 100}, full, full, full, full},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Consecutive5xx = -1 // only success-rate ejections here
			d := mustDetector(t, tt.o, len(tt.hosts))
			feed(d, tt.hosts)
			var got []string
			for i, ev := range d.Tick(at(10 * time.Second)) {
				got = append(got, ev.Host)
				if ev.Reason != SuccessRate || !ev.Ejected || ev.Duration != 30*time.Second {
					t.Errorf("event %d: got %+v, want a 30s success_rate ejection", i, ev)
				}
				if i < len(tt.rates) && (ev.SuccessRate != tt.rates[i] || math.Abs(ev.Threshold-tt.thresh) > 1e-9) {
					t.Errorf("event %d: got rate %v threshold %v, want %v %v", i, ev.SuccessRate, ev.Threshold, tt.rates[i], tt.thresh)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ejected: got %v, want %v", got, tt.want)
			}
			if got := d.Stats().Overflow; got != tt.overflow {
				t.Errorf("overflow: got %d, want %d", got, tt.overflow)
			}
			// The next interval starts empty: a Tick without traffic ejects nobody.
			if evs := d.Tick(at(20 * time.Second)); len(evs) != 0 {
				t.Errorf("second tick: got %+v, want no events", evs)
			}
		})
	}
}

// traffic is one host's interval: ok successes out of total requests.
type traffic struct{ ok, total int }

// feed records, for host hN = hosts[N], ok successes and total-ok 500s,
// alternating while both remain so that failures run consecutively only
// when they outnumber successes.
func feed(d *OutlierDetector, hosts []traffic) {
	for i, h := range hosts {
		id := fmt.Sprintf("h%d", i)
		oks, fails := h.ok, h.total-h.ok
		for oks+fails > 0 {
			if fails > 0 {
				d.Record(id, s500, t0)
				fails--
			}
			if oks > 0 {
				d.Record(id, s200, t0)
				oks--
			}
		}
	}
}

func TestOutlierFailurePercentage(t *testing.T) {
	o := OutlierOptions{
		MaxEjectionPercent: 50, SuccessRateStdevFactor: -1, Consecutive5xx: -1,
		FailurePercentageThreshold: 50, FailurePercentageMinimumHosts: 4,
	}
	d := mustDetector(t, o, 6)
	// Failure percentages 60, 49, 50, 0, 100 (volume 49: ignored), 0.
	feed(d, []traffic{{40, 100}, {51, 100}, {25, 50}, {50, 50}, {0, 49}, {50, 50}})
	evs := d.Tick(at(10 * time.Second))
	want := []HostEvent{
		{Host: "h0", Ejected: true, At: at(10 * time.Second), Reason: FailurePercentage, Duration: 30 * time.Second, Ejections: 1, SuccessRate: 40, Threshold: 50},
		{Host: "h2", Ejected: true, At: at(10 * time.Second), Reason: FailurePercentage, Duration: 30 * time.Second, Ejections: 1, SuccessRate: 50, Threshold: 50},
	}
	if !slices.Equal(evs, want) {
		t.Errorf("events:\n got %+v\nwant %+v", evs, want)
	}
	if got := d.Stats().Ejections[FailurePercentage]; got != 2 {
		t.Errorf("failure-percentage ejections: got %d, want 2", got)
	}
}

func TestOutlierFeedCounts(t *testing.T) {
	// feed must produce exactly ok successes out of total.
	for _, tr := range []traffic{{40, 100}, {51, 100}, {25, 50}, {0, 49}, {100, 100}, {5, 10}} {
		d := mustDetector(t, OutlierOptions{Consecutive5xx: -1}, 1)
		feed(d, []traffic{tr})
		h := d.hosts["h0"]
		if int(h.ok) != tr.ok || int(h.total) != tr.total {
			t.Errorf("feed %+v: got %d/%d", tr, h.ok, h.total)
		}
	}
}

func TestOutlierSetHosts(t *testing.T) {
	d := mustDetector(t, OutlierOptions{MaxEjectionPercent: 50}, 4)
	s := time.Second
	runOutlier(t, d, []outlierStep{
		{at: 0, host: "h0", failures: 5, want: []HostEvent{eject("h0", 0, 30*s, 1)}},
		{at: 0, host: "h1", failures: 5, want: []HostEvent{eject("h1", 0, 30*s, 1)}},
		{at: 0, host: "h2", failures: 5}, // 3 of 4 would exceed 50%
		{at: 0, host: "nope", failures: 5},
	})
	// h1 departs; h0 stays ejected; h4 arrives. 1 of 4 ejected: one more fits.
	d.SetHosts([]string{"h0", "h2", "h3", "h4", "h4"})
	if !d.Ejected("h0") || d.Ejected("h1") || d.Stats().Active != 1 {
		t.Fatalf("after SetHosts: h0 %v h1 %v active %d", d.Ejected("h0"), d.Ejected("h1"), d.Stats().Active)
	}
	runOutlier(t, d, []outlierStep{
		{at: s, host: "h4", failures: 5, want: []HostEvent{eject("h4", s, 30*s, 1)}},
		{at: 30 * s, want: []HostEvent{uneject("h0", 30*s, 1)}},
		{at: 31 * s, want: []HostEvent{uneject("h4", 31*s, 1)}},
	})
}

func TestEjectReasonStrings(t *testing.T) {
	for r, want := range map[EjectReason]string{Consecutive5xx: "consecutive_5xx", ConsecutiveGatewayFailure: "consecutive_gateway_failure",
		SuccessRate: "success_rate", FailurePercentage: "failure_percentage", 7: "EjectReason(7)"} {
		if got := r.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func BenchmarkOutlierRecord(b *testing.B) {
	d := mustDetector(b, OutlierOptions{}, 20)
	b.ReportAllocs()
	for b.Loop() {
		d.Record("h7", s200, t0)
	}
}

func BenchmarkOutlierTick(b *testing.B) {
	d := mustDetector(b, OutlierOptions{}, 20)
	b.ReportAllocs()
	for b.Loop() {
		for _, h := range hostIDs(20) {
			d.Record(h, s200, t0)
		}
		d.Tick(t0)
	}
}
