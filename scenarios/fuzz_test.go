package scenarios

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// FuzzParse asserts that Parse never panics, that every failure is an
// ErrorList of positioned *Errors and that every success survives a round
// trip through Canonical.
func FuzzParse(f *testing.F) {
	for _, e := range Library() {
		src, _ := LibrarySource(e.Name)
		f.Add(src)
	}
	for _, dir := range []string{"valid", "invalid"} {
		for _, c := range loadGolden(f, dir) {
			f.Add(c.src)
		}
	}
	f.Add([]byte(setBase))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkPositions(t, "fuzz.yaml", err, false)
			return
		}
		checkRoundTrip(t, s)
	})
}

// FuzzSet asserts that no --set argument makes Parse panic and that every
// failure is located in the file or at the argument.
func FuzzSet(f *testing.F) {
	for _, arg := range []string{
		"services.frontend.replicas=4", "services.cart.latency.p99=1ms", "gateway.routes.1.prefix=/x",
		"services.frontend.calls.1.parallel.0.probability=50%", "services.stock.latency.percentiles.p99.9=1ms",
		"load.paths.0=/api", "slo.0=p99 < 1s", "mesh=", "services=[1]", "services.frontend.calls.0=&a [*a]",
		"mesh.balancer=p2c_peak_ewma", "mesh.retries.budget.ratio=20%", "mesh.destinations.cart.balancer=maglev",
		"services.frontend.overrides.0.latency=50ms", "services.cart.zones=[a, b]", "mesh.authz.0.from.0=gateway",
		"mesh.outlier_detection.max_ejection_percent=50%", "mesh.destinations.stock.retries.backoff={base: 1ms}",
		"load.model=closed", "load.users=20", "load.rate=", "load.think={dist: uniform, min: 1s, max: 2s}",
		"load.user_stages.0={target: 5, duration: 10s}", "load.stages.0.ramp={to: 10, duration: 1s}",
		"load.stages.0.replay={data: '0\n1\n', format: rates}", "load.clients.0={name: web, share: 50%}",
		"load.clients.0.requests.0.path=/api/{id:int:1-9}", "load.clients.0.key={dist: zipf, n: 100}",
		"faults.0={kind: latency, for: 1s, add: 5ms}", "faults.0.at=5s", "faults.0.target.service=cart",
		"faults.0={kind: crash, target: {service: stock, replica: 1}}", "duration=",
		"gateway.replicas=2", "gateway.limits.mode=shared", "gateway.routes.0.backends.1.weight=50",
		"gateway.routes.0.service=", "gateway.routes.0.backends=[{service: frontend, weight: 4294967295}]",
		"gateway.rate_limits.0={name: rl, algorithm: gcra, limit: 5, window: 1s, tiers: {gold: {burst: 2}}}",
		"gateway.routes.0.rate_limits=[rl]", "gateway.routes.0.transform.response.status_map.502=503",
		"gateway.routes.0.transform.request.json.0.set={path: a.b, value: {x: [1, 2.0, null]}}",
		"gateway.routes.1={template: '/u/{id}/{rest...}', service: frontend}", "gateway.routes.1={regex: '/r/[0-9]+', service: cart}",
		"gateway.routes.1={prefix: /old, redirect: {status: 301, path: /api}}", "gateway.auth.policies.0={name: k, accept: [key]}",
		"gateway.rate_limits.0.anchor=2024-01-01T00:00:00+02:00", "gateway.routes.0.mirror={service: cart, percent: 0.5}",
	} {
		f.Add(arg)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		set, err := ParseSet(arg)
		if err != nil {
			return
		}
		s, err := Parse("base.yaml", []byte(setBase), set)
		if err != nil {
			checkPositions(t, "base.yaml", err, true)
			return
		}
		checkRoundTrip(t, s)
	})
}

// billionLaughs nests levels lists of nine aliases to the level below.
func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("baton: v1\nname: bomb\nx0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		prev := "*x" + itoaN(i-1)
		b.WriteString("x" + itoaN(i) + ": &x" + itoaN(i) + " [" + strings.Repeat(prev+", ", 8) + prev + "]\n")
	}
	return b.String()
}

// mergeBomb defines m0 to mN, each merging eight copies of the one before.
func mergeBomb(n int) string {
	var b strings.Builder
	b.WriteString("m0: &m0 {x: 1, y: 2}\n")
	for i := 1; i <= n; i++ {
		prev := "*m" + itoaN(i-1)
		b.WriteString("m" + itoaN(i) + ": &m" + itoaN(i) + " {<<: [" + strings.Repeat(prev+", ", 7) + prev + "]}\n")
	}
	return b.String()
}

// setBomb is a billion-laughs document small enough for a command line.
const setBomb = "[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], " +
	"&d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], " +
	"&g [*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]]"

func itoaN(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoaN(i/10) + string(rune('0'+i%10))
}

// TestHostileInput checks that documents built to exhaust a parser are
// rejected with a clear error and with bounded memory. (Time is not
// asserted; the package test run staying short is the check.)
func TestHostileInput(t *testing.T) {
	const memoryBound = 64 << 20
	chain := "baton: v1\nname: chain\na0: &a0 [x]\n"
	for i := 1; i <= 100; i++ {
		chain += "a" + itoaN(i) + ": &a" + itoaN(i) + " [*a" + itoaN(i-1) + "]\n"
	}
	tests := []struct {
		name, src, want string
		sets            []Set
	}{
		{"billion laughs", billionLaughs(9),
			"bomb.yaml:1:1: the document expands to more than 100000 YAML nodes (aliases such as *name repeat what &name anchors); a scenario needs far fewer", nil},
		{"wide fan-out", "a: &a [" + strings.Repeat("1, ", 999) + "1]\nb: [" + strings.Repeat("*a, ", 999) + "*a]\n",
			"bomb.yaml:1:1: the document expands to more than 100000 YAML nodes (aliases such as *name repeat what &name anchors); a scenario needs far fewer", nil},
		{"merge-key bomb", "a: &a {x: 1, y: 2}\nb: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b]}\n" +
			"d: &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c]}\ne: &e {<<: [*d, *d, *d, *d, *d, *d, *d, *d]}\nf: &f {<<: [*e, *e, *e, *e, *e, *e, *e, *e]}\n" +
			"g: &g {<<: [*f, *f, *f, *f, *f, *f, *f, *f]}\n",
			"bomb.yaml:1:1: the document expands to more than 100000 YAML nodes (aliases such as *name repeat what &name anchors); a scenario needs far fewer", nil},
		{"merge-key bomb under a set", "s: &s {replicas: 1}\n" + mergeBomb(10) + "services:\n  a:\n    <<: [*m10, *s]\n",
			"bomb.yaml:1:1: the document expands to more than 100000 YAML nodes (aliases such as *name repeat what &name anchors); a scenario needs far fewer",
			[]Set{{Path: "services.a.replicas", Value: "2"}}},
		{"bomb in a set value", setBase,
			"--set description=" + setBomb + ": description: the document expands to more than 100000 YAML nodes (aliases such as *name repeat what &name anchors); a scenario needs far fewer",
			[]Set{{Path: "description", Value: setBomb}}},
		{"10000-deep flow nesting", strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
			"bomb.yaml:1:64: nested more than 64 levels deep (with aliases expanded); a scenario needs about ten", nil},
		{"10001-deep flow nesting", strings.Repeat("{a: ", 10001) + "1" + strings.Repeat("}", 10001),
			"bomb.yaml:1:1: syntax error: exceeded max depth of 10000; check indentation, colons and brackets", nil},
		{"10000-deep block nesting", strings.Repeat("- ", 10000) + "x\n",
			"bomb.yaml:1:127: nested more than 64 levels deep (with aliases expanded); a scenario needs about ten", nil},
		{"deep through aliases", chain,
			"bomb.yaml:33:6: nested more than 64 levels deep (with aliases expanded); a scenario needs about ten", nil},
		{"too large", "description: " + strings.Repeat("x", 4<<20),
			"bomb.yaml:1:1: file is 4194317 bytes; a scenario may be at most 4194304 bytes (4 MiB)", nil},
		{"too many nodes", "[" + strings.Repeat("1,", 1<<20) + "1]",
			"bomb.yaml:1:1: file has 1048577 structural characters (,[{-?: and newlines); a scenario may have at most 100000", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Parse("bomb.yaml", []byte(tt.src), tt.sets...)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("got no error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got error\n%s\nwant\n%s", got, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > memoryBound {
				t.Errorf("allocated %d MiB, want at most %d MiB", alloc>>20, memoryBound>>20)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	src, _ := LibrarySource("checkout")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("checkout.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseInvalid(b *testing.B) {
	cases := loadGolden(b, "invalid")
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cases {
			_, _ = Parse(filepath.Base(c.path), c.src, c.sets...)
		}
	}
}

func BenchmarkParseAliasBomb(b *testing.B) {
	src := []byte(billionLaughs(9))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bomb.yaml", src); err == nil {
			b.Fatal("alias bomb accepted")
		}
	}
}
