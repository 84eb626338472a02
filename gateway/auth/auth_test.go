package auth

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	keyChallenge    = `Key realm="baton"`
	basicChallenge  = `Basic realm="baton", charset="UTF-8"`
	bearerChallenge = `Bearer realm="baton"`
	invalidBearer   = `Bearer realm="baton", error="invalid_token"`
)

// outcome is everything a test expects from one Authenticate call: either
// the Result fields or the *Error fields.
type outcome struct {
	consumer string
	groups   []string
	tier     string
	kind     Kind
	id       string

	status    int
	reason    Reason
	consumerE string // Error.Consumer, for 403
	challenge string
}

func ok(consumer string, kind Kind, id string) outcome {
	return outcome{consumer: consumer, kind: kind, id: id}
}

func denied(reason Reason, kind Kind, challenge string) outcome {
	return outcome{status: http.StatusUnauthorized, reason: reason, kind: kind, challenge: challenge}
}

func forbidden(reason Reason, kind Kind, consumer string) outcome {
	return outcome{status: http.StatusForbidden, reason: reason, kind: kind, consumerE: consumer}
}

var fixtureGroups = map[string]struct {
	groups []string
	tier   string
}{
	"alice": {[]string{"staff", "beta"}, "gold"},
	"bob":   {[]string{"partners"}, "silver"},
	"carol": {[]string{"banned"}, "bronze"},
	"guest": {[]string{"public"}, "free"},
}

func check(t *testing.T, res Result, err error, want outcome) {
	t.Helper()
	if want.status == 0 {
		if err != nil {
			t.Fatalf("got error %v, want consumer %q", err, want.consumer)
		}
		fg := fixtureGroups[want.consumer]
		if res.Consumer != want.consumer || res.Kind != want.kind || res.CredentialID != want.id ||
			res.Tier != fg.tier || !slices.Equal(res.Groups, fg.groups) {
			t.Fatalf("got %+v, want consumer %q groups %v tier %q kind %q id %q",
				res, want.consumer, fg.groups, fg.tier, want.kind, want.id)
		}
		return
	}
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("got result %+v, err %v; want *Error status %d reason %s", res, err, want.status, want.reason)
	}
	got := outcome{status: ae.Status, reason: ae.Reason, kind: ae.Kind, consumerE: ae.Consumer, challenge: ae.Challenge}
	wantE := outcome{status: want.status, reason: want.reason, kind: want.kind, consumerE: want.consumerE, challenge: want.challenge}
	if !equalOutcome(got, wantE) {
		t.Fatalf("got error %+v (%v), want %+v", got, err, wantE)
	}
	sentinel := ErrInvalidCredentials
	switch {
	case want.status == http.StatusForbidden:
		sentinel = ErrForbidden
	case want.reason == ReasonMissing:
		sentinel = ErrMissingCredentials
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want it to wrap %v", err, sentinel)
	}
	if res.Consumer != "" {
		t.Fatalf("got result %+v alongside an error, want the zero Result", res)
	}
}

func equalOutcome(a, b outcome) bool {
	return a.status == b.status && a.reason == b.reason && a.kind == b.kind && a.consumerE == b.consumerE &&
		a.challenge == b.challenge
}

func TestAPIKey(t *testing.T) {
	a := newTestAuth(t)
	tests := []struct {
		name   string
		policy string
		req    Request
		want   outcome
	}{
		{"header", "key", Request{Header: headers("apikey", aliceKey)}, ok("alice", KindKey, "alice-main")},
		{"query", "key", queryReq("apikey", bobKey), ok("bob", KindKey, "bob-key-0")},
		{"header before query", "key", Request{Header: headers("apikey", aliceKey), Query: queryReq("apikey", bobKey).Query},
			ok("alice", KindKey, "alice-main")},
		{"unknown key", "key", Request{Header: headers("apikey", aliceKey+"x")},
			denied(ReasonBadCredential, KindKey, keyChallenge)},
		{"prefix of a key", "key", Request{Header: headers("apikey", aliceKey[:10])},
			denied(ReasonBadCredential, KindKey, keyChallenge)},
		{"two header values", "key", Request{Header: headers("apikey", aliceKey, "apikey", aliceKey)},
			denied(ReasonMalformed, KindKey, keyChallenge)},
		{"two query values", "key", queryReq("apikey", bobKey, "apikey", aliceKey),
			denied(ReasonMalformed, KindKey, keyChallenge)},
		{"empty value is absent", "key", Request{Header: headers("apikey", "")},
			denied(ReasonMissing, "", keyChallenge)},
		{"none", "key", Request{}, denied(ReasonMissing, "", keyChallenge)},
		{"custom header", "key-header", Request{Header: headers("x-api-key", carolKey)}, ok("carol", KindKey, "carol-1")},
		{"custom header ignores default name", "key-header", Request{Header: headers("apikey", carolKey)},
			denied(ReasonMissing, "", keyChallenge)},
		{"custom header ignores query", "key-header", queryReq("X-API-Key", carolKey),
			denied(ReasonMissing, "", keyChallenge)},
		{"key in Authorization is not a key", "key", Request{Header: headers("Authorization", aliceKey)},
			denied(ReasonMissing, "", keyChallenge)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(tt.req, tt.policy, now)
			check(t, res, err, tt.want)
		})
	}
}

func TestBasic(t *testing.T) {
	a := newTestAuth(t)
	tests := []struct {
		name string
		req  Request
		want outcome
	}{
		{"valid", basicReq("alice", alicePassword), ok("alice", KindBasic, "alice")},
		{"72-byte password", basicReq("bob", bobPassword), ok("bob", KindBasic, "bob")},
		{"lower-case scheme", Request{Header: headers("Authorization", "basic "+
			base64.StdEncoding.EncodeToString([]byte("alice:"+alicePassword)))}, ok("alice", KindBasic, "alice")},
		{"wrong password", basicReq("alice", "wonderlanD"), denied(ReasonBadCredential, KindBasic, basicChallenge)},
		{"empty password", basicReq("alice", ""), denied(ReasonBadCredential, KindBasic, basicChallenge)},
		{"unknown user", basicReq("mallory", alicePassword), denied(ReasonBadCredential, KindBasic, basicChallenge)},
		// bcrypt ignores bytes past 72, so without the length check this
		// would authenticate as bob.
		{"73-byte password sharing the 72-byte prefix", basicReq("bob", bobPassword+"x"),
			denied(ReasonBadCredential, KindBasic, basicChallenge)},
		{"not base64", Request{Header: headers("Authorization", "Basic !!!")},
			denied(ReasonMalformed, KindBasic, basicChallenge)},
		{"no colon", Request{Header: headers("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice")))},
			denied(ReasonMalformed, KindBasic, basicChallenge)},
		{"two Authorization headers", Request{Header: headers("Authorization", "Basic x", "Authorization", "Basic y")},
			denied(ReasonMalformed, KindBasic, basicChallenge)},
		{"bearer is not basic", bearerReq("abc"), denied(ReasonMissing, "", basicChallenge)},
		{"none", Request{}, denied(ReasonMissing, "", basicChallenge)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(tt.req, "basic", now)
			check(t, res, err, tt.want)
		})
	}
}

func TestJWT(t *testing.T) {
	a := newTestAuth(t)
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "", c) }
	hsc := func(edit ...any) string { return hs(claims("https://hs.example", "alice", edit...)) }
	jwksc := func(edit ...any) jwt.MapClaims {
		return claims("https://jwks.example", "ignored", append([]any{"client_id", "alice-client"}, edit...)...)
	}
	valid := hsc()
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64url([]byte(`{"iss":"https://hs.example","sub":"alice","aud":"baton-api","exp":9999999999}`)) + "." + parts[2]
	noneHeader := b64url([]byte(`{"alg":"none","typ":"JWT"}`))
	noneToken := noneHeader + "." + parts[1] + "."
	libNone := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims("https://hs.example", "alice"))
	// The classic confusion attack: take the server's RSA public key, which
	// is public, and use its PEM bytes as an HMAC secret.
	forgedRS := sign(t, jwt.SigningMethodHS256, keys.rsaPEM, "", claims("https://rs.example", "bob"))
	forgedMixed := sign(t, jwt.SigningMethodHS256, keys.rsaPEM, "", claims("https://mixed.example", "bob"))

	tests := []struct {
		name   string
		policy string
		req    Request
		want   outcome
	}{
		{"hs256", "jwt", bearerReq(valid), ok("alice", KindJWT, "hs:alice")},
		{"hs256 in query", "jwt", queryReq("access_token", valid), ok("alice", KindJWT, "hs:alice")},
		{"hs256 with a kid (secrets match any kid)", "jwt",
			bearerReq(sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "whatever", claims("https://hs.example", "alice"))),
			ok("alice", KindJWT, "hs:alice")},
		{"aud list containing ours", "jwt", bearerReq(hsc("aud", []string{"x", "baton-api"})), ok("alice", KindJWT, "hs:alice")},
		{"rs256 from pem", "jwt", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "", claims("https://rs.example", "bob"))),
			ok("bob", KindJWT, "rs:bob")},
		{"rs256 second audience", "jwt-rs", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "",
			claims("https://rs.example", "bob", "aud", "other-api"))), ok("bob", KindJWT, "rs:bob")},
		{"rs256 from jwks", "jwt", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "rsa-1", jwksc())),
			ok("alice", KindJWT, "jwks:alice-client")},
		{"es256 kid ec-1", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec1, "ec-1", jwksc())),
			ok("alice", KindJWT, "jwks:alice-client")},
		{"es256 kid ec-2", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec2, "ec-2", jwksc())),
			ok("alice", KindJWT, "jwks:alice-client")},
		{"es256 without kid tries both keys", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec2, "", jwksc())),
			ok("alice", KindJWT, "jwks:alice-client")},
		{"eddsa", "jwt", bearerReq(sign(t, jwt.SigningMethodEdDSA, keys.ed, "ed-1", jwksc())),
			ok("alice", KindJWT, "jwks:alice-client")},

		// Time, with the hs provider's 30 s leeway.
		{"expired within leeway", "jwt", bearerReq(hsc("exp", now.Add(-29*time.Second).Unix())), ok("alice", KindJWT, "hs:alice")},
		{"expired exactly leeway ago", "jwt", bearerReq(hsc("exp", now.Add(-30*time.Second).Unix())),
			denied(ReasonExpired, KindJWT, invalidBearer)},
		{"expired 1s beyond leeway", "jwt", bearerReq(hsc("exp", now.Add(-31*time.Second).Unix())),
			denied(ReasonExpired, KindJWT, invalidBearer)},
		{"nbf within leeway", "jwt", bearerReq(hsc("nbf", now.Add(30*time.Second).Unix())), ok("alice", KindJWT, "hs:alice")},
		{"nbf 1s beyond leeway", "jwt", bearerReq(hsc("nbf", now.Add(31*time.Second).Unix())),
			denied(ReasonNotYetValid, KindJWT, invalidBearer)},
		{"expired without leeway", "jwt", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "",
			claims("https://rs.example", "bob", "exp", now.Unix()))), denied(ReasonExpired, KindJWT, invalidBearer)},
		{"exp 1s ahead without leeway", "jwt", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "",
			claims("https://rs.example", "bob", "exp", now.Add(time.Second).Unix()))), ok("bob", KindJWT, "rs:bob")},
		{"missing exp", "jwt", bearerReq(hsc("exp", nil)), denied(ReasonBadClaims, KindJWT, invalidBearer)},
		{"exp not a number", "jwt", bearerReq(hsc("exp", "tomorrow")), denied(ReasonBadClaims, KindJWT, invalidBearer)},

		// Claims.
		{"wrong aud", "jwt", bearerReq(hsc("aud", "someone-else")), denied(ReasonBadAudience, KindJWT, invalidBearer)},
		{"missing aud", "jwt", bearerReq(hsc("aud", nil)), denied(ReasonBadClaims, KindJWT, invalidBearer)},
		{"wrong iss", "jwt", bearerReq(hsc("iss", "https://evil.example")), denied(ReasonUnknownIssuer, KindJWT, invalidBearer)},
		{"missing iss", "jwt", bearerReq(hsc("iss", nil)), denied(ReasonUnknownIssuer, KindJWT, invalidBearer)},
		{"iss of a provider the policy does not trust", "jwt-rs", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "rsa-1", jwksc())),
			denied(ReasonUnknownIssuer, KindJWT, invalidBearer)},
		{"iss not a string", "jwt", bearerReq(hsc("iss", 7)), denied(ReasonBadClaims, KindJWT, invalidBearer)},
		{"unknown subject", "jwt", bearerReq(hsc("sub", "mallory")), denied(ReasonUnknownConsumer, KindJWT, invalidBearer)},
		{"missing consumer claim", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec1, "ec-1", jwksc("client_id", nil))),
			denied(ReasonBadClaims, KindJWT, invalidBearer)},
		{"consumer claim is not sub", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec1, "ec-1",
			jwksc("client_id", nil, "sub", "alice-client"))), denied(ReasonBadClaims, KindJWT, invalidBearer)},

		// Algorithms and keys.
		{"alg none", "jwt", bearerReq(noneToken), denied(ReasonBadAlgorithm, KindJWT, invalidBearer)},
		{"alg none from the library", "jwt", bearerReq(libNone), denied(ReasonBadAlgorithm, KindJWT, invalidBearer)},
		{"unknown alg", "jwt", bearerReq(b64url([]byte(`{"alg":"XX256"}`)) + "." + parts[1] + "." + parts[2]),
			denied(ReasonBadAlgorithm, KindJWT, invalidBearer)},
		{"HS256 forged with the RSA public key, RS256-only policy", "jwt-rs", bearerReq(forgedRS),
			denied(ReasonBadAlgorithm, KindJWT, invalidBearer)},
		{"HS256 forged with the RSA public key, RS256-only provider", "jwt", bearerReq(forgedRS),
			denied(ReasonBadAlgorithm, KindJWT, invalidBearer)},
		{"HS256 forged with the RSA public key, provider allowing both", "jwt", bearerReq(forgedMixed),
			denied(ReasonBadSignature, KindJWT, invalidBearer)},
		{"RS256 token for an HS256-only provider", "jwt", bearerReq(sign(t, jwt.SigningMethodRS256, keys.rsa, "",
			claims("https://hs.example", "alice"))), denied(ReasonBadAlgorithm, KindJWT, invalidBearer)},
		{"unknown kid", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec1, "ec-9", jwksc())),
			denied(ReasonUnknownKey, KindJWT, invalidBearer)},
		{"kid of a key of another type", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec1, "rsa-1", jwksc())),
			denied(ReasonUnknownKey, KindJWT, invalidBearer)},
		{"kid not a string", "jwt", bearerReq(func() string {
			tk := jwt.NewWithClaims(jwt.SigningMethodES256, jwksc())
			tk.Header["kid"] = 1
			s, _ := tk.SignedString(keys.ec1)
			return s
		}()), denied(ReasonMalformed, KindJWT, invalidBearer)},
		{"signed by the other key of the set", "jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec2, "ec-1", jwksc())),
			denied(ReasonBadSignature, KindJWT, invalidBearer)},
		{"wrong hmac secret", "jwt", bearerReq(sign(t, jwt.SigningMethodHS256, []byte(mixedSecret), "", claims("https://hs.example", "alice"))),
			denied(ReasonBadSignature, KindJWT, invalidBearer)},
		{"tampered payload", "jwt", bearerReq(tampered), denied(ReasonBadSignature, KindJWT, invalidBearer)},

		// Shape and transport.
		{"garbage", "jwt", bearerReq("abc"), denied(ReasonMalformed, KindJWT, invalidBearer)},
		{"four segments", "jwt", bearerReq(valid + ".x"), denied(ReasonMalformed, KindJWT, invalidBearer)},
		{"empty bearer", "jwt", Request{Header: headers("Authorization", "Bearer")}, denied(ReasonMalformed, KindJWT, invalidBearer)},
		{"too long", "jwt", bearerReq(strings.Repeat("a", maxToken+1)), denied(ReasonMalformed, KindJWT, invalidBearer)},
		{"header and query", "jwt", Request{Header: bearerReq(valid).Header, Query: queryReq("access_token", valid).Query},
			denied(ReasonMalformed, KindJWT, invalidBearer)},
		{"query not enabled", "jwt-rs", queryReq("access_token", valid), denied(ReasonMissing, "", bearerChallenge)},
		{"basic is not bearer", "jwt", basicReq("alice", alicePassword), denied(ReasonMissing, "", bearerChallenge)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(tt.req, tt.policy, now)
			check(t, res, err, tt.want)
		})
	}
}

func TestJWTErrorsWrapLibrarySentinels(t *testing.T) {
	a := newTestAuth(t)
	tok := sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "",
		claims("https://hs.example", "alice", "exp", now.Add(-time.Minute).Unix()))
	_, err := a.Authenticate(bearerReq(tok), "jwt", now)
	if !errors.Is(err, jwt.ErrTokenExpired) || !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("got %v, want it to wrap jwt.ErrTokenExpired and ErrInvalidCredentials", err)
	}
	if got, want := err.Error(), "auth: invalid credentials: jwt: token is expired"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMTLS(t *testing.T) {
	a := newTestAuth(t)
	alice := leaf("whoever", nil, "spiffe://baton.test/ns/default/sa/alice")
	tests := []struct {
		name string
		req  Request
		want outcome
	}{
		{"spiffe id", Request{TLS: verified(alice)}, ok("alice", KindMTLS, "spiffe://baton.test/ns/default/sa/alice")},
		{"dns san", Request{TLS: verified(leaf("x", []string{"other.test", "bob.partners.test"}))},
			ok("bob", KindMTLS, "bob.partners.test")},
		{"common name", Request{TLS: verified(leaf("carol", nil))}, ok("carol", KindMTLS, "carol")},
		{"spiffe before common name", Request{TLS: verified(leaf("carol", nil, "spiffe://baton.test/ns/default/sa/alice"))},
			ok("alice", KindMTLS, "spiffe://baton.test/ns/default/sa/alice")},
		{"spiffe id of another trust domain", Request{TLS: verified(leaf("", nil, "spiffe://evil.test/ns/default/sa/alice"))},
			denied(ReasonUnknownConsumer, KindMTLS, "")},
		{"non-spiffe uri with the same path", Request{TLS: verified(leaf("", nil, "https://baton.test/ns/default/sa/alice"))},
			denied(ReasonUnknownConsumer, KindMTLS, "")},
		{"unverified", Request{TLS: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{alice}}},
			denied(ReasonUnverifiedCert, KindMTLS, "")},
		{"tls without client cert", Request{TLS: &tls.ConnectionState{}}, denied(ReasonMissing, "", "")},
		{"no tls", Request{}, denied(ReasonMissing, "", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(tt.req, "mtls", now)
			check(t, res, err, tt.want)
		})
	}
}

func TestAcceptOrderAndACL(t *testing.T) {
	a := newTestAuth(t)
	aliceJWT := sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "", claims("https://hs.example", "alice"))
	expired := sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "",
		claims("https://hs.example", "alice", "exp", now.Add(-time.Hour).Unix()))
	with := func(r Request, kv ...string) Request {
		if r.Header == nil {
			r.Header = http.Header{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r
	}
	allChallenges := bearerChallenge + ", " + basicChallenge + ", " + keyChallenge
	tests := []struct {
		name   string
		policy string
		req    Request
		want   outcome
	}{
		{"mtls before key", "any", with(Request{TLS: verified(leaf("carol", nil))}, "apikey", bobKey), ok("carol", KindMTLS, "carol")},
		{"jwt before key", "any", with(bearerReq(aliceJWT), "apikey", bobKey), ok("alice", KindJWT, "hs:alice")},
		{"basic before key", "any", with(basicReq("bob", bobPassword), "apikey", aliceKey), ok("bob", KindBasic, "bob")},
		{"key alone", "any", with(Request{}, "apikey", bobKey), ok("bob", KindKey, "bob-key-0")},
		{"first present decides: bad jwt, good key", "any", with(bearerReq(expired), "apikey", bobKey),
			denied(ReasonExpired, KindJWT, invalidBearer)},
		{"nothing", "any", Request{}, denied(ReasonMissing, "", allChallenges)},

		{"allow list admits", "staff", with(Request{}, "apikey", aliceKey), ok("alice", KindKey, "alice-main")},
		{"allow list refuses", "staff", with(Request{}, "apikey", bobKey), forbidden(ReasonNotAllowedGroup, KindKey, "bob")},
		{"allow list, bad key is 401 not 403", "staff", with(Request{}, "apikey", "nope"),
			denied(ReasonBadCredential, KindKey, keyChallenge)},
		{"deny list refuses", "public", with(Request{}, "apikey", carolKey), forbidden(ReasonDeniedGroup, KindKey, "carol")},
		{"deny list admits", "public", with(Request{}, "apikey", bobKey), ok("bob", KindKey, "bob-key-0")},
		{"deny list, jwt", "public", bearerReq(aliceJWT), ok("alice", KindJWT, "hs:alice")},
		{"anonymous", "public", Request{}, ok("guest", KindAnonymous, "")},
		{"invalid credentials are not anonymous", "public", with(Request{}, "apikey", "nope"),
			denied(ReasonBadCredential, KindKey, keyChallenge)},
		{"expired token is not anonymous", "public", bearerReq(expired), denied(ReasonExpired, KindJWT, invalidBearer)},
		{"anonymous refused by allow list", "staff-anon", Request{}, forbidden(ReasonNotAllowedGroup, KindAnonymous, "guest")},
		{"allow list with anonymous admits members", "staff-anon", with(Request{}, "apikey", aliceKey),
			ok("alice", KindKey, "alice-main")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(tt.req, tt.policy, now)
			check(t, res, err, tt.want)
		})
	}
}

func TestUnknownPolicy(t *testing.T) {
	a := newTestAuth(t)
	_, err := a.Authenticate(Request{}, "nope", now)
	var ae *Error
	if !errors.Is(err, ErrUnknownPolicy) || errors.As(err, &ae) {
		t.Fatalf("got %v, want bare ErrUnknownPolicy", err)
	}
	if got, want := err.Error(), `auth: unknown policy "nope"`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestForbiddenMessage(t *testing.T) {
	a := newTestAuth(t)
	_, err := a.Authenticate(Request{Header: headers("apikey", bobKey)}, "staff", now)
	if got, want := err.Error(), `auth: consumer not allowed: consumer "bob" by policy "staff" (not_allowed_group)`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestConcurrentAuthenticate lets the race detector watch shared state: an
// Authenticator is read-only after New.
func TestConcurrentAuthenticate(t *testing.T) {
	a := newTestAuth(t)
	reqs := []struct {
		policy string
		req    Request
	}{
		{"key", Request{Header: headers("apikey", aliceKey)}},
		{"jwt", bearerReq(sign(t, jwt.SigningMethodES256, keys.ec1, "", claims("https://jwks.example", "x", "client_id", "alice-client")))},
		{"jwt", bearerReq(sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "", claims("https://hs.example", "alice")))},
		{"basic", basicReq("alice", alicePassword)},
		{"public", Request{}},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(reqs))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range reqs {
				if _, err := a.Authenticate(r.req, r.policy, now); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
