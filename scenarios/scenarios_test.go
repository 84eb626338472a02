package scenarios

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*/*.txtar")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// goldenCase is one testdata archive: a comment saying what it shows, the
// scenario, optional --set arguments (one per line) and the expected
// canonical output (testdata/valid) or error text (testdata/invalid).
type goldenCase struct {
	path    string
	archive *archive
	src     []byte
	sets    []Set
	want    string
	// files are the archive's other sections, which the scenario may name
	// (replay traces); nil when it has none.
	files map[string][]byte
}

// read reads the case's files; nil when it has none, as for Parse.
func (c goldenCase) read() ReadFunc {
	if c.files == nil {
		return nil
	}
	return mapFiles(c.files)
}

// mapFiles reads files from memory, failing as the os package does.
func mapFiles(files map[string][]byte) ReadFunc {
	return func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

func loadGolden(t testing.TB, dir string) []goldenCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, f := range files {
		a, err := parseArchiveFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := goldenCase{path: f, archive: a}
		for _, sec := range a.files {
			switch sec.name {
			case "scenario.yaml":
				c.src = sec.data
			case "sets":
				for _, line := range strings.Split(strings.TrimSpace(string(sec.data)), "\n") {
					s, err := ParseSet(line)
					if err != nil {
						t.Fatalf("%s: %v", f, err)
					}
					c.sets = append(c.sets, s)
				}
			case "want":
				c.want = string(sec.data)
			default:
				if c.files == nil {
					c.files = map[string][]byte{}
				}
				c.files[sec.name] = sec.data
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// writeWant replaces (or adds) the want section of c's archive.
func writeWant(t *testing.T, c goldenCase, got string) {
	t.Helper()
	a := c.archive
	a.files = slices.DeleteFunc(a.files, func(f archiveFile) bool { return f.name == "want" })
	a.files = append(a.files, archiveFile{name: "want", data: []byte(got)})
	if err := os.WriteFile(c.path, a.format(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenValid(t *testing.T) {
	cases := loadGolden(t, "valid")
	if len(cases) < 5 {
		t.Fatalf("got %d valid cases, want at least 5", len(cases))
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			s, err := ParseFiles("scenario.yaml", c.src, c.read(), c.sets...)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := Canonical(s)
			if err != nil {
				t.Fatalf("Canonical: %v", err)
			}
			if *update {
				writeWant(t, c, string(out))
				return
			}
			if got := string(out); got != c.want {
				t.Errorf("canonical form:\ngot:\n%s\nwant:\n%s", got, c.want)
			}
			checkRoundTripFiles(t, s, c.read())
		})
	}
}

func TestGoldenInvalid(t *testing.T) {
	cases := loadGolden(t, "invalid")
	if len(cases) < 20 {
		t.Fatalf("got %d invalid cases, want at least 20", len(cases))
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			s, err := ParseFiles("scenario.yaml", c.src, c.read(), c.sets...)
			if err == nil {
				out, _ := Canonical(s)
				t.Fatalf("Parse succeeded, want an error; got:\n%s", out)
			}
			checkPositions(t, "scenario.yaml", err, len(c.sets) > 0)
			got := err.Error() + "\n"
			if *update {
				writeWant(t, c, got)
				return
			}
			if got != c.want {
				t.Errorf("errors:\ngot:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// checkRoundTrip asserts that the canonical form parses back to s and is
// a fixed point.
func checkRoundTrip(t testing.TB, s *Scenario) {
	t.Helper()
	checkRoundTripFiles(t, s, nil)
}

// checkRoundTripFiles is checkRoundTrip for a scenario whose replay stages
// name files, which the canonical form names too: read reads them again.
func checkRoundTripFiles(t testing.TB, s *Scenario, read ReadFunc) {
	t.Helper()
	out, err := Canonical(s)
	if err != nil {
		t.Fatalf("Canonical: %v", err)
	}
	again, err := ParseFiles("canonical.yaml", out, read)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(again, s) {
		t.Fatalf("canonical form parses to a different scenario:\ngot  %+v\nwant %+v\n%s", again, s, out)
	}
	out2, err := Canonical(again)
	if err != nil {
		t.Fatalf("Canonical: %v", err)
	}
	if !bytes.Equal(out, out2) {
		t.Fatalf("canonical form is not a fixed point:\n%s\n---\n%s", out, out2)
	}
}

// checkPositions asserts that err is an ErrorList of *Error, each located
// in file (or, when sets were given, possibly at a --set argument).
func checkPositions(t testing.TB, file string, err error, sets bool) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error %q (%T) is not a non-empty ErrorList", err, err)
	}
	var first *Error
	if !errors.As(err, &first) || first != list[0] {
		t.Fatalf("errors.As(*Error) did not find the first error of %q", err)
	}
	for _, e := range list {
		switch {
		case e.File == file && e.Line > 0 && e.Col > 0:
		case sets && strings.HasPrefix(e.File, "--set ") && e.Line == 0:
		default:
			t.Fatalf("error %q has no position in %s (File %q, Line %d, Col %d)", e, file, e.File, e.Line, e.Col)
		}
	}
}

func TestLibrary(t *testing.T) {
	lib := Library()
	var names []string
	for _, e := range lib {
		names = append(names, e.Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("Library names not sorted: %v", names)
	}
	for _, want := range []string{"cascading-failure", "checkout", "diurnal", "fanout", "flaky-replica", "hot-key",
		"quickstart", "retry-storm", "slow-replica", "thundering-herd", "zone-failover"} {
		if !slices.Contains(names, want) {
			t.Errorf("Library lacks %q: got %v", want, names)
		}
	}
	for _, e := range lib {
		t.Run(e.Name, func(t *testing.T) {
			s, err := Open(e.Name)
			if err != nil {
				t.Fatalf("Open(%q): %v", e.Name, err)
			}
			if s.Name != e.Name {
				t.Errorf("name: got %q, want the file name %q", s.Name, e.Name)
			}
			if len(e.Description) < 80 {
				t.Errorf("description: got %q, want a sentence or more on what the scenario teaches", e.Description)
			}
			// Every library scenario must run live on a 2-core laptop.
			if s.Load.Rate > 300 {
				t.Errorf("load.rate: got %v/s, want at most 300/s", s.Load.Rate)
			}
			replicas := 0
			for _, svc := range s.Services {
				replicas += svc.Replicas
			}
			if replicas > 15 {
				t.Errorf("replicas: got %d in total, want at most 15", replicas)
			}
			src, ok := LibrarySource(e.Name)
			if !ok {
				t.Fatalf("LibrarySource(%q): not found", e.Name)
			}
			fromSource, err := Parse(e.Name+".yaml", src)
			if err != nil || !reflect.DeepEqual(fromSource, s) {
				t.Errorf("Parse(LibrarySource(%q)): got %v, %v; want the scenario Open gives", e.Name, fromSource, err)
			}
			checkRoundTrip(t, s)
		})
	}
}

func TestQuickstart(t *testing.T) {
	s, err := Open("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, svc := range s.Services {
		got = append(got, svc.Name+"="+svc.Latency.Dist+"/"+itoa(svc.Replicas))
	}
	want := []string{"frontend=lognormal/3", "catalog=lognormal/2", "pricing=lognormal/2"}
	if !slices.Equal(got, want) {
		t.Errorf("services: got %v, want %v", got, want)
	}
	if s.Load.Rate != 200 || s.Load.Arrival != ArrivalPoisson || s.Duration.String() != "30s" {
		t.Errorf("load: got %v/s %s for %s, want 200/s poisson for 30s", s.Load.Rate, s.Load.Arrival, s.Duration)
	}
	wantSLO := []SLO{
		{Rule: "p99 < 150ms", Metric: MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 150},
		{Rule: "error_rate < 1%", Metric: MetricErrorRate, Op: "<", Threshold: 0.01},
	}
	if !reflect.DeepEqual(s.SLO, wantSLO) {
		t.Errorf("slo: got %+v, want %+v", s.SLO, wantSLO)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "mine.yaml")
	src, _ := LibrarySource("quickstart")
	if err := os.WriteFile(good, src, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("baton: v1\nname: x\nservices:\n  a: {replcas: 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The library grows; the message lists whatever it holds.
	var names []string
	for _, e := range Library() {
		names = append(names, e.Name)
	}
	lib := strings.Join(names, ", ")
	tests := []struct {
		arg     string
		wantErr string // empty: must load
	}{
		{arg: "quickstart"},
		{arg: good},
		{arg: bad, wantErr: bad + `:1:1: gateway: required; route requests to a service, such as gateway: {routes: [{prefix: /api, service: frontend}]}` + "\n" +
			bad + `:1:1: load: required; give the offered load, such as load: {rate: 100/s}` + "\n" +
			bad + `:4:7: services.a: unknown field "replcas" (did you mean "replicas"?)`},
		{arg: "quickstrat", wantErr: `scenarios: unknown scenario "quickstrat" (did you mean "quickstart"?); the library has ` + lib + `, or give the path of a file`},
		{arg: "nothing-like-it", wantErr: `scenarios: unknown scenario "nothing-like-it"; the library has ` + lib + `, or give the path of a file`},
		{arg: "quickstart.yaml", wantErr: `scenarios: open quickstart.yaml: no such file or directory (to load the library scenario, write quickstart without a path or extension)`},
		{arg: filepath.Join(dir, "missing.yaml"), wantErr: "scenarios: open " + filepath.Join(dir, "missing.yaml") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			s, err := Open(tt.arg)
			if tt.wantErr == "" {
				if err != nil || s == nil {
					t.Fatalf("Open(%q): got %v, want a scenario", tt.arg, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Open(%q): got a scenario, want error %q", tt.arg, tt.wantErr)
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("Open(%q):\ngot  %s\nwant %s", tt.arg, got, tt.wantErr)
			}
		})
	}
	if _, err := Open("quickstrat"); !errors.Is(err, ErrUnknownScenario) {
		t.Errorf("Open(quickstrat): got %v, want errors.Is ErrUnknownScenario", err)
	}
}

func TestLibrarySourceRejectsPaths(t *testing.T) {
	for _, name := range []string{"", "../decode.go", "library/quickstart", "QUICKSTART", "quickstart.yaml"} {
		if _, ok := LibrarySource(name); ok {
			t.Errorf("LibrarySource(%q): got ok, want not found", name)
		}
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.yaml", Line: 3, Col: 5, Field: "services.x.replicas", Msg: "must be at least 1, got 0"}, "a.yaml:3:5: services.x.replicas: must be at least 1, got 0"},
		{&Error{File: "a.yaml", Line: 1, Col: 1, Msg: "syntax error"}, "a.yaml:1:1: syntax error"},
		{&Error{Line: 2, Col: 4, Field: "name", Msg: "required"}, "2:4: name: required"},
		{&Error{File: "--set a=b", Field: "a", Msg: "unknown field"}, "--set a=b: a: unknown field"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	list := ErrorList{tests[0].err, tests[1].err}
	if got, want := list.Error(), tests[0].want+"\n"+tests[1].want; got != want {
		t.Errorf("list: got %q, want %q", got, want)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"replicas", "replicas", 0},
		{"replcas", "replicas", 1},
		{"catalgo", "catalog", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q): got %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPercentText(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		back string
	}{
		{"50", 0.5, "50"},
		{"99.9", 0.999, "99.9"},
		{"100", 1, "100"},
		{"0.1", 0.001, "0.1"},
		{"5", 0.05, "5"},
		{"99.99", 0.9999, "99.99"},
		{"007", 0.07, "7"},
	}
	for _, tt := range tests {
		got, ok := shiftLeft2(tt.in)
		if !ok || got != tt.want {
			t.Errorf("shiftLeft2(%q): got %v, %v; want %v", tt.in, got, ok, tt.want)
		}
		if back := shiftRight2(got); back != tt.back {
			t.Errorf("shiftRight2(%v): got %q, want %q", got, back, tt.back)
		}
	}
}
