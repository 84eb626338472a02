package main

import (
	"bytes"
	"context"
	"testing"
)

// TestExitCodes pins the exit-code contract CI scripts rely on.
func TestExitCodes(t *testing.T) {
	// The latency SLO is relaxed so a loaded test machine cannot fail the
	// "ok" case; the "slo failed" case sets one nothing can meet.
	short := []string{"--duration", "1s", "--rate", "50/s", "--set", "slo.0=p99 < 60s"}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"ok", append([]string{"run", "quickstart"}, short...), exitOK},
		{"slo failed", append([]string{"run", "quickstart", "--duration", "1s", "--rate", "50/s"}, "--set", "slo.0=p50 < 1us"), exitSLOFailed},
		{"bad override", []string{"run", "quickstart", "--set", "services.frontend.replicas=0"}, exitBadInput},
		{"unknown scenario", []string{"run", "nosuchscenario"}, exitBadInput},
		{"bad format", []string{"run", "--format", "yaml"}, exitBadInput},
		{"unknown flag", []string{"run", "--frobnicate"}, exitBadInput},
		{"unknown command", []string{"frobnicate"}, exitBadInput},
		{"validate missing file", []string{"validate", "testdata/nope.yaml"}, exitBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := Main(context.Background(), tt.args, &stdout, &stderr); got != tt.want {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.want, stdout.String(), stderr.String())
			}
		})
	}
}
