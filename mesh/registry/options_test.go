package registry_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/registry"
)

func TestOptionsValidate(t *testing.T) {
	hc := func(o registry.HealthCheckOptions) registry.Options { return registry.Options{HealthCheck: &o} }
	tests := []struct {
		name      string
		opts      registry.Options
		wantField string // "" means valid
	}{
		{"zero value", registry.Options{}, ""},
		{"zero health check", hc(registry.HealthCheckOptions{}), ""},
		{"full", registry.Options{
			HealthCheck:            &registry.HealthCheckOptions{Interval: time.Second, HealthyThreshold: 2, Path: "/ready"},
			SlowStart:              registry.SlowStartOptions{Window: time.Minute, Aggression: 1.5, MinWeightPercent: 100},
			OverprovisioningFactor: 100, PanicThreshold: 100, EventLimit: -1,
		}, ""},
		{"negative interval", hc(registry.HealthCheckOptions{Interval: -1}), "Options.HealthCheck.Interval"},
		{"negative timeout", hc(registry.HealthCheckOptions{Timeout: -1}), "Options.HealthCheck.Timeout"},
		{"negative unhealthy interval", hc(registry.HealthCheckOptions{UnhealthyInterval: -1}), "Options.HealthCheck.UnhealthyInterval"},
		{"negative unhealthy edge", hc(registry.HealthCheckOptions{UnhealthyEdgeInterval: -1}), "Options.HealthCheck.UnhealthyEdgeInterval"},
		{"negative healthy edge", hc(registry.HealthCheckOptions{HealthyEdgeInterval: -1}), "Options.HealthCheck.HealthyEdgeInterval"},
		{"negative no-traffic", hc(registry.HealthCheckOptions{NoTrafficInterval: -1}), "Options.HealthCheck.NoTrafficInterval"},
		{"healthy threshold", hc(registry.HealthCheckOptions{HealthyThreshold: -2}), "Options.HealthCheck.HealthyThreshold"},
		{"unhealthy threshold", hc(registry.HealthCheckOptions{UnhealthyThreshold: -1}), "Options.HealthCheck.UnhealthyThreshold"},
		{"relative path", hc(registry.HealthCheckOptions{Path: "healthz"}), "Options.HealthCheck.Path"},
		{"negative window", registry.Options{SlowStart: registry.SlowStartOptions{Window: -1}}, "Options.SlowStart.Window"},
		{"negative aggression", registry.Options{SlowStart: registry.SlowStartOptions{Aggression: -1}}, "Options.SlowStart.Aggression"},
		{"NaN aggression", registry.Options{SlowStart: registry.SlowStartOptions{Aggression: math.NaN()}}, "Options.SlowStart.Aggression"},
		{"min weight above 100", registry.Options{SlowStart: registry.SlowStartOptions{MinWeightPercent: 101}}, "Options.SlowStart.MinWeightPercent"},
		{"negative min weight", registry.Options{SlowStart: registry.SlowStartOptions{MinWeightPercent: -1}}, "Options.SlowStart.MinWeightPercent"},
		{"factor below 100", registry.Options{OverprovisioningFactor: 99}, "Options.OverprovisioningFactor"},
		{"factor too large", registry.Options{OverprovisioningFactor: 10001}, "Options.OverprovisioningFactor"},
		{"panic above 100", registry.Options{PanicThreshold: 101}, "Options.PanicThreshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			_, newErr := registry.New(tt.opts)
			if tt.wantField == "" {
				if err != nil || newErr != nil {
					t.Errorf("got %v / %v, want nil", err, newErr)
				}
				return
			}
			if !errors.Is(err, registry.ErrInvalidOptions) || !errors.Is(newErr, registry.ErrInvalidOptions) {
				t.Fatalf("got %v / %v, want ErrInvalidOptions", err, newErr)
			}
			if !strings.HasPrefix(err.Error(), "registry: options: "+tt.wantField+": ") {
				t.Errorf("error %q does not name %s", err, tt.wantField)
			}
		})
	}
	// The sub-options name themselves when validated alone.
	if err := (registry.SlowStartOptions{Window: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "SlowStartOptions.Window") {
		t.Errorf("SlowStartOptions.Validate: got %v", err)
	}
	if err := (registry.HealthCheckOptions{Timeout: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "HealthCheckOptions.Timeout") {
		t.Errorf("HealthCheckOptions.Validate: got %v", err)
	}
}

func TestEventKindString(t *testing.T) {
	if got, want := registry.PanicOff.String(), "panic_off"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := registry.EventKind(200).String(), "unknown"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
