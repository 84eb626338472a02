package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// loadBase is a topology the load tests put a load section on.
const loadBase = `baton: v1
name: load-test
services:
  frontend: {}
gateway: {routes: [{prefix: /api, service: frontend}]}
`

func TestLoadDuration(t *testing.T) {
	tests := []struct {
		name, src string
		sets      []Set
		want      time.Duration
	}{
		{"rate alone keeps the default", "load: {rate: 10}\n", nil, 30 * time.Second},
		{"stages add up", "load:\n  stages:\n    - ramp: {to: 10, duration: 20s}\n    - spike: {peak: 50, width: 1s, duration: 40s}\n" +
			"    - replay: {data: \"0\\n\", duration: 1m}\n", nil, 2 * time.Minute},
		{"user stages add up", "load:\n  model: closed\n  user_stages: [{target: 5, duration: 90s}, {target: 0, duration: 30s}]\n", nil, 2 * time.Minute},
		{"closed users alone keep the default", "load: {model: closed, users: 3}\n", nil, 30 * time.Second},
		{"a written duration wins", "duration: 10s\nload:\n  stages: [{constant: {rate: 1, duration: 1m}}]\n", nil, 10 * time.Second},
		{"a written duration may be longer", "duration: 5m\nload:\n  stages: [{constant: {rate: 1, duration: 1m}}]\n", nil, 5 * time.Minute},
		{"--duration wins", "load:\n  stages: [{constant: {rate: 1, duration: 1m}}]\n", []Set{{Path: "duration", Value: "15s"}}, 15 * time.Second},
		{"an empty --set restores the sum", "duration: 10s\nload:\n  stages: [{constant: {rate: 1, duration: 1m}}]\n", []Set{{Path: "duration", Value: ""}}, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("load.yaml", []byte(loadBase+tt.src), tt.sets...)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := s.Duration; got != tt.want {
				t.Errorf("duration: got %s, want %s", got, tt.want)
			}
			checkRoundTrip(t, s)
		})
	}
}

// TestLoadFields pins what the loader hands sim/load: the embedded
// LoadExt, the defaults of every block, and rate alone unchanged.
func TestLoadFields(t *testing.T) {
	from := 5.0
	tests := []struct {
		name, src string
		want      Load
	}{
		{"rate alone", "load: {rate: 10/s}\n",
			Load{Rate: 10, Arrival: ArrivalPoisson, Paths: []string{"/api"}, LoadExt: LoadExt{Model: ModelOpen}}},
		{"stages", "load:\n  arrival: uniform\n  stages:\n    - step: {from: 5, to: 25, steps: 5, duration: 10s}\n    - replay: {data: \"1\\n\", format: rates, duration: 5s}\n",
			Load{Arrival: ArrivalUniform, Paths: []string{"/api"}, LoadExt: LoadExt{Model: ModelOpen, Stages: []LoadStage{
				{Step: &StepStage{From: &from, To: 25, Steps: 5, Duration: 10 * time.Second}},
				{Replay: &ReplayStage{Data: "1\n", Format: TraceRates, Interval: time.Second, Scale: 1, Duration: 5 * time.Second}},
			}}}},
		{"closed", "load: {model: closed, users: 4, think: {dist: uniform, min: 1s, max: 3s}}\n",
			Load{Arrival: ArrivalPoisson, Paths: []string{"/api"}, LoadExt: LoadExt{Model: ModelClosed, Users: 4,
				Think: &Latency{Dist: DistUniform, Min: time.Second, Max: 3 * time.Second}}}},
		{"clients", "load:\n  rate: 1\n  clients:\n    - name: web\n      requests: [{path: /api/x, method: PUT, body: '{{}}'}]\n",
			Load{Rate: 1, Arrival: ArrivalPoisson, Paths: []string{"/api"}, LoadExt: LoadExt{Model: ModelOpen, Clients: []ClientClass{{
				Name: "web", Share: 1, APIKeyHeader: "apikey",
				Requests: []RequestTemplate{{Method: "PUT", Path: "/api/x", Body: "{{}}", Weight: 1}},
			}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("load.yaml", []byte(loadBase+tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(s.Load, tt.want) {
				t.Errorf("load:\ngot  %+v\nwant %+v", s.Load, tt.want)
			}
			checkRoundTrip(t, s)
		})
	}
}

// TestReplayFiles: Open reads a replay stage's file relative to the
// scenario file's directory (or absolute) into its data; Parse and the
// library read none.
func TestReplayFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	trace := "# t\n0\n0.5\n1\n"
	abs := filepath.Join(dir, "traces", "abs.csv")
	for name, data := range map[string]string{"traces/t.csv": trace, "traces/abs.csv": "1,2\n", "traces/empty.csv": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := loadBase + "duration: 10s\nload:\n  stages:\n    - replay: {file: traces/t.csv}\n    - replay: {file: " + abs + ", format: rates}\n"
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := []string{s.Load.Stages[0].Replay.Data, s.Load.Stages[1].Replay.Data}; !reflect.DeepEqual(got, []string{trace, "1,2\n"}) {
		t.Errorf("data: got %q, want the files' contents", got)
	}
	if got := s.Load.Stages[0].Replay.File; got != "traces/t.csv" {
		t.Errorf("file: got %q, want it as written", got)
	}
	out, err := Canonical(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "0.5") || !strings.Contains(string(out), "file: traces/t.csv") {
		t.Errorf("canonical form: got\n%s\nwant the file named, not its contents", out)
	}
	checkRoundTripFiles(t, s, filesBeside(path))

	// The same file read by Parse, which reads no files.
	_, err = Parse("s.yaml", []byte(src))
	want := `s.yaml:9:22: load.stages[0].replay.file: cannot read "traces/t.csv": only a scenario opened from a file reads the files it names (the embedded library cannot); write the trace inline as data`
	if err == nil || !strings.HasPrefix(err.Error(), want+"\n") {
		t.Errorf("Parse: got %v, want first %s", err, want)
	}

	for _, tt := range []struct{ file, want string }{
		{"traces/missing.csv", "cannot read the trace: open " + filepath.Join(dir, "traces/missing.csv") + ": no such file or directory"},
		{"traces/empty.csv", "traces/empty.csv is empty; a trace needs at least one row"},
	} {
		bad := filepath.Join(dir, "bad.yaml")
		src := loadBase + "duration: 10s\nload:\n  stages: [{replay: {file: " + tt.file + "}}]\n"
		if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(bad)
		want := bad + ":8:28: load.stages[0].replay.file: " + tt.want
		if err == nil || err.Error() != want {
			t.Errorf("Open with %s:\ngot  %v\nwant %s", tt.file, err, want)
		}
	}
}
