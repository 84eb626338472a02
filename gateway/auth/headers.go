package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// Headers the gateway sets towards the upstream to say who called. Kong
// sets the same family; upstreams trust them only because the gateway
// removes whatever the client sent under these names first.
const (
	HeaderConsumerName   = "X-Consumer-Name"
	HeaderConsumerGroups = "X-Consumer-Groups"
	HeaderConsumerTier   = "X-Consumer-Tier"
	HeaderCredential     = "X-Credential"
)

// forgeable lists the identity headers; an array, not a package-level
// slice, so nothing can append to it.
func forgeable() [4]string {
	return [4]string{HeaderConsumerName, HeaderConsumerGroups, HeaderConsumerTier, HeaderCredential}
}

// StripForgeable removes every client-sent copy of the identity headers.
// Keys are compared case-insensitively because an http.Header built by hand
// (or by a non-canonicalising proxy path) can hold "x-consumer-name" next
// to the canonical key, and an upstream reading either must not see a value
// the client chose.
func StripForgeable(h http.Header) {
	for k := range h {
		for _, name := range forgeable() {
			if strings.EqualFold(k, name) {
				delete(h, k)
				break
			}
		}
	}
}

// SetHeaders writes the identity headers for the upstream, first removing
// any client-sent copies. Groups are comma-separated; a header with no value
// (no groups, no tier) is left out. X-Credential is "<kind>" or
// "<kind>:<credential id>".
func (r Result) SetHeaders(h http.Header) {
	StripForgeable(h)
	h[HeaderConsumerName] = []string{r.Consumer}
	if r.groupsHeader != "" {
		h[HeaderConsumerGroups] = []string{r.groupsHeader}
	}
	if r.Tier != "" {
		h[HeaderConsumerTier] = []string{r.Tier}
	}
	cred := string(r.Kind)
	if r.CredentialID != "" {
		cred += ":" + r.CredentialID
	}
	h[HeaderCredential] = []string{cred}
}

// HideCredentials removes the credential that authenticated the request
// when its policy sets hide_credentials, so the upstream never sees API
// keys, passwords or tokens. It reports whether q changed, in which case the
// gateway must re-encode the URL's RawQuery from q.
func (r Result) HideCredentials(h http.Header, q url.Values) (queryChanged bool) {
	if r.hideHeader != "" {
		h.Del(r.hideHeader)
	}
	if r.hideQuery != "" {
		if _, ok := q[r.hideQuery]; ok {
			q.Del(r.hideQuery)
			return true
		}
	}
	return false
}
