package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzValidate decodes arbitrary YAML as a gateway block: Validate must
// never panic, and every problem it reports must be a *FieldError.
func FuzzValidate(f *testing.F) {
	if b, err := os.ReadFile("testdata/full.yaml"); err == nil {
		f.Add(string(b))
	}
	f.Add(minimal)
	f.Add("routes: [{name: a, prefix: /a, aggregate: {backends: [{service: u, path: x}]}, mirror: {service: m, percent: 200}}]")
	f.Add("rate_limits: [{name: a, algorithm: quota, limit: 1, calendar: month}]\nroutes: [{name: r, regex: '(', service: s, rate_limits: [a, a]}]")
	f.Fuzz(func(t *testing.T, src string) {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		var g Gateway
		if dec.Decode(&g) != nil {
			return
		}
		err := g.Validate()
		if err == nil {
			_ = g.Services()
			return
		}
		for _, e := range flatten(err) {
			if _, ok := errors.AsType[*FieldError](e); !ok {
				t.Fatalf("%T %v is not a *FieldError", e, e)
			}
		}
	})
}
