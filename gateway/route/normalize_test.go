package route

import (
	"errors"
	"path"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{in: "/", want: "/"},
		{in: "/a/b", want: "/a/b"},
		{in: "/a/b/", want: "/a/b/"},
		{in: "/a//b", want: "/a/b"},
		{in: "//x", want: "/x"},
		{in: "///", want: "/"},
		{in: "/a//", want: "/a/"},
		{in: "/a/../../etc/passwd", want: "/etc/passwd"},
		{in: "/../../../etc/passwd", want: "/etc/passwd"},
		{in: "/a/%2e%2e/b", want: "/b"},
		{in: "/%2e%2E/", want: "/"},
		{in: "/%2E%2E/%2e%2e/x", want: "/x"},
		{in: "/a/.%2e/b", want: "/b"},
		{in: "/.%2e/.%2E/secret", want: "/secret"},
		{in: "/%2e", want: "/"},
		{in: "/a/./b", want: "/a/b"},
		{in: "/./a", want: "/a"},
		{in: "/a/.", want: "/a/"},
		{in: "/a/..", want: "/"},
		{in: "/a/b/..", want: "/a/"},
		{in: "/a/b/../../..", want: "/"},
		{in: "/a/./../b", want: "/b"},
		{in: "/a//../b", want: "/b"},
		{in: "/..", want: "/"},
		{in: "/.", want: "/"},
		{in: "/...", want: "/..."},
		{in: "/..a/b..", want: "/..a/b.."},
		{in: "/a/..b/c", want: "/a/..b/c"},
		{in: "/%41%62c", want: "/Abc"},
		{in: "/%7euser", want: "/~user"},
		{in: "/a%2Db%5Fc", want: "/a-b_c"},
		{in: "/a%3ab", want: "/a%3Ab"},
		{in: "/a%3Ab", want: "/a%3Ab"},
		{in: "/a%20b", want: "/a%20b"},
		{in: "/a b", want: "/a%20b"},
		{in: "/a{b}|c", want: "/a%7Bb%7D%7Cc"},
		{in: "/\xc3\xa9t\xc3\xa9", want: "/%C3%A9t%C3%A9"},
		{in: "/a%252Fb", want: "/a%252Fb"},
		{in: "/a%25", want: "/a%25"},
		{in: "/a;b=c/d:e@f!$&'()*+,", want: "/a;b=c/d:e@f!$&'()*+,"},
		{in: "/a%3F%23", want: "/a%3F%23"},
		{in: "/a%0a", want: "/a%0A"},

		{in: "", err: ErrNotAbsolute},
		{in: "a/b", err: ErrNotAbsolute},
		{in: "*", err: ErrNotAbsolute},
		{in: "%2F", err: ErrNotAbsolute},
		{in: "/a%2fb", err: ErrEncodedSlash},
		{in: "/a%2Fb", err: ErrEncodedSlash},
		{in: "/a%5cb", err: ErrEncodedSlash},
		{in: "/a%5C..%5C..%5Cwin.ini", err: ErrEncodedSlash},
		{in: "/a/%2e%2e%2f", err: ErrEncodedSlash},
		{in: "/a\\b", err: ErrBackslash},
		{in: "/..\\..\\x", err: ErrBackslash},
		{in: "/a%00", err: ErrNUL},
		{in: "/a\x00b", err: ErrNUL},
		{in: "/a\tb", err: ErrControl},
		{in: "/a\r\nb", err: ErrControl},
		{in: "/a\x7f", err: ErrControl},
		{in: "/a%", err: ErrBadEscape},
		{in: "/a%4", err: ErrBadEscape},
		{in: "/a%zz", err: ErrBadEscape},
		{in: "/a%g1", err: ErrBadEscape},
		{in: "/a%%41", err: ErrBadEscape},
		{in: "/a#frag", err: ErrFragment},
		{in: "/a%23ok#", err: ErrFragment},
		{in: "/a?b=1", err: ErrQueryInPath},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || !errors.Is(err, ErrBadPath) {
				t.Errorf("Normalize(%q) = %q, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeErrorMessage(t *testing.T) {
	_, err := Normalize("/a%2fb")
	if got, want := err.Error(), "route: bad request path: encoded slash or backslash at byte 2"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNormalizeCleanDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are unreliable under the race detector")
	}
	for _, p := range []string{"/", "/api/v1/users/42", "/a/b/", "/a%20b/c%3A"} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := Normalize(p); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Normalize(%q): got %v allocs, want 0", p, allocs)
		}
	}
}

// checkCanonical asserts the properties every Normalize result has.
func checkCanonical(t *testing.T, in, out string) {
	t.Helper()
	if !strings.HasPrefix(out, "/") {
		t.Fatalf("Normalize(%q) = %q: does not start with /", in, out)
	}
	if strings.Contains(out, "//") {
		t.Fatalf("Normalize(%q) = %q: has an empty segment", in, out)
	}
	for _, seg := range strings.Split(out[1:], "/") {
		if seg == "." || seg == ".." {
			t.Fatalf("Normalize(%q) = %q: has a dot segment", in, out)
		}
	}
	// Nothing can climb above the root once the path is clean.
	if c := path.Clean(out); c != strings.TrimSuffix(out, "/") && c != out {
		t.Fatalf("Normalize(%q) = %q: path.Clean gives %q", in, out, c)
	}
	for i := 0; i < len(out); i++ {
		c := out[i]
		if c == '%' {
			if i+2 >= len(out) || unhex(out[i+1]) < 0 || unhex(out[i+2]) < 0 ||
				isLowerHex(out[i+1]) || isLowerHex(out[i+2]) {
				t.Fatalf("Normalize(%q) = %q: bad escape at %d", in, out, i)
			}
			b := byte(unhex(out[i+1])<<4 | unhex(out[i+2]))
			if unreserved(b) || b == '/' || b == '\\' || b == 0 {
				t.Fatalf("Normalize(%q) = %q: escape of %q at %d", in, out, b, i)
			}
			i += 2
			continue
		}
		if c != '/' && !rawPathChar(c) {
			t.Fatalf("Normalize(%q) = %q: raw byte %q at %d", in, out, c, i)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"/", "/a/../../etc/passwd", "/a//b", "/a/%2e%2e/b", "/%2e%2E/", "//x", "/a%2fb",
		"/a%5c", "/a\\b", "/a%00", "/a#f", "/a?q", "a", "/%41", "/a b/\xff", "/.%2e/", "/a/b/..",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Normalize(in)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("Normalize(%q): error %v does not wrap ErrBadPath", in, err)
			}
			return
		}
		checkCanonical(t, in, out)
		again, err := Normalize(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: Normalize(%q) = %q, Normalize(%q) = %q, %v", in, out, out, again, err)
		}
		// For plain input, the result is path.Clean keeping a trailing slash.
		plain := true
		for i := 0; i < len(in); i++ {
			plain = plain && (in[i] == '/' || rawPathChar(in[i]))
		}
		if plain {
			want := path.Clean(in)
			if want != "/" && (strings.HasSuffix(in, "/") || strings.HasSuffix(in, "/.") || strings.HasSuffix(in, "/..")) {
				want += "/"
			}
			if out != want {
				t.Fatalf("Normalize(%q) = %q, want %q", in, out, want)
			}
		}
	})
}
