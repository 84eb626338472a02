package auth

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Request is the part of an HTTP request credentials live in. Authenticate
// only reads it.
type Request struct {
	// Header keys are canonical, as net/http delivers them.
	Header http.Header
	Query  url.Values
	// TLS is the connection's state when the gateway terminated TLS; a
	// client certificate counts only if it appears in VerifiedChains.
	TLS *tls.ConnectionState
	// RemoteAddr is carried for the gateway's logs; no credential depends
	// on the address a request came from.
	RemoteAddr string
}

// FromHTTP builds a Request from r (parsing its query once).
func FromHTTP(r *http.Request) Request {
	return Request{Header: r.Header, Query: r.URL.Query(), TLS: r.TLS, RemoteAddr: r.RemoteAddr}
}

// Result says who the caller is and how it proved it.
type Result struct {
	Consumer string
	// Groups is shared with the Authenticator: read it, do not modify it.
	Groups []string
	Tier   string
	// Kind is the credential kind that matched, or KindAnonymous.
	Kind Kind
	// CredentialID names the matched credential without revealing a secret:
	// the API key's ID, the basic username, "<provider>:<subject>" for a
	// JWT, the certificate identity for mTLS; empty for anonymous.
	CredentialID string

	// groupsHeader is Groups joined once at New so SetHeaders does not
	// allocate per request.
	groupsHeader string
	// hideHeader and hideQuery locate the credential for HideCredentials;
	// empty unless the policy hides credentials.
	hideHeader string
	hideQuery  string
}

// Authenticator is an immutable, compiled Config.
type Authenticator struct {
	consumers []consumer
	policies  map[string]*policy

	keys  apiKeys
	basic basicUsers
	certs certIdentities
	// subjects maps (issuer, consumer claim value) to a consumer.
	subjects map[JWTSubject]subject
}

type subject struct {
	consumer int
	id       string // "<provider>:<subject>", built once
}

type consumer struct {
	name, tier   string
	groups       []string
	groupsHeader string
}

type policy struct {
	name      string
	accept    []Kind
	anonymous int // consumer index, -1 when off
	// verdict holds the ACL outcome for each consumer index, computed once:
	// "" when allowed.
	verdict    []Reason
	keyHeaders []string // canonical header names
	keyQuery   []string
	tokenQuery string
	hide       bool
	challenges challenges

	jwt jwtPolicy
}

// New validates cfg, reads every key file once and compiles the policies.
func New(cfg Config) (*Authenticator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Authenticator{
		policies: make(map[string]*policy, len(cfg.Policies)),
		subjects: map[JWTSubject]subject{},
	}
	providerName := make(map[string]string, len(cfg.JWTProviders))
	for _, p := range cfg.JWTProviders {
		providerName[p.Issuer] = p.Name
	}
	consumerIndex := make(map[string]int, len(cfg.Consumers))
	for i, c := range cfg.Consumers {
		consumerIndex[c.Name] = i
		a.consumers = append(a.consumers, consumer{
			name:         c.Name,
			tier:         c.Tier,
			groups:       slices.Clone(c.Groups),
			groupsHeader: strings.Join(c.Groups, ","),
		})
		cr := c.Credentials
		for j, k := range cr.APIKeys {
			a.keys.add(k.Key, keyID(c.Name, j, k), i)
		}
		for _, b := range cr.Basic {
			a.basic.add(b.Username, b.Hash, i)
		}
		for _, s := range cr.JWT {
			a.subjects[s] = subject{consumer: i, id: providerName[s.Issuer] + ":" + s.Subject}
		}
		for _, id := range cr.ClientCerts {
			a.certs.add(id, i)
		}
	}
	providers, err := loadProviders(cfg.JWTProviders)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Policies {
		a.policies[p.Name] = a.compilePolicy(p, consumerIndex, providers)
	}
	return a, nil
}

func (a *Authenticator) compilePolicy(p Policy, consumerIndex map[string]int, providers []*provider) *policy {
	cp := &policy{
		name:       p.Name,
		accept:     slices.Clone(p.Accept),
		anonymous:  -1,
		tokenQuery: p.TokenQuery,
		hide:       p.HideCredentials,
	}
	if p.Anonymous != "" {
		cp.anonymous = consumerIndex[p.Anonymous]
	}
	cp.verdict = make([]Reason, len(a.consumers))
	for i, c := range a.consumers {
		cp.verdict[i] = acl(c.groups, p.AllowGroups, p.DenyGroups)
	}
	names := p.KeyNames
	if len(names) == 0 {
		names = []string{DefaultKeyName}
	}
	in := p.KeyIn
	if len(in) == 0 {
		in = []string{KeyInHeader, KeyInQuery}
	}
	for _, n := range names {
		if slices.Contains(in, KeyInHeader) {
			cp.keyHeaders = append(cp.keyHeaders, textproto.CanonicalMIMEHeaderKey(n))
		}
		if slices.Contains(in, KeyInQuery) {
			cp.keyQuery = append(cp.keyQuery, n)
		}
	}
	realm := p.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	cp.challenges = newChallenges(p.Accept, realm)
	if slices.Contains(p.Accept, KindJWT) {
		cp.jwt = newJWTPolicy(providers, p.Providers)
	}
	return cp
}

// acl applies Kong's ACL plugin to one consumer: deny wins, then a
// non-empty allow list must share a group with the consumer.
func acl(groups, allow, deny []string) Reason {
	for _, g := range groups {
		if slices.Contains(deny, g) {
			return ReasonDeniedGroup
		}
	}
	if len(allow) == 0 {
		return ""
	}
	for _, g := range groups {
		if slices.Contains(allow, g) {
			return ""
		}
	}
	return ReasonNotAllowedGroup
}

// match is a check's verdict on a credential that authenticates.
type match struct {
	consumer   int
	id         string
	hideHeader string
	hideQuery  string
}

// Authenticate decides who sent req and whether the named policy admits
// them, at time now (used for JWT exp and nbf). Request-caused refusals are
// *Error values (401 or 403); an unknown policy name is ErrUnknownPolicy.
//
// The policy's kinds are tried in Accept order and the first one whose
// credential is present decides. Only when none is present does the
// anonymous consumer, if any, stand in.
func (a *Authenticator) Authenticate(req Request, policyName string, now time.Time) (Result, error) {
	p, ok := a.policies[policyName]
	if !ok {
		return Result{}, fmt.Errorf("%w %q", ErrUnknownPolicy, policyName)
	}
	for _, kind := range p.accept {
		var (
			m       match
			present bool
			f       *failure
		)
		switch kind {
		case KindKey:
			m, present, f = a.checkKey(req, p)
		case KindBasic:
			m, present, f = a.checkBasic(req)
		case KindJWT:
			m, present, f = a.checkJWT(req, p, now)
		case KindMTLS:
			m, present, f = a.checkCert(req)
		}
		if !present {
			continue
		}
		if f != nil {
			return Result{}, unauthorized(kind, f, p.challenges)
		}
		if !p.hide {
			m.hideHeader, m.hideQuery = "", ""
		}
		return a.admit(p, kind, m)
	}
	if p.anonymous >= 0 {
		return a.admit(p, KindAnonymous, match{consumer: p.anonymous})
	}
	return Result{}, &Error{
		Status:    http.StatusUnauthorized,
		Reason:    ReasonMissing,
		Challenge: p.challenges.missing,
		err:       ErrMissingCredentials,
	}
}

// admit applies the policy's ACL to an authenticated consumer.
func (a *Authenticator) admit(p *policy, kind Kind, m match) (Result, error) {
	c := &a.consumers[m.consumer]
	if r := p.verdict[m.consumer]; r != "" {
		return Result{}, &Error{
			Status:   http.StatusForbidden,
			Reason:   r,
			Kind:     kind,
			Consumer: c.name,
			err:      fmt.Errorf("%w: consumer %q by policy %q (%s)", ErrForbidden, c.name, p.name, r),
		}
	}
	return Result{
		Consumer:     c.name,
		Groups:       c.groups,
		Tier:         c.tier,
		Kind:         kind,
		CredentialID: m.id,
		groupsHeader: c.groupsHeader,
		hideHeader:   m.hideHeader,
		hideQuery:    m.hideQuery,
	}, nil
}

// single returns the only value of a header or parameter. More than one
// value is ambiguous (which one did the client mean? which one will the
// upstream read?), so it is reported as malformed rather than picking one.
func single(vals []string) (v string, present bool, f *failure) {
	switch len(vals) {
	case 0:
		return "", false, nil
	case 1:
		return vals[0], vals[0] != "", nil
	}
	return "", true, failf(ReasonMalformed, "%d values where one is expected", len(vals))
}
