package load

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Template is text with random parameters, for request paths, headers,
// bodies and credentials. Parameters are written in braces:
//
//	{int:1-1000}          a uniform integer in [1, 1000] (negative bounds allowed)
//	{zipf:1.1:10000}      a Zipf rank in [1, 10000] with exponent 1.1
//	{uuid}                a random version 4 UUID
//	{choice:a|b|c}        one of the options, uniformly
//	{id:int:1-1000}       the same, bound to the name id ...
//	{id}                  ... and repeated: the value id took in this request
//	{key}                 the request's routing key (classes with a key distribution)
//
// Names are letters, digits and underscores, not starting with a digit,
// and cannot be a kind. A literal brace is doubled: {{ and }} (so JSON
// bodies read {{"id": {id:int:1-9}}}). Expansion is deterministic given
// the random source, and a template without parameters never draws.
//
// A Template is immutable and safe for concurrent use.
type Template struct {
	src    string
	parts  []part
	lit    string // the whole text when static
	static bool
	slots  int // bound names, for standalone expansion
}

type partKind uint8

const (
	partLit partKind = iota
	partInt
	partZipf
	partUUID
	partChoice
	partKey
)

// kinds are the parameter kinds, in the order error messages list them.
var kindNames = [...]string{partInt: "int", partZipf: "zipf", partUUID: "uuid", partChoice: "choice"}

func kindOf(s string) (partKind, bool) {
	for k, n := range kindNames {
		if n != "" && n == s {
			return partKind(k), true
		}
	}
	return 0, false
}

// part is one literal run or one parameter.
type part struct {
	kind    partKind
	lit     string
	lo      uint64 // int: the low bound's bits
	span    uint64 // int: hi-lo+1; 0 is the whole 64-bit range
	zipf    *Zipf
	choices []string
	bind    int // slot the drawn value is stored in, or -1
	ref     int // slot to read instead of drawing, or -1
}

// value is one drawn parameter, kept so a name can repeat it.
type value struct{ a, b uint64 }

// TemplateError is a template that does not parse: where and why.
type TemplateError struct {
	// Template is the source text.
	Template string
	// Offset is the byte offset of the problem in Template.
	Offset int
	// Problem says what is wrong and, where it can, how to write it.
	Problem string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("%v: %q at offset %d: %s", ErrTemplate, e.Template, e.Offset, e.Problem)
}

// Unwrap makes errors.Is(err, ErrTemplate) hold.
func (e *TemplateError) Unwrap() error { return ErrTemplate }

// scope maps names to value slots across the templates of one request, so
// a name bound in the path can be repeated in a header or the body.
type scope struct {
	names map[string]int // name -> slot
	kinds map[string]part
	slots int
	key   bool // {key} is available
}

func newScope(key bool) *scope {
	return &scope{names: map[string]int{}, kinds: map[string]part{}, key: key}
}

// child starts a scope that sees every name bound in s so far.
func (s *scope) child() *scope {
	c := newScope(s.key)
	for n, v := range s.names {
		c.names[n] = v
		c.kinds[n] = s.kinds[n]
	}
	c.slots = s.slots
	return c
}

// maxTemplateLen bounds a template's source.
const maxTemplateLen = 1 << 16

// ParseTemplate parses a standalone template; {key} is not available.
func ParseTemplate(src string) (*Template, error) {
	sc := newScope(false)
	t, err := compile(src, sc)
	if err != nil {
		return nil, err
	}
	t.slots = sc.slots
	return t, nil
}

func compile(src string, sc *scope) (*Template, error) {
	t := &Template{src: src}
	fail := func(off int, format string, args ...any) (*Template, error) {
		return nil, &TemplateError{Template: src, Offset: off, Problem: fmt.Sprintf(format, args...)}
	}
	if len(src) > maxTemplateLen {
		return fail(maxTemplateLen, "longer than %d bytes", maxTemplateLen)
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{kind: partLit, lit: lit.String(), bind: -1, ref: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == '{' && i+1 < len(src) && src[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(src) && src[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return fail(i, "unmatched '}' (write '}}' for a literal brace)")
		case c == '{':
			j := strings.IndexAny(src[i+1:], "{}")
			if j < 0 || src[i+1+j] == '{' {
				return fail(i, "unclosed '{' (write '{{' for a literal brace)")
			}
			p, off, problem := parseParam(src[i+1:i+1+j], sc)
			if problem != "" {
				return fail(i+1+off, "%s", problem)
			}
			flush()
			t.parts = append(t.parts, p)
			i += j + 2
		default:
			j := strings.IndexAny(src[i:], "{}")
			if j < 0 {
				j = len(src) - i
			}
			lit.WriteString(src[i : i+j])
			i += j
		}
	}
	flush()
	switch len(t.parts) {
	case 0:
		t.static = true
	case 1:
		if t.parts[0].kind == partLit {
			t.static, t.lit = true, t.parts[0].lit
		}
	}
	return t, nil
}

// parseParam reads the inside of one {...}. On failure it returns the
// offset of the problem within body and a description.
func parseParam(body string, sc *scope) (part, int, string) {
	p := part{bind: -1, ref: -1}
	if body == "" {
		return p, 0, "empty parameter {} (want e.g. {int:1-100}; write {{}} for literal braces)"
	}
	head, rest, hasRest := strings.Cut(body, ":")
	if k, ok := kindOf(head); ok {
		return parseKind(p, k, rest, hasRest, len(head)+1)
	}
	if head == "key" {
		if hasRest {
			return p, len(head), "{key} takes no arguments"
		}
		if !sc.key {
			return p, 0, "{key} is only available in a client class with a key distribution"
		}
		p.kind = partKey
		return p, 0, ""
	}
	if !isName(head) {
		return p, 0, fmt.Sprintf("%q is neither a kind (%s) nor a name (letters, digits and _)", head, kindList())
	}
	if !hasRest {
		slot, ok := sc.names[head]
		if !ok {
			return p, 0, fmt.Sprintf("unknown parameter %q (bind it before use, e.g. {%s:int:1-100})", head, head)
		}
		p = sc.kinds[head]
		p.bind, p.ref = -1, slot
		return p, 0, ""
	}
	if _, dup := sc.names[head]; dup {
		return p, 0, fmt.Sprintf("parameter %q is bound twice (repeat it as {%s})", head, head)
	}
	kindText, args, hasArgs := strings.Cut(rest, ":")
	k, ok := kindOf(kindText)
	if !ok {
		return p, len(head) + 1, fmt.Sprintf("unknown kind %q (want %s)", kindText, kindList())
	}
	p, off, problem := parseKind(p, k, args, hasArgs, len(head)+1+len(kindText)+1)
	if problem != "" {
		return p, off, problem
	}
	p.bind = sc.slots
	sc.names[head] = sc.slots
	sc.kinds[head] = p
	sc.slots++
	return p, 0, ""
}

// parseKind reads a kind's arguments, which start at offset off.
func parseKind(p part, k partKind, args string, hasArgs bool, off int) (part, int, string) {
	p.kind = k
	if !hasArgs {
		off-- // point at the closing brace where the arguments belong
	}
	switch k {
	case partInt:
		lo, hi, ok := parseRange(args)
		if !hasArgs || !ok {
			return p, off, fmt.Sprintf("int wants a range lo-hi, e.g. {int:1-100}, got %q", args)
		}
		if lo > hi {
			return p, off, fmt.Sprintf("int range %d-%d is empty (want lo <= hi)", lo, hi)
		}
		p.lo, p.span = uint64(lo), uint64(hi)-uint64(lo)+1
	case partZipf:
		sText, nText, ok := strings.Cut(args, ":")
		if !hasArgs || !ok {
			return p, off, fmt.Sprintf("zipf wants an exponent and a count, e.g. {zipf:1.1:10000}, got %q", args)
		}
		s, err := strconv.ParseFloat(sText, 64)
		if err != nil {
			return p, off, fmt.Sprintf("zipf exponent %q is not a number", sText)
		}
		n, err := strconv.ParseUint(nText, 10, 64)
		if err != nil {
			return p, off + len(sText) + 1, fmt.Sprintf("zipf count %q is not a whole number", nText)
		}
		z, err := NewZipf(s, n)
		if err != nil {
			return p, off, strings.TrimPrefix(err.Error(), ErrZipf.Error()+": ")
		}
		p.zipf = z
	case partUUID:
		if hasArgs {
			return p, off - 1, "uuid takes no arguments"
		}
	case partChoice:
		if !hasArgs {
			return p, off, "choice wants options, e.g. {choice:a|b|c}"
		}
		p.choices = strings.Split(args, "|")
	}
	return p, 0, ""
}

// parseRange reads "lo-hi", either bound possibly negative.
func parseRange(s string) (lo, hi int64, ok bool) {
	if len(s) < 3 {
		return 0, 0, false
	}
	i := strings.IndexByte(s[1:], '-')
	if i < 0 {
		return 0, 0, false
	}
	i++
	lo, err1 := strconv.ParseInt(s[:i], 10, 64)
	hi, err2 := strconv.ParseInt(s[i+1:], 10, 64)
	return lo, hi, err1 == nil && err2 == nil
}

func isName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func kindList() string { return "int, zipf, uuid or choice" }

// maxSlots is how many names a standalone Append keeps on the stack.
const maxSlots = 16

// Append expands the template onto dst with randomness from r. A
// standalone template binding more than 16 names allocates once per call.
func (t *Template) Append(dst []byte, r *rand.Rand) []byte {
	if t.static {
		return append(dst, t.lit...)
	}
	var buf [maxSlots]value
	vals := buf[:]
	if t.slots > maxSlots {
		vals = make([]value, t.slots)
	}
	return t.expand(dst, r, vals, 0)
}

// expand appends the expansion, storing bound values in vals and reading
// repeated ones from it.
func (t *Template) expand(dst []byte, r *rand.Rand, vals []value, key uint64) []byte {
	if t.static {
		return append(dst, t.lit...)
	}
	for i := range t.parts {
		p := &t.parts[i]
		if p.kind == partLit {
			dst = append(dst, p.lit...)
			continue
		}
		var v value
		if p.ref >= 0 {
			v = vals[p.ref]
		} else {
			v = p.draw(r, key)
			if p.bind >= 0 {
				vals[p.bind] = v
			}
		}
		dst = p.render(dst, v)
	}
	return dst
}

func (p *part) draw(r *rand.Rand, key uint64) value {
	switch p.kind {
	case partInt:
		if p.span == 0 {
			return value{a: r.Uint64()}
		}
		return value{a: p.lo + r.Uint64N(p.span)}
	case partZipf:
		return value{a: p.zipf.Sample(r)}
	case partUUID:
		return value{a: r.Uint64(), b: r.Uint64()}
	case partChoice:
		return value{a: r.Uint64N(uint64(len(p.choices)))}
	case partKey:
		return value{a: key}
	}
	return value{}
}

func (p *part) render(dst []byte, v value) []byte {
	switch p.kind {
	case partInt:
		return strconv.AppendInt(dst, int64(v.a), 10)
	case partZipf, partKey:
		return strconv.AppendUint(dst, v.a, 10)
	case partUUID:
		return appendUUID(dst, v.a, v.b)
	case partChoice:
		return append(dst, p.choices[v.a]...)
	}
	return dst
}

// appendUUID formats 128 random bits as an RFC 9562 version 4 UUID.
func appendUUID(dst []byte, a, b uint64) []byte {
	const hex = "0123456789abcdef"
	a = a&^(0xf<<12) | 0x4<<12 // version 4 in bits 48-51
	b = b&^(0x3<<62) | 0x2<<62 // variant 10
	var u [16]byte
	for i := range 8 {
		u[i] = byte(a >> (56 - 8*i))
		u[8+i] = byte(b >> (56 - 8*i))
	}
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[c>>4], hex[c&0xf])
	}
	return dst
}

// String is the template's source.
func (t *Template) String() string { return t.src }

// Static reports whether the template has no parameters, and if so its
// text (with doubled braces undone).
func (t *Template) Static() (string, bool) { return t.lit, t.static }

// literals reports whether any literal part of t satisfies f.
func (t *Template) literals(f func(string) bool) bool {
	for _, p := range t.parts {
		if p.kind == partLit && f(p.lit) {
			return true
		}
		if p.kind == partChoice {
			for _, c := range p.choices {
				if f(c) {
					return true
				}
			}
		}
	}
	return false
}
