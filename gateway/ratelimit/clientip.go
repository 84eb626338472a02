package ratelimit

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Forwarding headers a ClientIP can read.
const (
	HeaderXForwardedFor = "X-Forwarded-For"
	// HeaderForwarded is RFC 7239's Forwarded, read through its for=
	// parameters.
	HeaderForwarded = "Forwarded"
)

// maxHops is how many hops, counted from the right, a forwarding header is
// walked; a chain of more trusted proxies than this is treated as malformed.
const maxHops = 32

// ClientIPOptions say how to find the client address behind proxies.
type ClientIPOptions struct {
	// TrustedProxies are the CIDRs (or single addresses) of proxies whose
	// forwarding headers are believed. Empty means no header is ever
	// read: the socket peer is the client.
	TrustedProxies []string `json:"trusted_proxies,omitempty" yaml:"trusted_proxies,omitempty"`
	// Header is X-Forwarded-For (the default) or Forwarded.
	Header string `json:"header,omitempty" yaml:"header,omitempty"`
	// Depth, when positive, takes the Depth-th address from the right of
	// the header instead of walking past trusted hops (Traefik's
	// ipStrategy.depth): right when exactly Depth-1 proxies sit behind the
	// trusted peer whatever their addresses. The header is still read only
	// from a trusted peer.
	Depth int `json:"depth,omitempty" yaml:"depth,omitempty"`
	// IPv6Prefix, when in 1..127, keys IPv6 clients by their /IPv6Prefix
	// network (64 is usual: one subscriber gets a whole /64, so a per-address
	// key is trivially evaded). 0 keys the full address.
	IPv6Prefix int `json:"ipv6_prefix,omitempty" yaml:"ipv6_prefix,omitempty"`
}

// Validate reports the first wrong field as a *FieldError.
func (o ClientIPOptions) Validate() error {
	for i, p := range o.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			return fieldErr(fmt.Sprintf("trusted_proxies[%d]", i), err.Error())
		}
	}
	switch http.CanonicalHeaderKey(o.Header) {
	case "", HeaderXForwardedFor, HeaderForwarded:
	default:
		return fieldErr("header", fmt.Sprintf("%q: want X-Forwarded-For or Forwarded", o.Header))
	}
	if o.Depth < 0 || o.Depth > maxHops {
		return fieldErr("depth", fmt.Sprintf("must be in 0..%d", maxHops))
	}
	if o.Depth > 0 && len(o.TrustedProxies) == 0 {
		return fieldErr("depth", "needs trusted_proxies: the header is read only from a trusted peer")
	}
	if o.IPv6Prefix < 0 || o.IPv6Prefix > 128 {
		return fieldErr("ipv6_prefix", "must be in 0..128")
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not a CIDR: %q", s)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address or CIDR: %q", s)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ClientIP finds the client address of a request: the socket peer, or, only
// when the peer is a trusted proxy, an address from the forwarding header.
// The header is walked from the right (the hop the trusted peer appended
// first), skipping trusted hops; the first untrusted address is the client.
// A hop that is not an address (malformed, "unknown", obfuscated) ends the
// walk at the peer: an untrusted or unreadable hop never decides the
// client. If every hop is trusted, the leftmost is the client.
type ClientIP struct {
	trusted   []netip.Prefix
	header    string
	forwarded bool
	depth     int
	v6bits    int
}

// NewClientIP builds a ClientIP from o.
func NewClientIP(o ClientIPOptions) (*ClientIP, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c := &ClientIP{header: HeaderXForwardedFor, depth: o.Depth, v6bits: 128}
	if http.CanonicalHeaderKey(o.Header) == HeaderForwarded {
		c.header, c.forwarded = HeaderForwarded, true
	}
	if o.IPv6Prefix > 0 {
		c.v6bits = o.IPv6Prefix
	}
	for _, s := range o.TrustedProxies {
		p, _ := parsePrefix(s)
		c.trusted = append(c.trusted, p)
	}
	return c, nil
}

// Trusted reports whether a is a trusted proxy.
func (c *ClientIP) Trusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the client address for a request from peer (a RemoteAddr,
// "ip:port" or a bare address) with headers h. ok is false when peer is not
// an address (a virtual engine may name peers); then no header is read.
func (c *ClientIP) Addr(peer string, h http.Header) (addr netip.Addr, ok bool) {
	a, _, ok := c.resolve(peer, h)
	return a, ok
}

// Key returns the client's rate-limit key: the canonical text of its address
// (or network, with IPv6Prefix), or peer itself when peer is not an address.
// When the canonical text equals the text received it is returned without
// allocating.
func (c *ClientIP) Key(peer string, h http.Header) string {
	a, text, ok := c.resolve(peer, h)
	if !ok {
		return peer
	}
	return c.keyText(a, text)
}

func (c *ClientIP) keyText(a netip.Addr, text string) string {
	if a.Is6() && c.v6bits < 128 {
		p, _ := a.Prefix(c.v6bits)
		a = p.Addr()
	}
	var buf [64]byte
	b := a.AppendTo(buf[:0])
	if string(b) == text {
		return text
	}
	return string(b)
}

// resolve returns the client address and the text it was read from (the
// host part, for reuse as the key).
func (c *ClientIP) resolve(peer string, h http.Header) (netip.Addr, string, bool) {
	pa, ptext, ok := parseHop(peer)
	if !ok {
		return netip.Addr{}, "", false
	}
	if len(c.trusted) == 0 || !c.Trusted(pa) {
		return pa, ptext, true
	}
	lines := h[c.header]
	if len(lines) == 0 {
		return pa, ptext, true
	}
	var hops [maxHops]string
	var n int
	var complete bool
	if c.forwarded {
		n, complete, ok = forwardedHops(lines, &hops)
	} else {
		n, complete, ok = xffHops(lines, &hops)
	}
	if !ok {
		return pa, ptext, true
	}
	if c.depth > 0 {
		if c.depth > n {
			return pa, ptext, true
		}
		for i := range c.depth {
			if _, _, ok := parseHop(hops[i]); !ok {
				return pa, ptext, true
			}
		}
		a, text, _ := parseHop(hops[c.depth-1])
		return a, text, true
	}
	var last netip.Addr
	var lastText string
	for i := range n {
		a, text, ok := parseHop(hops[i])
		if !ok {
			return pa, ptext, true
		}
		if !c.Trusted(a) {
			return a, text, true
		}
		last, lastText = a, text
	}
	if !complete {
		// More trusted hops than we walk: refuse to guess.
		return pa, ptext, true
	}
	return last, lastText, true
}

// xffHops collects X-Forwarded-For hops rightmost first, across header lines
// (later lines are further right). complete is false when more than maxHops
// exist. An empty element is collected as "", which fails to parse if the
// walk reaches it; beyond the client it is never looked at.
func xffHops(lines []string, hops *[maxHops]string) (n int, complete, ok bool) {
	for li := len(lines) - 1; li >= 0; li-- {
		s := lines[li]
		for {
			if n == maxHops {
				return n, false, true
			}
			i := strings.LastIndexByte(s, ',')
			hops[n] = strings.TrimSpace(s[i+1:])
			n++
			if i < 0 {
				break
			}
			s = s[:i]
		}
	}
	return n, true, true
}

// forwardedHops collects the for= values of RFC 7239 Forwarded elements,
// rightmost first. It scans left to right (quoted strings may hold commas)
// keeping the last maxHops in a ring. An element without exactly one for=,
// or any syntax error, makes ok false.
func forwardedHops(lines []string, hops *[maxHops]string) (n int, complete, ok bool) {
	var ring [maxHops]string
	total := 0
	for _, s := range lines {
		i := 0
		for {
			v, next, ok := forwardedElement(s, i)
			if !ok {
				return 0, false, false
			}
			ring[total%maxHops] = v
			total++
			if next >= len(s) {
				break
			}
			i = next
		}
	}
	n = min(total, maxHops)
	for k := range n {
		hops[k] = ring[(total-1-k)%maxHops]
	}
	return n, total <= maxHops, true
}

// forwardedElement parses the element starting at s[i:] and returns its for=
// value (unquoted) and the index after its terminating comma (len(s) at the
// end).
func forwardedElement(s string, i int) (forValue string, next int, ok bool) {
	found := false
	for {
		i = skipOWS(s, i)
		// token
		j := i
		for j < len(s) && isTokenChar(s[j]) {
			j++
		}
		if j == i || j >= len(s) || s[j] != '=' {
			return "", 0, false
		}
		name := s[i:j]
		j++
		var val string
		if j < len(s) && s[j] == '"' {
			k := j + 1
			for k < len(s) && s[k] != '"' {
				if s[k] == '\\' {
					// No address needs an escape; refuse rather than
					// allocate an unescaped copy.
					return "", 0, false
				}
				k++
			}
			if k >= len(s) {
				return "", 0, false
			}
			val, j = s[j+1:k], k+1
		} else {
			k := j
			for k < len(s) && isTokenChar(s[k]) {
				k++
			}
			if k == j {
				return "", 0, false
			}
			val, j = s[j:k], k
		}
		if strings.EqualFold(name, "for") {
			if found {
				return "", 0, false
			}
			forValue, found = val, true
		}
		j = skipOWS(s, j)
		switch {
		case j >= len(s):
			return forValue, len(s), found
		case s[j] == ';':
			i = j + 1
		case s[j] == ',':
			return forValue, j + 1, found
		default:
			return "", 0, false
		}
	}
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports RFC 9110 tchar.
func isTokenChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// parseHop reads one address as proxies write it: "192.0.2.1",
// "192.0.2.1:443", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:443".
// It returns the address (IPv4-mapped IPv6 unmapped, zone dropped, so one
// client has one key) and the host text it came from.
func parseHop(s string) (netip.Addr, string, bool) {
	s = strings.TrimSpace(s)
	host := s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, "", false
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" && !validPort(rest) {
			return netip.Addr{}, "", false
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return netip.Addr{}, "", false
		}
		return a.Unmap().WithZone(""), host, true
	}
	// One colon is IPv4 with a port (IPv6 with a port must be
	// bracketed). Deciding before parsing keeps the common "ip:port" peer
	// off ParseAddr's error path, which allocates.
	i := strings.IndexByte(s, ':')
	if i < 0 || strings.IndexByte(s[i+1:], ':') >= 0 {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Addr{}, "", false
		}
		return a.Unmap().WithZone(""), host, true
	}
	if !validPort(s[i:]) {
		return netip.Addr{}, "", false
	}
	host = s[:i]
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		return netip.Addr{}, "", false
	}
	return a, host, true
}

// validPort reports whether s is ":" followed by 1-5 digits.
func validPort(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
