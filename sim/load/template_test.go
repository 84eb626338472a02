package load_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/baton-sim/baton/sim/load"
)

func expand(t testing.TB, src string, seed uint64) string {
	t.Helper()
	tp, err := load.ParseTemplate(src)
	if err != nil {
		t.Fatalf("ParseTemplate(%q): %v", src, err)
	}
	return string(tp.Append(nil, newRand(seed)))
}

func TestTemplateExpand(t *testing.T) {
	tests := []struct {
		src  string
		want string // for seed 1
	}{
		{"", ""},
		{"/health", "/health"},
		{"/items/{int:5-5}", "/items/5"},
		{"/items/{int:-3--3}", "/items/-3"},
		{"{choice:only}", "only"},
		{"{choice:}", ""},
		{"{zipf:1.5:1}", "1"},
		{`{{"literal": "braces"}}`, `{"literal": "braces"}`},
		{"a}}b{{c", "a}b{c"},
		{"/items/{id:int:1-1000}", "/items/528"},
		{"/items/{id:int:1-1000}/again/{id}", "/items/528/again/528"},
		{"/users/{user:zipf:1.1:10000}", "/users/355"},
		{"/orders/{uuid}", "/orders/8707a01d-6329-483f-87df-1bd4a477b564"},
		{"/{choice:a|b|c}/{choice:a|b|c}/{choice:a|b|c}", "/b/a/c"},
		{`{{"id": {id:int:1-9}, "same": {id}, "tag": "{t:choice:x|y}{t}"}}`, `{"id": 5, "same": 5, "tag": "xx"}`},
		{"{n:int:-9223372036854775808-9223372036854775807}", "-8716822505674147777"},
	}
	for _, tc := range tests {
		if got := expand(t, tc.src, 1); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// TestTemplateDraws checks each kind's values stay in range and cover it,
// and that the same seed repeats the same text.
func TestTemplateDraws(t *testing.T) {
	tp := must(load.ParseTemplate("{int:1-10}|{zipf:1.1:50}|{choice:a|b|c}|{uuid}"))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	r := newRand(9)
	seen := map[string]bool{}
	var buf []byte
	for range 2000 {
		buf = tp.Append(buf[:0], r)
		f := strings.Split(string(buf), "|")
		if len(f) != 4 {
			t.Fatalf("expansion %q", buf)
		}
		seen["int "+f[0]] = true
		seen["choice "+f[2]] = true
		if !uuid.MatchString(f[3]) {
			t.Fatalf("%q is not a version 4 UUID", f[3])
		}
		var z int
		for _, c := range f[1] {
			z = z*10 + int(c-'0')
		}
		if z < 1 || z > 50 {
			t.Fatalf("zipf rank %d outside 1..50", z)
		}
	}
	for _, want := range []string{"int 1", "int 10", "choice a", "choice b", "choice c"} {
		if !seen[want] {
			t.Errorf("never drew %s", want)
		}
	}
	if len(seen) != 13 {
		t.Errorf("drew %d distinct ints and choices, want 13", len(seen))
	}
	if a, b := expand(t, "{uuid}{int:1-1000000}", 5), expand(t, "{uuid}{int:1-1000000}", 5); a != b {
		t.Errorf("same seed: %q and %q", a, b)
	}
}

func TestTemplateStatic(t *testing.T) {
	for _, tc := range []struct {
		src, lit string
		static   bool
	}{
		{"/a/b", "/a/b", true},
		{"{{x}}", "{x}", true},
		{"", "", true},
		{"/a/{int:1-2}", "", false},
	} {
		tp := must(load.ParseTemplate(tc.src))
		lit, ok := tp.Static()
		if lit != tc.lit || ok != tc.static {
			t.Errorf("Static(%q) = %q, %v; want %q, %v", tc.src, lit, ok, tc.lit, tc.static)
		}
		if tp.String() != tc.src {
			t.Errorf("String() = %q, want %q", tp.String(), tc.src)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		want   string
	}{
		{"/a/{", 3, "unclosed '{' (write '{{' for a literal brace)"},
		{"/a/{int:1-{x}", 3, "unclosed '{' (write '{{' for a literal brace)"},
		{"/a}", 2, "unmatched '}' (write '}}' for a literal brace)"},
		{"/a/{}", 4, "empty parameter {} (want e.g. {int:1-100}; write {{}} for literal braces)"},
		{"/a/{int}", 7, `int wants a range lo-hi, e.g. {int:1-100}, got ""`},
		{"/a/{int:5}", 8, `int wants a range lo-hi, e.g. {int:1-100}, got "5"`},
		{"/a/{int:9-1}", 8, "int range 9-1 is empty (want lo <= hi)"},
		{"/a/{int:1-x}", 8, `int wants a range lo-hi, e.g. {int:1-100}, got "1-x"`},
		{"/a/{zipf:1.1}", 9, `zipf wants an exponent and a count, e.g. {zipf:1.1:10000}, got "1.1"`},
		{"/a/{zipf:s:10}", 9, `zipf exponent "s" is not a number`},
		{"/a/{zipf:1.1:-5}", 13, `zipf count "-5" is not a whole number`},
		{"/a/{zipf:0:10}", 9, "zipf: exponent s is 0, want 0 < s <= 100"},
		{"/a/{zipf:1:0}", 9, "zipf: n is 0, want 1 to 2^53"},
		{"/a/{uuid:v7}", 8, "uuid takes no arguments"},
		{"/a/{choice}", 10, "choice wants options, e.g. {choice:a|b|c}"},
		{"/a/{id:inr:1-5}", 7, `unknown kind "inr" (want int, zipf, uuid or choice)`},
		{"/a/{id}", 4, `unknown parameter "id" (bind it before use, e.g. {id:int:1-100})`},
		{"/a/{id}/{id:int:1-5}", 4, `unknown parameter "id" (bind it before use, e.g. {id:int:1-100})`},
		{"/a/{id:int:1-5}/{id:int:1-5}", 17, `parameter "id" is bound twice (repeat it as {id})`},
		{"/a/{9lives:int:1-5}", 4, `"9lives" is neither a kind (int, zipf, uuid or choice) nor a name (letters, digits and _)`},
		{"/a/{user-id:int:1-5}", 4, `"user-id" is neither a kind (int, zipf, uuid or choice) nor a name (letters, digits and _)`},
		{"/a/{key}", 4, "{key} is only available in a client class with a key distribution"},
		{"/a/{key:int:1-3}", 7, "{key} takes no arguments"},
	}
	for _, tc := range tests {
		_, err := load.ParseTemplate(tc.src)
		var te *load.TemplateError
		if !errors.As(err, &te) {
			t.Errorf("ParseTemplate(%q) = %v, want a *TemplateError", tc.src, err)
			continue
		}
		if te.Offset != tc.offset || te.Problem != tc.want || te.Template != tc.src {
			t.Errorf("ParseTemplate(%q): offset %d, %q; want offset %d, %q", tc.src, te.Offset, te.Problem, tc.offset, tc.want)
		}
		if !errors.Is(err, load.ErrTemplate) {
			t.Errorf("ParseTemplate(%q): %v does not wrap ErrTemplate", tc.src, err)
		}
	}
	_, err := load.ParseTemplate("/x/{id}")
	if want := `load: invalid template: "/x/{id}" at offset 4: unknown parameter "id" (bind it before use, e.g. {id:int:1-100})`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if _, err := load.ParseTemplate(strings.Repeat("a", 1<<16+1)); err == nil {
		t.Errorf("a 64 KiB + 1 template parsed")
	}
}
