package route

import (
	"errors"
	"fmt"
)

// ErrBadPath is wrapped by every Normalize error; the gateway answers 400.
var ErrBadPath = errors.New("route: bad request path")

// The reasons Normalize rejects a path, each wrapping ErrBadPath.
var (
	ErrNotAbsolute  = fmt.Errorf("%w: does not start with /", ErrBadPath)
	ErrEncodedSlash = fmt.Errorf("%w: encoded slash or backslash", ErrBadPath)
	ErrBackslash    = fmt.Errorf("%w: backslash", ErrBadPath)
	ErrNUL          = fmt.Errorf("%w: NUL byte", ErrBadPath)
	ErrControl      = fmt.Errorf("%w: control character", ErrBadPath)
	ErrBadEscape    = fmt.Errorf("%w: invalid percent-encoding", ErrBadPath)
	ErrFragment     = fmt.Errorf("%w: fragment", ErrBadPath)
	ErrQueryInPath  = fmt.Errorf("%w: '?' in path (split the query off first)", ErrBadPath)
)

// Normalize returns the canonical form of an escaped request path (the
// request target before '?', or url.URL.EscapedPath), or an error wrapping
// ErrBadPath. See the package documentation for the exact rules. It is
// idempotent: Normalize of a result returns the result itself.
func Normalize(p string) (string, error) {
	if p == "" || p[0] != '/' {
		return "", ErrNotAbsolute
	}
	// First pass: reject, and find out whether anything must change, so a
	// canonical path (the common case) is returned without allocating.
	clean := true
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%':
			if i+2 >= len(p) || unhex(p[i+1]) < 0 || unhex(p[i+2]) < 0 {
				return "", fmt.Errorf("%w at byte %d", ErrBadEscape, i)
			}
			switch b := byte(unhex(p[i+1])<<4 | unhex(p[i+2])); {
			case b == '/' || b == '\\':
				return "", fmt.Errorf("%w at byte %d", ErrEncodedSlash, i)
			case b == 0:
				return "", fmt.Errorf("%w at byte %d", ErrNUL, i)
			case unreserved(b) || isLowerHex(p[i+1]) || isLowerHex(p[i+2]):
				clean = false
			}
			i += 2
		case '\\':
			return "", fmt.Errorf("%w at byte %d", ErrBackslash, i)
		case 0:
			return "", fmt.Errorf("%w at byte %d", ErrNUL, i)
		case '#':
			return "", fmt.Errorf("%w at byte %d", ErrFragment, i)
		case '?':
			return "", fmt.Errorf("%w at byte %d", ErrQueryInPath, i)
		case '/':
			if dotOrEmptySegment(p[i+1:]) {
				clean = false
			}
		default:
			if c < 0x20 || c == 0x7f {
				return "", fmt.Errorf("%w at byte %d", ErrControl, i)
			}
			if !rawPathChar(c) {
				clean = false
			}
		}
	}
	if clean {
		return p, nil
	}
	return build(p), nil
}

// dotOrEmptySegment reports whether the segment at the start of rest (up to
// the next '/') is "", "." or "..", except the empty last segment of a path
// ending in '/', which is kept.
func dotOrEmptySegment(rest string) bool {
	switch {
	case rest == "":
		return false
	case rest[0] == '/':
		return true
	case rest[0] != '.':
		return false
	case len(rest) == 1 || rest[1] == '/':
		return true
	default:
		return rest[1] == '.' && (len(rest) == 2 || rest[2] == '/')
	}
}

// build canonicalises p, which the first pass of Normalize has checked:
// segment by segment it decodes and encodes, then drops empty and "."
// segments and lets ".." remove the previous one (never above the root).
func build(p string) string {
	out := make([]byte, 0, len(p)+16)
	trailing := false
	for i := 1; i <= len(p); {
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		last := j == len(p)
		mark := len(out)
		out = append(out, '/')
		out = appendSegment(out, p[i:j])
		switch seg := out[mark+1:]; {
		case len(seg) == 0 || (len(seg) == 1 && seg[0] == '.'):
			out = out[:mark]
			trailing = last
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			out = out[:mark]
			for len(out) > 0 && out[len(out)-1] != '/' {
				out = out[:len(out)-1]
			}
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			trailing = false
		}
		i = j + 1
	}
	if len(out) == 0 || trailing {
		out = append(out, '/')
	}
	return string(out)
}

// appendSegment appends the canonical form of one segment: unreserved
// escapes decoded, other escapes with upper-case hex, and raw bytes that may
// not appear in a path encoded.
func appendSegment(out []byte, seg string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' {
			b := byte(unhex(seg[i+1])<<4 | unhex(seg[i+2]))
			i += 2
			if unreserved(b) {
				out = append(out, b)
				continue
			}
			c = b
		} else if rawPathChar(c) {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hex[c>>4], hex[c&15])
	}
	return out
}

// unreserved reports RFC 3986 unreserved characters, which are decoded.
func unreserved(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// rawPathChar reports the bytes a canonical path segment holds unescaped:
// RFC 3986 pchar without pct-encoded (unreserved, sub-delims, ':' and '@').
func rawPathChar(c byte) bool {
	if unreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@':
		return true
	}
	return false
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isLowerHex(c byte) bool { return 'a' <= c && c <= 'f' }
