package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/baton-sim/baton/sim/bench"
)

// TestBench runs `baton bench` for real, briefly: the report's shape, that
// every target got requests, direct's ratios exactly 1, and the CI gate's
// exit code. Numbers are never asserted.
func TestBench(t *testing.T) {
	dir := t.TempDir()
	short := []string{"bench", "--duration", "200ms", "--rounds", "2", "--targets", "direct,gateway"}
	var stdout, stderr bytes.Buffer
	args := append(append([]string{}, short...), "--format", "json", "--out", dir, "--max-ratio", "gateway=1000")
	if got := Main(context.Background(), args, &stdout, &stderr); got != exitOK {
		t.Fatalf("exit code = %d, want %d\nstderr:\n%s", got, exitOK, stderr.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
	}
	file, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, stdout.Bytes()) {
		t.Errorf("bench.json differs from stdout")
	}
	if rep.Schema != bench.Schema || rep.Baseline != "direct" || rep.Rounds != 2 || rep.Duration != "200ms" || rep.Concurrency != 16 {
		t.Errorf("header = %q %q %d %q %d, want %q direct 2 200ms 16", rep.Schema, rep.Baseline, rep.Rounds, rep.Duration, rep.Concurrency, bench.Schema)
	}
	var names []string
	for _, tr := range rep.Targets {
		names = append(names, tr.Name)
		if got, want := len(tr.Rounds), 2; got != want {
			t.Errorf("%s: %d rounds, want %d", tr.Name, got, want)
		}
		for _, s := range tr.Rounds {
			if s.Requests == 0 {
				t.Errorf("%s round %d: no requests", tr.Name, s.Round)
			}
		}
	}
	if want := []string{"direct", "gateway"}; !reflect.DeepEqual(names, want) {
		t.Errorf("targets = %v, want %v", names, want)
	}
	if len(rep.Targets) > 0 && rep.Targets[0].Ratio != (bench.Ratios{RPS: 1, P50: 1, P99: 1}) {
		t.Errorf("direct ratios = %+v, want exactly 1", rep.Targets[0].Ratio)
	}
	if want := []bench.Gate{{Target: "gateway", MaxP50Ratio: 1000, P50Ratio: rep.Targets[1].Ratio.P50, Measured: true, OK: true}}; !reflect.DeepEqual(rep.Gates, want) {
		t.Errorf("gates = %+v, want %+v", rep.Gates, want)
	}

	// An impossible gate fails the run with exit 1, after the report.
	stdout.Reset()
	stderr.Reset()
	args = append(append([]string{}, short...), "--max-ratio", "gateway=0.001")
	if got := Main(context.Background(), args, &stdout, &stderr); got != exitSLOFailed {
		t.Errorf("impossible gate: exit code = %d, want %d\nstderr:\n%s", got, exitSLOFailed, stderr.String())
	}
	if !bytes.Contains(stdout.Bytes(), []byte("FAILED")) {
		t.Errorf("impossible gate: text report lacks FAILED:\n%s", stdout.String())
	}
}

func TestBenchBadInput(t *testing.T) {
	tests := [][]string{
		{"bench", "--targets", "envoy"},
		{"bench", "--max-ratio", "gateway"},
		{"bench", "--targets", "direct", "--max-ratio", "gateway=2"},
		{"bench", "--duration", "1h"},
		{"bench", "--rounds", "0"},
		{"bench", "--concurrency", "100000"},
		{"bench", "--format", "yaml"},
	}
	for _, args := range tests {
		var stdout, stderr bytes.Buffer
		if got := Main(context.Background(), args, &stdout, &stderr); got != exitBadInput {
			t.Errorf("%v: exit code = %d, want %d\nstderr:\n%s", args, got, exitBadInput, stderr.String())
		}
	}
}
