package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzJWT feeds arbitrary bearer tokens to a policy trusting every test
// provider. No string built without a private key may authenticate, and
// every refusal must be a well-formed 401.
func FuzzJWT(f *testing.F) {
	a := newTestAuth(f)
	valid := sign(f, jwt.SigningMethodHS256, []byte(hsSecret), "", claims("https://hs.example", "alice"))
	parts := strings.Split(valid, ".")
	for _, s := range []string{
		"", "a", "a.b", "a.b.c", "..", "a.b.c.d",
		parts[0] + "." + parts[1] + ".",                         // signature stripped
		b64url([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".", // alg none
		b64url([]byte(`{"alg":"HS256","kid":7}`)) + "." + parts[1] + ".x",
		b64url([]byte(`{"alg":"ES256","kid":"ec-1"}`)) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + b64url([]byte(`{"iss":"https://hs.example","sub":"alice","aud":"baton-api","exp":1e300}`)) + "." + parts[2],
		sign(f, jwt.SigningMethodHS256, keys.rsaPEM, "", claims("https://rs.example", "bob")),
		sign(f, jwt.SigningMethodHS256, []byte(hsSecret), "", claims("https://hs.example", "alice", "exp", now.Add(-time.Hour).Unix())),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if token == valid {
			t.Skip()
		}
		for _, req := range []Request{
			{Header: http.Header{"Authorization": {"Bearer " + token}}},
			queryReq("access_token", token),
		} {
			res, err := a.Authenticate(req, "jwt", now)
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("token %q: got %+v, %v; want a 401 *Error", token, res, err)
			}
			if ae.Status != http.StatusUnauthorized || ae.Reason == "" {
				t.Fatalf("token %q: got %+v", token, ae)
			}
		}
	})
}

// FuzzJWKS checks that parsing never panics and that whatever it accepts is
// a key Baton can verify with.
func FuzzJWKS(f *testing.F) {
	f.Add(jwksJSON())
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + b64url(make([]byte, 32)) + `"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := parseJWKS(data)
		if err != nil {
			if ks != nil {
				t.Fatalf("got keys %v alongside error %v", ks, err)
			}
			return
		}
		if len(ks) == 0 {
			t.Fatal("got no keys and no error")
		}
		for _, k := range ks {
			if err := checkPublicKey(k.key); err != nil {
				t.Fatalf("accepted key %T: %v", k.key, err)
			}
			if k.alg != "" && !knownAlg(k.alg) {
				t.Fatalf("accepted key with alg %q", k.alg)
			}
		}
	})
}

// FuzzBasicHeader checks RFC 7617 decoding: whatever parses has a non-empty
// user-id without colon, no control characters, and encodes back to
// credentials that parse to the same pair.
func FuzzBasicHeader(f *testing.F) {
	for _, s := range []string{"", "YWxpY2U6d29uZGVybGFuZA==", "YWxpY2U=", "OnBhc3M=", "!!!", "YTpiOmM=", "YToK"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, creds string) {
		user, pass, ok := parseBasic(creds)
		if !ok {
			if user != "" || pass != "" {
				t.Fatalf("got %q %q with ok false", user, pass)
			}
			return
		}
		if user == "" || strings.Contains(user, ":") || !printable(user) || strings.ContainsFunc(pass, isControl) {
			t.Fatalf("accepted user %q password %q", user, pass)
		}
		u2, p2, ok2 := parseBasic(base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)))
		if !ok2 || u2 != user || p2 != pass {
			t.Fatalf("round trip of %q %q gave %q %q %v", user, pass, u2, p2, ok2)
		}
	})
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// FuzzAuthorizationHeader checks the scheme/credentials split: the scheme
// is a token, the credentials are trimmed and free of control characters
// other than tab, and joining them again splits the same way.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, s := range []string{"", "Basic", "Basic abc", "Bearer  a.b.c ", " Bearer x", "Bearer\tx", "B\x00 x", "Digest a=b, c=\"d\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		scheme, creds, ok := parseAuthorization(v)
		if !ok {
			return
		}
		if !isToken(scheme) || strings.HasPrefix(creds, " ") || strings.HasSuffix(creds, " ") ||
			strings.ContainsFunc(creds, func(r rune) bool { return r != '\t' && isControl(r) }) {
			t.Fatalf("%q split into %q %q", v, scheme, creds)
		}
		s2, c2, ok2 := parseAuthorization(scheme + " " + creds)
		if !ok2 || s2 != scheme || c2 != creds {
			t.Fatalf("rejoined %q %q split into %q %q %v", scheme, creds, s2, c2, ok2)
		}
	})
}
