package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOrder(t *testing.T) {
	tests := []struct {
		n, round int
		want     []int
	}{
		{1, 0, []int{0}},
		{1, 3, []int{0}},
		{3, 0, []int{0, 1, 2}},
		{3, 1, []int{1, 2, 0}},
		{3, 2, []int{2, 0, 1}},
		{3, 3, []int{0, 1, 2}},
		{4, 5, []int{1, 2, 3, 0}},
		{0, 2, []int{}},
	}
	for _, tt := range tests {
		if got := Order(tt.n, tt.round); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Order(%d, %d) = %v, want %v", tt.n, tt.round, got, tt.want)
		}
	}
}

// TestOrderPositions: over n rounds every target runs once in every
// position — the property that spreads drift evenly.
func TestOrderPositions(t *testing.T) {
	const n = 5
	seen := make([][n]int, n) // target -> position -> count
	for r := range n {
		for pos, i := range Order(n, r) {
			seen[i][pos]++
		}
	}
	for i := range n {
		for pos := range n {
			if got := seen[i][pos]; got != 1 {
				t.Errorf("target %d ran %d times in position %d, want 1", i, got, pos)
			}
		}
	}
}

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		xs   []float64
		want Spread
	}{
		{nil, Spread{}},
		{[]float64{7}, Spread{7, 7, 7}},
		{[]float64{3, 1}, Spread{2, 1, 3}},
		{[]float64{5, 1, 3}, Spread{3, 1, 5}},
		{[]float64{4, 10, 1, 2}, Spread{3, 1, 10}},
		{[]float64{9, 2, 7, 2, 5}, Spread{5, 2, 9}},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.xs...)
		if got := SpreadOf(tt.xs); got != tt.want {
			t.Errorf("SpreadOf(%v) = %+v, want %+v", tt.xs, got, tt.want)
		}
		if !reflect.DeepEqual(in, tt.xs) {
			t.Errorf("SpreadOf reordered its input: %v, want %v", tt.xs, in)
		}
	}
}

func TestRatio(t *testing.T) {
	tests := []struct{ x, base, want float64 }{
		{10, 10, 1},
		{5, 10, 0.5},
		{30, 10, 3},
		{7, 0, 0},
		{0, 4, 0},
	}
	for _, tt := range tests {
		if got := Ratio(tt.x, tt.base); got != tt.want {
			t.Errorf("Ratio(%g, %g) = %g, want %g", tt.x, tt.base, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	results := []TargetResult{
		{Name: "direct", URL: "http://d/", Rounds: []Sample{
			{Round: 0, Requests: 1000, RPS: 1000, P50us: 100, P99us: 400},
			{Round: 1, Requests: 1200, Errors: 1, RPS: 1200, P50us: 80, P99us: 300},
			{Round: 2, Requests: 800, RPS: 800, P50us: 120, P99us: 500},
		}},
		{Name: "gateway", URL: "http://g/echo", Rounds: []Sample{
			{Round: 0, Requests: 500, RPS: 500, P50us: 200, P99us: 1000},
			{Round: 1, Requests: 250, RPS: 250, P50us: 250, P99us: 1600},
			{Round: 2, Requests: 400, Errors: 2, RPS: 400, P50us: 300, P99us: 1200},
		}},
	}
	rep := Summarize(results)
	want := []TargetReport{
		{Name: "direct", URL: "http://d/", Requests: 3000, Errors: 1,
			RPS: Spread{1000, 800, 1200}, P50us: Spread{100, 80, 120}, P99us: Spread{400, 300, 500},
			Ratio: Ratios{1, 1, 1}, Rounds: results[0].Rounds},
		{Name: "gateway", URL: "http://g/echo", Requests: 1150, Errors: 2,
			RPS: Spread{400, 250, 500}, P50us: Spread{250, 200, 300}, P99us: Spread{1200, 1000, 1600},
			Ratio: Ratios{0.4, 2.5, 3}, Rounds: results[1].Rounds},
	}
	if !reflect.DeepEqual(rep.Targets, want) {
		t.Errorf("Summarize targets =\n%+v\nwant\n%+v", rep.Targets, want)
	}
	if rep.Schema != Schema || rep.Baseline != Baseline {
		t.Errorf("schema, baseline = %q, %q, want %q, %q", rep.Schema, rep.Baseline, Schema, Baseline)
	}
}

func TestApplyGates(t *testing.T) {
	rep := &Report{Targets: []TargetReport{
		{Name: "direct", Ratio: Ratios{P50: 1}},
		{Name: "gateway", Ratio: Ratios{P50: 2.5}},
		{Name: "gateway+sidecar", Ratio: Ratios{P50: 4}},
	}}
	tests := []struct {
		name  string
		gates []Gate
		ok    bool
		want  []Gate
	}{
		{"none", nil, true, nil},
		{"at the limit passes", []Gate{{Target: "gateway", MaxP50Ratio: 2.5}}, true,
			[]Gate{{"gateway", 2.5, 2.5, true, true}}},
		{"over fails", []Gate{{Target: "gateway", MaxP50Ratio: 2.5}, {Target: "gateway+sidecar", MaxP50Ratio: 3}}, false,
			[]Gate{{"gateway", 2.5, 2.5, true, true}, {"gateway+sidecar", 3, 4, true, false}}},
		{"impossible", []Gate{{Target: "direct", MaxP50Ratio: 0.001}}, false,
			[]Gate{{"direct", 0.001, 1, true, false}}},
		{"skipped target", []Gate{{Target: "nginx", MaxP50Ratio: 1}}, true,
			[]Gate{{"nginx", 1, 0, false, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := *rep
			r.Gates = nil
			if got := r.ApplyGates(tt.gates); got != tt.ok {
				t.Errorf("ApplyGates ok = %v, want %v", got, tt.ok)
			}
			if !reflect.DeepEqual(r.Gates, tt.want) {
				t.Errorf("gates = %+v, want %+v", r.Gates, tt.want)
			}
		})
	}
}

func TestParseGate(t *testing.T) {
	tests := []struct {
		in     string
		target string
		max    float64
		err    bool
	}{
		{"gateway=2.5", "gateway", 2.5, false},
		{" gateway+sidecar = 4 ", "gateway+sidecar", 4, false},
		{"direct=0.001", "direct", 0.001, false},
		{"gateway", "", 0, true},
		{"=2", "", 0, true},
		{"gateway=", "", 0, true},
		{"gateway=-1", "", 0, true},
		{"gateway=0", "", 0, true},
		{"gateway=NaN", "", 0, true},
		{"gateway=Inf", "", 0, true},
		{"gateway=abc", "", 0, true},
	}
	for _, tt := range tests {
		target, max, err := ParseGate(tt.in)
		if (err != nil) != tt.err || target != tt.target || max != tt.max {
			t.Errorf("ParseGate(%q) = %q, %g, %v; want %q, %g, error %v", tt.in, target, max, err, tt.target, tt.max, tt.err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "bench: ") {
			t.Errorf("ParseGate(%q) error %q lacks the package prefix", tt.in, err)
		}
	}
}

func FuzzParseGate(f *testing.F) {
	for _, s := range []string{"gateway=2.5", "=", "a=b=c", "x=1e309", "direct=0x1p-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, max, err := ParseGate(s)
		if err != nil {
			return
		}
		if target == "" || !(max > 0) || max > 1e6 {
			t.Errorf("ParseGate(%q) accepted %q, %g", s, target, max)
		}
	})
}

func TestParseTargets(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", Names(), false},
		{"direct,gateway", []string{"direct", "gateway"}, false},
		{"gateway", []string{"direct", "gateway"}, false},
		{"caddy, gateway+sidecar,direct", []string{"direct", "gateway+sidecar", "caddy"}, false},
		{"gateway,gateway", []string{"direct", "gateway"}, false},
		{"envoy", nil, true},
		{"direct,", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseTargets(tt.in)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseTargets(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   Options
		want Options
		err  bool
	}{
		{Options{}, Options{2 * time.Second, 5, 16}, false},
		{Options{Duration: 200 * time.Millisecond, Rounds: 2, Concurrency: 4}, Options{200 * time.Millisecond, 2, 4}, false},
		{Options{Duration: time.Millisecond}, Options{}, true},
		{Options{Duration: 2 * time.Minute}, Options{}, true},
		{Options{Rounds: -1}, Options{}, true},
		{Options{Rounds: MaxRounds + 1}, Options{}, true},
		{Options{Concurrency: MaxConcurrency + 1}, Options{}, true},
	}
	for _, tt := range tests {
		got, err := tt.in.Normalize()
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("%+v.Normalize() = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestPeerConfigs(t *testing.T) {
	const listen, upstream = "127.0.0.1:18080", "127.0.0.1:19090"
	for _, p := range peers() {
		t.Run(p.name, func(t *testing.T) {
			cfg := p.config("/tmp/x", listen, upstream)
			for _, s := range []string{listen, upstream} {
				if !strings.Contains(cfg, s) {
					t.Errorf("config lacks %s:\n%s", s, cfg)
				}
			}
			if p.name == "caddy" {
				var v map[string]any
				if err := json.Unmarshal([]byte(cfg), &v); err != nil {
					t.Errorf("caddy config is not JSON: %v\n%s", err, cfg)
				}
			}
		})
	}
	if got, want := Names(), []string{"direct", "gateway", "gateway+sidecar", "nginx", "haproxy", "caddy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

// TestMeasure runs the real loop briefly against two local servers: the
// report's shape, not its numbers.
func TestMeasure(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	a, b := httptest.NewServer(h), httptest.NewServer(h)
	defer a.Close()
	defer b.Close()
	targets := []Target{{"other", b.URL + "/"}, {Baseline, a.URL + "/"}}
	rep, err := Measure(context.Background(), targets, Options{Duration: 30 * time.Millisecond, Rounds: 3, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rep.Targets), 2; got != want {
		t.Fatalf("targets = %d, want %d", got, want)
	}
	for i, tr := range rep.Targets {
		if tr.Name != targets[i].Name {
			t.Errorf("target %d = %s, want %s", i, tr.Name, targets[i].Name)
		}
		if got, want := len(tr.Rounds), 3; got != want {
			t.Errorf("%s rounds = %d, want %d", tr.Name, got, want)
		}
		for r, s := range tr.Rounds {
			// Rotation: "other" (index 0) runs first in rounds 0 and 2.
			if want := Order(2, r)[s.Position]; s.Round != r || want != i {
				t.Errorf("%s round %d: round %d position %d, want target %d there", tr.Name, r, s.Round, s.Position, want)
			}
			if s.Requests == 0 || s.RPS <= 0 || s.P50us <= 0 || s.P99us < s.P50us {
				t.Errorf("%s round %d: %+v, want requests and ordered latencies", tr.Name, r, s)
			}
		}
	}
	if got := rep.Targets[1].Ratio; got != (Ratios{1, 1, 1}) {
		t.Errorf("direct ratios = %+v, want exactly 1", got)
	}
	if _, err := Measure(context.Background(), targets[:1], Options{}); err == nil {
		t.Error("Measure without the baseline: no error")
	}
}

func BenchmarkSummarize(b *testing.B) {
	results := make([]TargetResult, 6)
	for i := range results {
		results[i].Name = Names()[i]
		for r := range 5 {
			results[i].Rounds = append(results[i].Rounds, Sample{Round: r, Requests: 100, RPS: float64(100 + r*i), P50us: float64(50 + r), P99us: float64(300 + i)})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Summarize(results)
	}
}
