// Package auth turns the credentials a request carries at the edge into a
// consumer (name, groups, tier) and decides whether a route's policy lets
// that consumer through.
//
// The model follows Kong: consumers own credentials (API keys, basic-auth
// users, JWT subjects of a trusted issuer, client certificate identities),
// route policies say which credential kinds they accept, which groups they
// allow or deny (the ACL plugin) and which consumer stands in for a request
// that presents none (anonymous). JWT providers follow Envoy's jwt_authn:
// an issuer, accepted audiences, an explicit algorithm allow-list, keys from
// an inline secret, a PEM file or a JWKS file, and a clock-skew leeway.
//
// Like every Baton policy, an Authenticator is an immutable decision
// function with explicit time: Authenticate takes now and never reads the
// clock, starts no goroutine and does no I/O (keys are read once by New).
// It is safe for concurrent use.
//
// The gateway uses it in three steps:
//
//	auth.StripForgeable(r.Header)         // clients never choose their identity
//	res, err := a.Authenticate(auth.FromHTTP(r), route.AuthPolicy, now)
//	// err: *auth.Error with Status 401 (+Challenge) or 403
//	res.SetHeaders(r.Header)               // tell the upstream who called
package auth
