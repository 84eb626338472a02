package route

import (
	"errors"
	"fmt"
	"strings"
)

// segKind is the kind of one template segment, in precedence order.
type segKind uint8

const (
	segStatic segKind = iota
	segParam
	segRest
)

type tseg struct {
	kind segKind
	text string // the literal, or the wildcard name
}

// template is a parsed Go 1.22 ServeMux-style path template.
type template struct {
	segs  []tseg
	names []string // wildcard names in order; capture i is names[i]
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (i > 0 && '0' <= c && c <= '9') {
			continue
		}
		return false
	}
	return true
}

func parseTemplate(s string) (template, error) {
	var t template
	if !strings.HasPrefix(s, "/") {
		return t, fmt.Errorf("%q must start with /", s)
	}
	parts := strings.Split(s[1:], "/")
	skel := make([]string, len(parts))
	for i, p := range parts {
		skel[i] = p
		if !strings.HasPrefix(p, "{") {
			if strings.ContainsAny(p, "{}") {
				return t, fmt.Errorf("%q: a wildcard must be a whole segment", s)
			}
			t.segs = append(t.segs, tseg{segStatic, p})
			continue
		}
		if !strings.HasSuffix(p, "}") {
			return t, fmt.Errorf("%q: a wildcard must be a whole segment", s)
		}
		name, kind := p[1:len(p)-1], segParam
		if n, ok := strings.CutSuffix(name, "..."); ok {
			if i != len(parts)-1 {
				return t, fmt.Errorf("%q: {%s} must be the last segment", s, name)
			}
			name, kind = n, segRest
		}
		if !validName(name) {
			return t, fmt.Errorf("%q: %q is not a wildcard name", s, name)
		}
		for _, n := range t.names {
			if n == name {
				return t, fmt.Errorf("%q: wildcard {%s} appears twice", s, name)
			}
		}
		t.names = append(t.names, name)
		t.segs = append(t.segs, tseg{kind, name})
		skel[i] = "x"
	}
	if len(t.names) > MaxParams {
		return t, fmt.Errorf("%q has more than %d wildcards", s, MaxParams)
	}
	if sk := "/" + strings.Join(skel, "/"); mustBeNormal(sk) != nil {
		return t, fmt.Errorf("%q: %w", s, mustBeNormal(sk))
	}
	return t, nil
}

// mustBeNormal checks that the literal text of a path-like value is
// already canonical.
func mustBeNormal(p string) error {
	n, err := Normalize(p)
	if err != nil {
		return err
	}
	if n != p {
		return fmt.Errorf("literal text is not normalised (as a path it would be %q)", n)
	}
	return nil
}

// shape is the template with wildcard names erased, so templates that
// match the same paths compare equal.
func (t template) shape() string {
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteByte('/')
		switch s.kind {
		case segStatic:
			b.WriteString(s.text)
		case segParam:
			b.WriteString("{}")
		default:
			b.WriteString("{...}")
		}
	}
	return b.String()
}

// piece is one part of a rewrite template: literal text, or capture param
// when param >= 0.
type piece struct {
	lit   string
	param int
}

// parseRewrite parses a rewrite template over the wildcards of t. Unlike a
// match template, a wildcard may stand inside a segment ("/v{version}").
func parseRewrite(s string, t template) ([]piece, error) {
	var ps []piece
	skel := ""
	rest := s
	for rest != "" {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			ps = append(ps, piece{lit: rest, param: -1})
			skel += rest
			break
		}
		if rest[i] == '}' {
			return nil, fmt.Errorf("%q: unmatched }", s)
		}
		if i > 0 {
			ps = append(ps, piece{lit: rest[:i], param: -1})
			skel += rest[:i]
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("%q: unclosed {", s)
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		idx := -1
		for k, n := range t.names {
			if n == name {
				idx = k
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("%q: {%s} is not a wildcard of the template", s, name)
		}
		ps = append(ps, piece{param: idx})
		skel += "x"
		rest = rest[i+j+1:]
	}
	if err := mustBeNormal(skel); err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return ps, nil
}

var errRewrite = errors.New("route: rewrite produced an invalid path")

// expand fills the rewrite pieces with the captures and normalises the
// result (an empty {rest...} can leave "//").
func expand(ps []piece, caps *[MaxParams]string) (string, error) {
	n := 0
	for _, p := range ps {
		if p.param >= 0 {
			n += len(caps[p.param])
		} else {
			n += len(p.lit)
		}
	}
	b := make([]byte, 0, n)
	for _, p := range ps {
		if p.param >= 0 {
			b = append(b, caps[p.param]...)
		} else {
			b = append(b, p.lit...)
		}
	}
	out, err := Normalize(string(b))
	if err != nil {
		return "", fmt.Errorf("%w: %w", errRewrite, err)
	}
	return out, nil
}
