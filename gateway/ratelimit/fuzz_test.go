package ratelimit

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"100/s", "5/min", "10000/day", "1/2s", "100/100ms", "x", "1/", "/s", "9223372036854775807/1ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		limit, window, err := ParseRate(s)
		if err != nil {
			return
		}
		if limit < 1 || window <= 0 {
			t.Fatalf("%q: accepted %d/%v", s, limit, window)
		}
	})
}

func FuzzParseKeySpec(f *testing.F) {
	for _, s := range []string{"consumer", "consumer+route", "header:X-Api-Key+ip", "header:", "++", "ip+ip"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := ParseKeySpec(s)
		if err != nil {
			return
		}
		// What parses re-parses to the same parts.
		var names []string
		for _, p := range parts {
			names = append(names, p.String())
		}
		again, err := ParseKeySpec(strings.Join(names, "+"))
		if err != nil || len(again) != len(parts) {
			t.Fatalf("%q: round trip %v, %v", s, again, err)
		}
		for i := range parts {
			if again[i] != parts[i] {
				t.Fatalf("%q: part %d %v became %v", s, i, parts[i], again[i])
			}
		}
	})
}

// fuzzTrusted is the trusted-proxy list of the client-address fuzz targets.
var fuzzTrusted = []string{"10.0.0.0/8", "2001:db8::/32"}

// FuzzXForwardedFor checks the X-Forwarded-For walk against a plain
// reference (split on commas, walk from the right) and the rule that an
// untrusted hop never decides the key unless it is the first untrusted one
// from the right.
func FuzzXForwardedFor(f *testing.F) {
	for _, s := range [][2]string{
		{"10.0.0.1:80", "1.2.3.4"},
		{"10.0.0.1:80", "6.6.6.6, 1.2.3.4, 10.0.0.2"},
		{"10.0.0.1:80", "1.2.3.4,,10.0.0.2"},
		{"203.0.113.1:1", "1.2.3.4"},
		{"[2001:db8::1]:443", "[2001:db8::2]:1, 2001:db8::3, ::ffff:1.2.3.4"},
		{"10.0.0.1", "10.0.0.2, 10.0.0.3"},
		{"x", "1.2.3.4"},
	} {
		f.Add(s[0], s[1], "")
	}
	c, err := NewClientIP(ClientIPOptions{TrustedProxies: fuzzTrusted})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, peer, line1, line2 string) {
		lines := []string{line1}
		if line2 != "" {
			lines = append(lines, line2)
		}
		h := http.Header{"X-Forwarded-For": lines}
		got := c.Key(peer, h)
		if want := refXFF(c, peer, lines); got != want {
			t.Fatalf("peer %q, xff %q: got %q, reference %q", peer, lines, got, want)
		}
	})
}

// refXFF is the walk written the plain way, allocating freely.
func refXFF(c *ClientIP, peer string, lines []string) string {
	pa, ptext, ok := parseHop(peer)
	if !ok {
		return peer
	}
	peerKey := c.keyText(pa, ptext)
	if !c.Trusted(pa) {
		return peerKey
	}
	var hops []string
	for _, l := range lines {
		for _, h := range strings.Split(l, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		if len(hops)-1-i == maxHops {
			return peerKey // more than we walk
		}
		a, text, ok := parseHop(hops[i])
		if hops[i] == "" || !ok {
			return peerKey
		}
		if !c.Trusted(a) || i == 0 {
			return c.keyText(a, text)
		}
	}
	return peerKey
}

// FuzzForwarded checks the RFC 7239 walk's invariants: no panic; an
// untrusted peer always decides; any other answer is an address that occurs
// in the header, and is untrusted unless every hop was trusted.
func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		"for=1.2.3.4",
		"for=1.2.3.4;proto=https, for=10.0.0.2",
		`for="[2001:db8:cafe::17]:4711", for=10.0.0.9`,
		`for=1.2.3.4;ext="a,b", for=10.0.0.2`,
		`for="_hidden", for=unknown`,
		`for="1.2.3.4`,
		"proto=http",
		"for=1.2.3.4;for=5.6.7.8",
	} {
		f.Add("10.0.0.1:80", s)
	}
	c, err := NewClientIP(ClientIPOptions{TrustedProxies: fuzzTrusted, Header: HeaderForwarded})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, peer, value string) {
		h := http.Header{"Forwarded": {value}}
		got := c.Key(peer, h)
		pa, ptext, ok := parseHop(peer)
		if !ok {
			if got != peer {
				t.Fatalf("unparsable peer %q: got %q", peer, got)
			}
			return
		}
		peerKey := c.keyText(pa, ptext)
		if !c.Trusted(pa) && got != peerKey {
			t.Fatalf("untrusted peer %q, forwarded %q: got %q", peer, value, got)
		}
		if got == peerKey {
			return
		}
		a, err := netip.ParseAddr(got)
		if err != nil {
			t.Fatalf("peer %q, forwarded %q: key %q is not an address", peer, value, got)
		}
		var hops [maxHops]string
		n, _, ok := forwardedHops([]string{value}, &hops)
		if !ok || n == 0 {
			t.Fatalf("peer %q, forwarded %q: got %q from an unreadable header", peer, value, got)
		}
		if c.Trusted(a) {
			for i := range n {
				if ha, _, ok := parseHop(hops[i]); !ok || !c.Trusted(ha) {
					t.Fatalf("peer %q, forwarded %q: trusted %q chosen past untrusted hop %q", peer, value, got, hops[i])
				}
			}
		}
	})
}

// FuzzKeyFunc: combined keys decode back into exactly the parts they were
// built from, so two requests share a key only if they share every part.
func FuzzKeyFunc(f *testing.F) {
	f.Add("alice", "orders", "k|1", "10.0.0.1:80", "1.2.3.4")
	f.Add("", "", "", "", "")
	f.Add("5:a|", "|", "0:", "[::1]:1", ",")
	ip, err := NewClientIP(ClientIPOptions{TrustedProxies: fuzzTrusted})
	if err != nil {
		f.Fatal(err)
	}
	kf, err := NewKeyFunc("consumer+route+header:X-Key+ip", ip)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, consumer, route, hv, peer, xff string) {
		r := &Request{Consumer: consumer, Route: route, Peer: peer,
			Header: http.Header{"X-Key": {hv}, "X-Forwarded-For": {xff}}}
		key, _ := kf(r)
		want := []string{consumer, route, hv, ""}
		if len(hv) > maxKeyPart {
			want[2], _ = partValue(KeyPart{Kind: PartHeader, Header: "X-Key"}, ip, r)
		}
		if peer != "" {
			want[3] = ip.Key(peer, r.Header)
		}
		got, ok := decodeKey(key)
		if !ok || len(got) != len(want) {
			t.Fatalf("key %q does not decode (%v)", key, got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("key %q: part %d: got %q, want %q", key, i, got[i], want[i])
			}
		}
	})
}

func decodeKey(k string) ([]string, bool) {
	var parts []string
	for len(k) > 0 {
		i := strings.IndexByte(k, ':')
		if i < 0 {
			return nil, false
		}
		n, err := strconv.Atoi(k[:i])
		if err != nil || n < 0 || i+1+n > len(k) {
			return nil, false
		}
		parts = append(parts, k[i+1:i+1+n])
		k = k[i+1+n:]
		if len(k) > 0 {
			if k[0] != '|' {
				return nil, false
			}
			k = k[1:]
		}
	}
	return parts, true
}

// FuzzLimiterOps drives a limiter of each algorithm with arbitrary costs and
// time steps (including backwards) and checks it never panics and its
// decisions stay in range.
func FuzzLimiterOps(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 0, 9, 255, 7})
	f.Fuzz(func(t *testing.T, ops []byte) {
		for _, a := range Algorithms() {
			o := Options{Algorithm: a, Limit: 3, Window: time.Second}
			if a == AlgConcurrency {
				o.Window = 0
			}
			l, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			at := t0
			for i, b := range ops {
				at = at.Add(time.Duration(int8(b)) * 37 * ms)
				key := strconv.Itoa(i % 3)
				var d Decision
				if n, ok := l.(allowNer); ok {
					d = n.AllowN(key, at, int64(b%5))
				} else {
					d = l.Allow(key, at)
					if b&1 == 0 {
						l.(*Concurrency).Release(key, at)
					}
				}
				if d.Remaining < 0 || d.Remaining > d.Limit || d.RetryAfter < 0 || d.Reset < 0 {
					t.Fatalf("%s op %d: %+v", a, i, d)
				}
			}
		}
	})
}
