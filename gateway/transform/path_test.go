package transform

import (
	"slices"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "a", want: []string{"a"}},
		{in: "a.b.c", want: []string{"a", "b", "c"}},
		{in: "items.0.id", want: []string{"items", "0", "id"}},
		{in: `a\.b.c`, want: []string{"a.b", "c"}},
		{in: `a\\.b`, want: []string{`a\`, "b"}},
		{in: `\.`, want: []string{"."}},
		{in: `x\.\.y`, want: []string{"x..y"}},
		{in: "ünï.çødé", want: []string{"ünï", "çødé"}},
		{in: "", wantErr: `path "": empty path at byte 0`},
		{in: ".a", wantErr: `path ".a": empty segment at byte 0`},
		{in: "a.", wantErr: `path "a.": empty segment at byte 2`},
		{in: "a..b", wantErr: `path "a..b": empty segment at byte 2`},
		{in: `a\`, wantErr: `path "a\\": bad escape (only \. and \\) at byte 1`},
		{in: `a\b`, wantErr: `path "a\\b": bad escape (only \. and \\) at byte 1`},
		{in: strings.Repeat("a.", 64) + "a", wantErr: "more than 64 segments at byte 128"},
	} {
		got, err := parsePath(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parsePath(%q): got %v, %v; want error %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parsePath(%q): got %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		if s := got.String(); s != tc.in {
			t.Errorf("parsePath(%q).String(): got %q, want the input back", tc.in, s)
		}
	}
}

func TestPathStringEscapes(t *testing.T) {
	p := path{"a.b", `c\`, "d"}
	if got, want := p.String(), `a\.b.c\\.d`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIndex(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"7", 7, true}, {"42", 42, true}, {"1073741824", 1 << 30, true},
		{"", 0, false}, {"01", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1a", 0, false},
		{"1073741825", 0, false}, {"99999999999", 0, false},
	} {
		got, ok := index(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("index(%q): got %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
