package ratelimit

import (
	"errors"
	"net/http"
	"testing"
)

func TestClientIPKey(t *testing.T) {
	xff := func(vs ...string) http.Header { return http.Header{"X-Forwarded-For": vs} }
	fwd := func(vs ...string) http.Header { return http.Header{"Forwarded": vs} }
	trusted := ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8", "192.168.1.1", "2001:db8:ffff::/48"}}
	forwarded := trusted
	forwarded.Header = "forwarded"
	depth2 := trusted
	depth2.Depth = 2
	v6net := trusted
	v6net.IPv6Prefix = 64
	for _, tc := range []struct {
		name string
		o    ClientIPOptions
		peer string
		h    http.Header
		want string
	}{
		{"peer only", ClientIPOptions{}, "203.0.113.7:5555", nil, "203.0.113.7"},
		{"no trusted proxies ignores xff", ClientIPOptions{}, "10.0.0.1:80", xff("1.2.3.4"), "10.0.0.1"},
		{"untrusted peer ignores xff", trusted, "203.0.113.7:5555", xff("1.2.3.4"), "203.0.113.7"},
		{"trusted peer, one hop", trusted, "10.0.0.1:80", xff("1.2.3.4"), "1.2.3.4"},
		{"skips trusted hops from the right", trusted, "10.0.0.1:80", xff("9.9.9.9, 1.2.3.4, 10.1.1.1, 192.168.1.1"), "1.2.3.4"},
		{"spoofed left hop never decides", trusted, "10.0.0.1:80", xff("6.6.6.6", "1.2.3.4"), "1.2.3.4"},
		{"across header lines", trusted, "10.0.0.1:80", xff("1.2.3.4", "10.0.0.9"), "1.2.3.4"},
		{"all hops trusted: leftmost", trusted, "10.0.0.1:80", xff("10.0.0.3, 10.0.0.2"), "10.0.0.3"},
		{"malformed hop: peer", trusted, "10.0.0.1:80", xff("1.2.3.4, bogus"), "10.0.0.1"},
		{"malformed beyond the client is never read", trusted, "10.0.0.1:80", xff("bogus, 1.2.3.4"), "1.2.3.4"},
		{"empty element: peer", trusted, "10.0.0.1:80", xff("1.2.3.4,,10.0.0.2"), "10.0.0.1"},
		{"empty header: peer", trusted, "10.0.0.1:80", xff(""), "10.0.0.1"},
		{"hop with port", trusted, "10.0.0.1:80", xff("1.2.3.4:999"), "1.2.3.4"},
		{"bracketed v6 hop with port", trusted, "10.0.0.1:80", xff("[2001:db8::1]:443"), "2001:db8::1"},
		{"bare v6 hop", trusted, "10.0.0.1:80", xff("2001:db8::1"), "2001:db8::1"},
		{"v6 hop canonicalised", trusted, "10.0.0.1:80", xff("2001:DB8:0:0::1"), "2001:db8::1"},
		{"mapped v4 unmapped", trusted, "10.0.0.1:80", xff("::ffff:1.2.3.4"), "1.2.3.4"},
		{"mapped v4 peer is trusted", trusted, "[::ffff:10.0.0.1]:80", xff("1.2.3.4"), "1.2.3.4"},
		{"v6 trusted peer", trusted, "[2001:db8:ffff::5]:80", xff("1.2.3.4"), "1.2.3.4"},
		{"zone dropped", ClientIPOptions{}, "[fe80::1%eth0]:80", nil, "fe80::1"},
		{"bare peer", ClientIPOptions{}, "198.51.100.2", nil, "198.51.100.2"},
		{"named peer", trusted, "client-7", xff("1.2.3.4"), "client-7"},
		{"v6 /64 key", v6net, "[2001:db8:1:2:aaaa::1]:80", nil, "2001:db8:1:2::"},
		{"v4 unaffected by v6 prefix", v6net, "203.0.113.7:1", nil, "203.0.113.7"},
		{"depth 2", depth2, "10.0.0.1:80", xff("6.6.6.6, 1.2.3.4, 5.5.5.5"), "1.2.3.4"},
		{"depth beyond hops: peer", depth2, "10.0.0.1:80", xff("1.2.3.4"), "10.0.0.1"},
		{"depth untrusted peer", depth2, "203.0.113.7:1", xff("6.6.6.6, 1.2.3.4, 5.5.5.5"), "203.0.113.7"},
		{"forwarded", forwarded, "10.0.0.1:80", fwd("for=1.2.3.4;proto=https, for=10.0.0.2"), "1.2.3.4"},
		{"forwarded quoted v6", forwarded, "10.0.0.1:80", fwd(`for="[2001:db8:cafe::17]:4711"`), "2001:db8:cafe::17"},
		{"forwarded param case", forwarded, "10.0.0.1:80", fwd("For=1.2.3.4;BY=10.0.0.1"), "1.2.3.4"},
		{"forwarded quoted comma", forwarded, "10.0.0.1:80", fwd(`for=1.2.3.4;ext="a,b", for=10.0.0.2`), "1.2.3.4"},
		{"forwarded unknown: peer", forwarded, "10.0.0.1:80", fwd("for=1.2.3.4, for=unknown"), "10.0.0.1"},
		{"forwarded obfuscated: peer", forwarded, "10.0.0.1:80", fwd(`for="_hidden"`), "10.0.0.1"},
		{"forwarded no for: peer", forwarded, "10.0.0.1:80", fwd("proto=https"), "10.0.0.1"},
		{"forwarded two for: peer", forwarded, "10.0.0.1:80", fwd("for=1.2.3.4;for=5.6.7.8"), "10.0.0.1"},
		{"forwarded unterminated quote: peer", forwarded, "10.0.0.1:80", fwd(`for="1.2.3.4`), "10.0.0.1"},
		{"forwarded ignores xff", forwarded, "10.0.0.1:80", xff("1.2.3.4"), "10.0.0.1"},
		{"xff ignores forwarded", trusted, "10.0.0.1:80", fwd("for=1.2.3.4"), "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClientIP(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Key(tc.peer, tc.h); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestClientIPLongChain: more trusted hops than are walked is refused (the
// peer decides), but a long header whose client is near the right is fine.
func TestClientIPLongChain(t *testing.T) {
	c, err := NewClientIP(ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	long := ""
	for range maxHops + 5 {
		long += "10.0.0.7, "
	}
	if got := c.Key("10.0.0.1:1", http.Header{"X-Forwarded-For": {long + "10.0.0.8"}}); got != "10.0.0.1" {
		t.Errorf("all trusted beyond the walk: got %q, want the peer", got)
	}
	if got := c.Key("10.0.0.1:1", http.Header{"X-Forwarded-For": {long + "1.2.3.4, 10.0.0.8"}}); got != "1.2.3.4" {
		t.Errorf("client near the right: got %q, want 1.2.3.4", got)
	}
}

func TestClientIPValidate(t *testing.T) {
	for _, tc := range []struct {
		o     ClientIPOptions
		field string
	}{
		{ClientIPOptions{TrustedProxies: []string{"10.0.0.0/33"}}, "trusted_proxies[0]"},
		{ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8", "proxy.local"}}, "trusted_proxies[1]"},
		{ClientIPOptions{Header: "X-Real-IP"}, "header"},
		{ClientIPOptions{Depth: 1}, "depth"},
		{ClientIPOptions{TrustedProxies: []string{"10.0.0.1"}, Depth: 99}, "depth"},
		{ClientIPOptions{IPv6Prefix: 129}, "ipv6_prefix"},
	} {
		var fe *FieldError
		if err := tc.o.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: got %v, want an error on %q", tc.o, err, tc.field)
		}
	}
}

// TestClientIPKeyNoAlloc: a canonical address is returned as a substring of
// what was received.
func TestClientIPKeyNoAlloc(t *testing.T) {
	c, _ := NewClientIP(ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}})
	h := http.Header{"X-Forwarded-For": {"198.51.100.1, 1.2.3.4, 10.0.0.2"}}
	if allocs := testing.AllocsPerRun(100, func() { c.Key("10.0.0.1:80", h) }); allocs != 0 {
		t.Errorf("allocs: got %v, want 0", allocs)
	}
}
