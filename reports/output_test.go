package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// goldenRun records a small, fully deterministic run: three 1 s windows of
// traffic through two routes (and some unmatched), two services of which
// one has an idle replica, and a service listed in the scenario but never
// called.
func goldenRun() (*Recorder, Meta) {
	r := NewRecorder(t0, time.Second)
	for i := range 300 {
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		q := Request{
			Intended: at,
			Latency:  time.Duration(2000+37*(i%50)) * time.Microsecond,
			Lag:      time.Duration(10+i%7) * time.Microsecond,
			Route:    "api",
			Status:   200,
			BytesIn:  512,
		}
		switch {
		case i%3 == 0:
			q.Route = "static"
			q.Latency /= 2
		case i%50 == 7:
			q.Status, q.Latency = 503, 30*time.Millisecond
		case i%100 == 11:
			q.Status = 429
		case i == 151:
			q.Route, q.Status = "", 404
		case i == 299:
			q.Status, q.Latency = 0, 2*time.Second // transport error: timeout
		}
		r.RecordRequest(q)
		if q.Route == "" || q.Status == 429 || q.Status == 0 {
			continue
		}
		r.RecordHop(Hop{At: at, Service: "frontend", Replica: ReplicaName("frontend", i%2), Status: q.Status, Latency: q.Latency - 200*time.Microsecond})
		if q.Route == "api" {
			r.RecordHop(Hop{At: at, Service: "backend", Replica: ReplicaName("backend", 0), Status: q.Status, Latency: q.Latency / 2})
		}
	}
	meta := Meta{
		Scenario: "golden",
		Engine:   "virtual",
		Duration: 3 * time.Second,
		Routes:   []string{"api", "static"},
		Services: []ServiceMeta{
			{Name: "frontend", Replicas: []string{"frontend-0", "frontend-1", "frontend-2"}},
			{Name: "backend", Replicas: []string{"backend-0"}},
			{Name: "audit", Replicas: []string{"audit-0"}},
		},
		SLO: []scenarios.SLO{
			{Rule: "p99 < 150ms", Metric: scenarios.MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 150},
			{Rule: "p99.9 < 1s", Metric: scenarios.MetricPercentile, Quantile: 0.999, Op: "<", Threshold: 1000},
			{Rule: "error_rate < 1%", Metric: scenarios.MetricErrorRate, Op: "<", Threshold: 0.01},
			{Rule: "mean <= 10ms", Metric: scenarios.MetricMean, Op: "<=", Threshold: 10},
			{Rule: "rps >= 95", Metric: scenarios.MetricRPS, Op: ">=", Threshold: 95},
		},
	}
	return r, meta
}

func TestWriteTextGolden(t *testing.T) {
	r, meta := goldenRun()
	var buf bytes.Buffer
	if err := WriteText(&buf, r.Summary(meta)); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.txt", buf.Bytes())
}

func TestWriteTextNoSLO(t *testing.T) {
	r, meta := goldenRun()
	meta.SLO = nil
	var buf bytes.Buffer
	if err := WriteText(&buf, r.Summary(meta)); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary-noslo.txt", buf.Bytes())
}

func TestWriteTextEmpty(t *testing.T) {
	var buf bytes.Buffer
	s := NewRecorder(t0, 0).Summary(Meta{Scenario: "idle", Engine: "live", Duration: time.Second,
		SLO: []scenarios.SLO{{Rule: "p99 < 150ms", Metric: scenarios.MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 150}}})
	if err := WriteText(&buf, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary-empty.txt", buf.Bytes())
}

func TestWriteJSONSummaryGolden(t *testing.T) {
	r, meta := goldenRun()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r.Summary(meta)); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.json", buf.Bytes())
}

func TestWriteJSONRunGolden(t *testing.T) {
	r, meta := goldenRun()
	run := Run{
		Summary:  r.Summary(meta),
		Windows:  r.Windows(),
		Scenario: map[string]any{"name": "golden", "seed": 7},
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, run); err != nil {
		t.Fatal(err)
	}
	golden(t, "run.json", buf.Bytes())

	// The record reads back into the same values (the Summary's private
	// histogram and SLO units aside).
	var back Run
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	want := run.Summary
	want.latency = nil
	for i := range want.SLO {
		want.SLO[i].metric = ""
	}
	if !reflect.DeepEqual(back.Summary, want) {
		t.Errorf("summary read back:\ngot  %+v\nwant %+v", back.Summary, want)
	}
	if !reflect.DeepEqual(back.Windows, run.Windows) {
		t.Errorf("windows read back:\ngot  %+v\nwant %+v", back.Windows, run.Windows)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	r, meta := goldenRun()
	s := r.Summary(meta)
	if err := WriteText(failWriter{}, s); err == nil || err.Error() != "reports: write text: disk full" {
		t.Errorf("WriteText: got %v, want reports: write text: disk full", err)
	}
	if err := WriteJSON(failWriter{}, s); err == nil || err.Error() != "reports: write json: disk full" {
		t.Errorf("WriteJSON: got %v, want reports: write json: disk full", err)
	}
}
