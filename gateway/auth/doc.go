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
// The gateway uses it in these steps:
//
//	auth.StripForgeable(r.Header) // clients never choose their identity
//	req := auth.FromHTTP(r)
//	res, err := a.Authenticate(req, route.AuthPolicy, now)
//	// err: *auth.Error with Status 401 (+Challenge) or 403;
//	// errors.Is(err, auth.ErrUnknownPolicy) is a wiring bug (500)
//	if res.HideCredentials(r.Header, req.Query) {
//		r.URL.RawQuery = req.Query.Encode()
//	}
//	res.SetHeaders(r.Header) // tell the upstream who called
package auth
