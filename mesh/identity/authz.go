package identity

import (
	"crypto/tls"
	"fmt"
	"net/http"
)

// AnyService in a Rule's From admits every authenticated caller of the
// trust domain (Istio's principals: ["*"]), but not plaintext ones.
const AnyService = "*"

// Rule lets the services in From call service To.
type Rule struct {
	To   string   `json:"to" yaml:"to"`
	From []string `json:"from" yaml:"from"`
}

// Authz decides which services may call which, as Istio's ALLOW
// AuthorizationPolicy: a service no rule names accepts every caller; a
// service a rule names accepts only the callers it lists, and an empty
// From accepts none. It is immutable and safe for concurrent use. A nil
// *Authz allows everything.
type Authz struct {
	rules map[string]callers
}

type callers struct {
	any  bool
	from map[string]struct{}
}

// NewAuthz compiles rules. Names must be valid services (or AnyService in
// From); two rules for one target are an error, so a policy reads in one
// place.
func NewAuthz(rules []Rule) (*Authz, error) {
	a := &Authz{rules: make(map[string]callers, len(rules))}
	first := make(map[string]int, len(rules))
	for i, r := range rules {
		if err := ValidateService(r.To); err != nil {
			return nil, fieldErr(fmt.Sprintf("rules[%d].to", i), "%v", err)
		}
		if j, dup := first[r.To]; dup {
			return nil, fieldErr(fmt.Sprintf("rules[%d].to", i), "second rule for %s (first is rules[%d])", r.To, j)
		}
		first[r.To] = i
		c := callers{from: make(map[string]struct{}, len(r.From))}
		for k, f := range r.From {
			if f == AnyService {
				c.any = true
				continue
			}
			if err := ValidateService(f); err != nil {
				return nil, fieldErr(fmt.Sprintf("rules[%d].from[%d]", i, k), "%v", err)
			}
			c.from[f] = struct{}{}
		}
		a.rules[r.To] = c
	}
	return a, nil
}

// Allowed reports whether service from may call service to. An empty from
// is an unauthenticated (plaintext) caller: allowed only where no rule
// names to.
func (a *Authz) Allowed(from, to string) bool {
	if a == nil {
		return true
	}
	c, ok := a.rules[to]
	if !ok {
		return true
	}
	if from == "" {
		return false
	}
	if c.any {
		return true
	}
	_, ok = c.from[from]
	return ok
}

// PeerService is the calling service of a server-side connection: the
// service in the SPIFFE ID of the verified leaf. It is false when the TLS
// layer verified no chain (plaintext, no client certificate, or a config
// that skips verification, as ClientTLS's client side does) or the leaf
// holds no single Baton service ID. It trusts that the config verified
// the trust domain, as ServerTLS's does.
func PeerService(state tls.ConnectionState) (string, bool) {
	if len(state.VerifiedChains) == 0 || len(state.VerifiedChains[0]) == 0 {
		return "", false
	}
	leaf := state.VerifiedChains[0][0]
	if len(leaf.URIs) != 1 {
		return "", false
	}
	_, svc, err := ParseServiceID(leaf.URIs[0].String())
	if err != nil {
		return "", false
	}
	return svc, true
}

// RequireCaller answers 403 to requests whose caller authz does not let
// call service to, and passes the rest to next. The caller is
// PeerService(*r.TLS); a plaintext request (permissive mode) has none.
func RequireCaller(authz *Authz, to string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var from string
		if r.TLS != nil {
			from, _ = PeerService(*r.TLS)
		}
		if !authz.Allowed(from, to) {
			caller := "unauthenticated caller"
			if from != "" {
				caller = "service " + from
			}
			http.Error(w, "identity: "+caller+" may not call "+to, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
