package load_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// FuzzParseTemplate checks that any text either parses or fails with a
// *TemplateError pointing inside it, and that a parsed template expands
// the same way twice from one seed.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{
		"/items/{id:int:1-1000}", "/users/{user:zipf:1.1:10000}", "/o/{uuid}", "{choice:a|b|c}",
		`{{"id": {id:int:1-9}, "again": {id}}}`, "}}{{", "{", "}", "{}", "{key}", "{a:int:-5--1}",
		"{zipf:0.5:1}", "{n:int:-9223372036854775808-9223372036854775807}", "{x:choice:|}{x}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := load.ParseTemplate(src)
		if err != nil {
			var te *load.TemplateError
			if !errors.As(err, &te) || !errors.Is(err, load.ErrTemplate) {
				t.Fatalf("ParseTemplate(%q): %v is not a *TemplateError", src, err)
			}
			if te.Offset < 0 || te.Offset > len(src) {
				t.Fatalf("ParseTemplate(%q): offset %d outside the text", src, te.Offset)
			}
			return
		}
		a := tp.Append(nil, newRand(1))
		b := tp.Append(nil, newRand(1))
		if string(a) != string(b) {
			t.Fatalf("ParseTemplate(%q): one seed expanded to %q and %q", src, a, b)
		}
		if lit, ok := tp.Static(); ok {
			if string(a) != lit {
				t.Fatalf("static %q expanded to %q", lit, a)
			}
			if want := strings.NewReplacer("{{", "{", "}}", "}").Replace(src); lit != want {
				t.Fatalf("static %q from %q, want %q", lit, src, want)
			}
		}
	})
}

// FuzzParseTimestamps checks that any CSV either fails with ErrTrace or
// gives sorted offsets from 0 that replay exactly.
func FuzzParseTimestamps(f *testing.F) {
	for _, s := range []string{
		"10\n10.5\n12.25\n", "t\n1712345678.123456789\n", "2024-04-05T10:00:00Z\n", "1m\n90s\n",
		"# c\n\n3,x\n1,y\n", "\"1\"\n", "-1\n+.5\n", "1\n\"", "9999999999\n-9999999999\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := load.ParseTimestamps(data)
		if err != nil {
			if !errors.Is(err, load.ErrTrace) {
				t.Fatalf("%v does not wrap ErrTrace", err)
			}
			return
		}
		if len(ts) == 0 || ts[0] != 0 || !slices.IsSorted(ts) {
			t.Fatalf("offsets %v: want sorted from 0", ts)
		}
		if len(ts) > 10000 || ts[len(ts)-1] > time.Hour {
			return // replaying is for small traces here
		}
		r, err := load.NewReplayTimestamps(ts, 1, 0)
		if err != nil {
			t.Fatalf("NewReplayTimestamps: %v", err)
		}
		p, err := load.NewProfile(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0).Arrivals(); !slices.Equal(got, ts) {
			t.Fatalf("replayed %v, want %v", got, ts)
		}
	})
}

// FuzzParseRates checks that any CSV either fails with ErrTrace or gives
// finite, non-negative rates that build a replay stage.
func FuzzParseRates(f *testing.F) {
	for _, s := range []string{"3\n0\n5\n", "s,rps\n1,100\n2,1e3\n", "# x\nNaN\n", "-1\n", "1,\"2\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rates, err := load.ParseRates(data)
		if err != nil {
			if !errors.Is(err, load.ErrTrace) {
				t.Fatalf("%v does not wrap ErrTrace", err)
			}
			return
		}
		var sum float64
		for _, r := range rates {
			if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
				t.Fatalf("rate %v", r)
			}
			sum += r
		}
		st, err := load.NewReplayRates(rates, time.Second, 1, 0)
		if err != nil {
			t.Fatalf("NewReplayRates: %v", err)
		}
		if got := st.Cumulative(st.Duration()); !math.IsInf(sum, 1) && math.Abs(got-sum) > 1e-9*math.Max(1, sum) {
			t.Fatalf("total %v, want %v", got, sum)
		}
	})
}
