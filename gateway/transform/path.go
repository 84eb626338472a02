package transform

import (
	"fmt"
	"strings"
)

// maxPathSegments bounds a path's depth: a configured path is written by a
// person, and a bound keeps a typo from turning into deep recursion.
const maxPathSegments = 64

// path is a parsed dotted path: the keys (or array indices) from the root.
// It is never empty.
type path []string

// PathError describes why a path string does not parse.
type PathError struct {
	Path   string
	Offset int // byte offset of the problem in Path
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("path %q: %s at byte %d", e.Path, e.Reason, e.Offset)
}

// parsePath splits s at unescaped dots. "\." is a literal dot and "\\" a
// literal backslash; any other escape, an empty segment (leading, trailing
// or doubled dot) and an empty path are errors, so every path names exactly
// one location and String round-trips it.
func parsePath(s string) (path, error) {
	if s == "" {
		return nil, &PathError{Path: s, Reason: "empty path"}
	}
	var (
		p       path
		seg     strings.Builder
		escaped bool // seg needed unescaping, so seg holds it
		start   = 0
	)
	flush := func(end int) error {
		if end == start && !escaped {
			return &PathError{Path: s, Offset: end, Reason: "empty segment"}
		}
		if len(p) == maxPathSegments {
			return &PathError{Path: s, Offset: start, Reason: fmt.Sprintf("more than %d segments", maxPathSegments)}
		}
		if escaped {
			p = append(p, seg.String())
			seg.Reset()
			escaped = false
		} else {
			p = append(p, s[start:end])
		}
		return nil
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			if err := flush(i); err != nil {
				return nil, err
			}
			start = i + 1
		case '\\':
			if i+1 == len(s) || (s[i+1] != '.' && s[i+1] != '\\') {
				return nil, &PathError{Path: s, Offset: i, Reason: `bad escape (only \. and \\)`}
			}
			if !escaped {
				seg.WriteString(s[start:i])
				escaped = true
			}
			seg.WriteByte(s[i+1])
			i++
		default:
			if escaped {
				seg.WriteByte(s[i])
			}
		}
	}
	if err := flush(len(s)); err != nil {
		return nil, err
	}
	return p, nil
}

// String formats p so that parsePath(p.String()) equals p.
func (p path) String() string {
	var b strings.Builder
	for i, seg := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		for j := 0; j < len(seg); j++ {
			if c := seg[j]; c == '.' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(seg[j])
		}
	}
	return b.String()
}

// hasPrefix reports whether q is p or lies inside it.
func (p path) hasPrefix(q path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// index reads seg as an array index: decimal digits, no sign, no leading
// zero (so "01" stays a key and one location has one spelling). Indices
// past maxIndex are not indices: no array gets that long in a body.
func index(seg string) (int, bool) {
	const maxIndex = 1 << 30
	if seg == "" || len(seg) > 10 || (len(seg) > 1 && seg[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > maxIndex {
		return 0, false
	}
	return n, true
}
