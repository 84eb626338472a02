package auth

import (
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

func benchAuth(b *testing.B, policy string, req Request) {
	b.Helper()
	a := newTestAuth(b)
	if _, err := a.Authenticate(req, policy, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Authenticate(req, policy, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAPIKey(b *testing.B) {
	benchAuth(b, "key", Request{Header: http.Header{"Apikey": {aliceKey}}})
}

// BenchmarkAPIKeyUnknown is the path an attacker guessing keys exercises.
func BenchmarkAPIKeyUnknown(b *testing.B) {
	a := newTestAuth(b)
	req := Request{Header: http.Header{"Apikey": {"guess-0123456789"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(req, "key", now); err == nil {
			b.Fatal("guess accepted")
		}
	}
}

func BenchmarkJWTHS256(b *testing.B) {
	tok := sign(b, jwt.SigningMethodHS256, []byte(hsSecret), "", claims("https://hs.example", "alice"))
	benchAuth(b, "jwt", bearerReq(tok))
}

func BenchmarkJWTES256(b *testing.B) {
	tok := sign(b, jwt.SigningMethodES256, keys.ec1, "ec-1",
		claims("https://jwks.example", "x", "client_id", "alice-client"))
	benchAuth(b, "jwt", bearerReq(tok))
}

func BenchmarkJWTRS256(b *testing.B) {
	tok := sign(b, jwt.SigningMethodRS256, keys.rsa, "", claims("https://rs.example", "bob"))
	benchAuth(b, "jwt", bearerReq(tok))
}

func BenchmarkJWTEdDSA(b *testing.B) {
	tok := sign(b, jwt.SigningMethodEdDSA, keys.ed, "ed-1",
		claims("https://jwks.example", "x", "client_id", "alice-client"))
	benchAuth(b, "jwt", bearerReq(tok))
}

// BenchmarkBasicMinCost measures everything but bcrypt's deliberate cost;
// at the default cost 10 each check takes tens of milliseconds by design.
func BenchmarkBasicMinCost(b *testing.B) {
	if c, _ := bcrypt.Cost([]byte(keys.aliceHash)); c != bcrypt.MinCost {
		b.Fatalf("fixture hash cost %d, want MinCost", c)
	}
	benchAuth(b, "basic", basicReq("alice", alicePassword))
}

func BenchmarkStripAndSetHeaders(b *testing.B) {
	a := newTestAuth(b)
	res, err := a.Authenticate(Request{Header: http.Header{"Apikey": {aliceKey}}}, "key", now)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Accept": {"*/*"}, "User-Agent": {"vegeta"}, "X-Consumer-Name": {"forged"}}
	b.ReportAllocs()
	for b.Loop() {
		StripForgeable(h)
		res.SetHeaders(h)
	}
}
