package load_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

func TestParseTimestamps(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []time.Duration
	}{
		{"seconds", "10\n10.5\n12.25\n", []time.Duration{0, 500 * ms, 2250 * ms}},
		{"unix nanoseconds", "1712345678.123456789\n1712345678.123456790\n1712345679", []time.Duration{0, 1, 876543211}},
		{"header comments blanks extra fields", "# recorded at the edge\ntime,path\n\n1.0,/a\n 1.5 ,/b\n", []time.Duration{0, 500 * ms}},
		{"unsorted duplicates", "3\n1\n2\n1\n", []time.Duration{0, 0, s, 2 * s}},
		{"rfc 3339", "2024-04-05T10:00:00Z\n2024-04-05T10:00:01.25Z\n2024-04-05T12:00:00+02:00\n", []time.Duration{0, 0, 1250 * ms}},
		{"durations", "1m\n1m0.5s\n90s", []time.Duration{0, 500 * ms, 30 * s}},
		{"negative", "-1.5\n+0.5\n-.5", []time.Duration{0, s, 2 * s}},
		{"quoted", "\"2\"\n\"3\",x\n", []time.Duration{0, s}},
		{"crlf", "1\r\n2\r\n", []time.Duration{0, s}},
	}
	for _, tc := range tests {
		got, err := load.ParseTimestamps([]byte(tc.csv))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseRates(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []float64
	}{
		{"one column", "3\n0\n5\n2\n", []float64{3, 0, 5, 2}},
		{"labelled", "second,rps\n12:00:00,100\n12:00:01,150.5\n", []float64{100, 150.5}},
		{"comments", "# rps\n1e3\n\n2E3\n", []float64{1000, 2000}},
	}
	for _, tc := range tests {
		got, err := load.ParseRates([]byte(tc.csv))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseTraceErrors(t *testing.T) {
	tests := []struct {
		name  string
		rates bool
		csv   string
		want  string
	}{
		{"empty", false, "", "load: invalid trace: no arrivals"},
		{"only a header", false, "time\n", "load: invalid trace: no arrivals"},
		{"bad row", false, "1\n2\nsoon\n", `load: invalid trace: line 3: timestamp "soon" is not seconds, RFC 3339 or a duration`},
		{"bad rfc 3339", false, "1\n2024-13-05T10:00:00Z\n", `load: invalid trace: line 2: timestamp "2024-13-05T10:00:00Z" is not RFC 3339`},
		{"bad duration", false, "1\n5parsecs\n", `load: invalid trace: line 2: timestamp "5parsecs" is not seconds, RFC 3339 or a duration`},
		{"empty field", false, "1\n,x\n", "load: invalid trace: line 2: empty timestamp"},
		{"huge", false, "1\n99999999999999999999\n", `load: invalid trace: line 2: timestamp "99999999999999999999" is out of range`},
		{"span", false, "-9000000000\n9000000000\n", "load: invalid trace: arrivals span more than 2562047h47m16.854775807s"},
		{"bare quote", false, "1\n2\"x\n", `load: invalid trace: line 2: bare " in non-quoted-field`},
		{"no rates", true, "rps\n", "load: invalid trace: no rates"},
		{"negative rate", true, "1\n-2\n", `load: invalid trace: line 2: rate "-2", want a finite number >= 0`},
		{"nan rate", true, "1\nNaN\n", `load: invalid trace: line 2: rate "NaN", want a finite number >= 0`},
		{"word rate", true, "1\nlots\n", `load: invalid trace: line 2: rate "lots" is not a number`},
	}
	for _, tc := range tests {
		var err error
		if tc.rates {
			_, err = load.ParseRates([]byte(tc.csv))
		} else {
			_, err = load.ParseTimestamps([]byte(tc.csv))
		}
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, err, tc.want)
		}
		if !errors.Is(err, load.ErrTrace) {
			t.Errorf("%s: %v does not wrap ErrTrace", tc.name, err)
		}
	}
}

// TestReplayTimestamps checks that uniform arrivals replay a recorded
// trace exactly, duplicates included, and that a cut keeps what fits.
func TestReplayTimestamps(t *testing.T) {
	trace := "ts\n100.0\n100.0\n100.2\n100.9\n101.5\n101.5\n101.5\n103.75\n"
	ts := must(load.ParseTimestamps([]byte(trace)))
	want := []time.Duration{0, 0, 200 * ms, 900 * ms, 1500 * ms, 1500 * ms, 1500 * ms, 3750 * ms}
	if !slices.Equal(ts, want) {
		t.Fatalf("parsed %v, want %v", ts, want)
	}
	tests := []struct {
		name  string
		scale float64
		d     time.Duration
		want  []time.Duration
	}{
		{"whole", 1, 0, want},
		{"cut in a gap", 1, 2 * s, want[:7]},
		{"cut at an arrival", 1, 3750 * ms, want[:7]},
		{"padded", 1, time.Minute, want},
		{"doubled", 2, 0, []time.Duration{
			0, 0, 0, 100 * ms, 200 * ms, 550 * ms, 900 * ms, 1200 * ms,
			// Three arrivals at 1.5s and the midpoints of the two empty
			// gaps between them.
			1500 * ms, 1500 * ms, 1500 * ms, 1500 * ms, 1500 * ms, 2625 * ms, 3750 * ms, 3875 * ms,
		}},
	}
	for _, tc := range tests {
		r := must(load.NewReplayTimestamps(ts, tc.scale, tc.d))
		p := profile(t, r)
		got := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0).Arrivals()
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: arrivals %v, want %v", tc.name, got, tc.want)
		}
	}
	r := must(load.NewReplayTimestamps(ts, 1, 0))
	if got, want := r.Duration(), 4*s; got != want {
		t.Errorf("default duration %v, want %v (the last arrival rounded up)", got, want)
	}
	// Rate is the inverse gap; the final gap runs to the end.
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{100 * ms, 5}, {s, 1.0 / 0.6}, {3 * s, 1 / 2.25}, {3800 * ms, 4}} {
		if got := r.Rate(tc.at); got != tc.want {
			t.Errorf("Rate(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

// TestReplayRatesPoisson checks that a Poisson replay of a rate trace
// follows it second by second.
func TestReplayRatesPoisson(t *testing.T) {
	rates := must(load.ParseRates([]byte("rps\n5000\n0\n20000\n10000\n")))
	p := profile(t, must(load.NewReplayRates(rates, s, 1, 0)))
	got := perSecond(load.NewSchedule(p, scenarios.ArrivalPoisson, 3, 0).Arrivals(), p.Duration())
	want := []int{4968, 0, 20107, 10053} // seed 3
	if !slices.Equal(got, want) {
		t.Errorf("arrivals per second = %v, want %v", got, want)
	}
	for i, r := range rates {
		if d := float64(got[i]) - r; d > 0.02*r || d < -0.02*r {
			t.Errorf("second %d: %d arrivals, rate %v: off by more than 2 %%", i, got[i], r)
		}
	}
}
