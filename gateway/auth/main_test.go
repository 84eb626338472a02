package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
)

// keys are generated once per test binary: RSA-2048 generation alone costs
// a noticeable fraction of a second. Nothing mutates them after TestMain.
var keys struct {
	rsa    *rsa.PrivateKey
	rsaPEM []byte // the public key, PEM encoded: the bytes an RS/HS confusion attack signs with
	ec1    *ecdsa.PrivateKey
	ec2    *ecdsa.PrivateKey
	ed     ed25519.PrivateKey

	aliceHash string // bcrypt of alicePassword
	bobHash   string // bcrypt of bobPassword
}

const (
	hsSecret      = "0123456789abcdef0123456789abcdef" // 32 bytes: HS256's minimum
	mixedSecret   = "fedcba9876543210fedcba9876543210"
	alicePassword = "wonderland"
	aliceKey      = "alice-key-0123456789"
	bobKey        = "bob-key-0123456789"
	carolKey      = "carol-key-0123456789"
)

// bobPassword is exactly bcrypt's 72-byte limit, so a 73-byte password with
// the same prefix shows the truncation is refused.
var bobPassword = strings.Repeat("b", 72)

// now is the fixed instant every test authenticates at.
var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestMain(m *testing.M) {
	if err := generateKeys(); err != nil {
		fmt.Fprintln(os.Stderr, "auth test setup:", err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}

func generateKeys() error {
	var err error
	if keys.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&keys.rsa.PublicKey)
	if err != nil {
		return err
	}
	keys.rsaPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if keys.ec1, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return err
	}
	if keys.ec2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return err
	}
	if _, keys.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(alicePassword), bcrypt.MinCost)
	if err != nil {
		return err
	}
	keys.aliceHash = string(h)
	if h, err = bcrypt.GenerateFromPassword([]byte(bobPassword), bcrypt.MinCost); err != nil {
		return err
	}
	keys.bobHash = string(h)
	return nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwksJSON is the test JWKS: one RSA, two P-256 and one Ed25519 key.
func jwksJSON() []byte {
	p1, p2 := keys.ec1.PublicKey, keys.ec2.PublicKey
	pt1, _ := p1.Bytes()
	pt2, _ := p2.Bytes()
	doc := map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
			"n": b64url(keys.rsa.N.Bytes()), "e": b64url(big.NewInt(int64(keys.rsa.E)).Bytes())},
		{"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": b64url(pt1[1:33]), "y": b64url(pt1[33:])},
		{"kty": "EC", "kid": "ec-2", "crv": "P-256", "alg": "ES256", "x": b64url(pt2[1:33]), "y": b64url(pt2[33:])},
		{"kty": "OKP", "kid": "ed-1", "crv": "Ed25519", "x": b64url(keys.ed.Public().(ed25519.PublicKey))},
	}}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// testConfig is the fixture every Authenticate test shares, with its key
// files written to dir.
func testConfig(tb testing.TB, dir string) Config {
	tb.Helper()
	pemFile := filepath.Join(dir, "rsa.pem")
	jwksFile := filepath.Join(dir, "keys.json")
	if err := os.WriteFile(pemFile, keys.rsaPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(jwksFile, jwksJSON(), 0o600); err != nil {
		tb.Fatal(err)
	}
	return Config{
		Consumers: []Consumer{
			{Name: "alice", Groups: []string{"staff", "beta"}, Tier: "gold", Credentials: Credentials{
				APIKeys: []APIKey{{ID: "alice-main", Key: aliceKey}},
				Basic:   []BasicUser{{Username: "alice", Hash: keys.aliceHash}},
				JWT: []JWTSubject{
					{Issuer: "https://hs.example", Subject: "alice"},
					{Issuer: "https://jwks.example", Subject: "alice-client"},
				},
				ClientCerts: []CertIdentity{{SPIFFEID: "spiffe://baton.test/ns/default/sa/alice"}},
			}},
			{Name: "bob", Groups: []string{"partners"}, Tier: "silver", Credentials: Credentials{
				APIKeys:     []APIKey{{Key: bobKey}},
				Basic:       []BasicUser{{Username: "bob", Hash: keys.bobHash}},
				JWT:         []JWTSubject{{Issuer: "https://rs.example", Subject: "bob"}},
				ClientCerts: []CertIdentity{{DNSName: "bob.partners.test"}},
			}},
			{Name: "carol", Groups: []string{"banned"}, Tier: "bronze", Credentials: Credentials{
				APIKeys:     []APIKey{{ID: "carol-1", Key: carolKey}},
				ClientCerts: []CertIdentity{{CommonName: "carol"}},
			}},
			{Name: "guest", Groups: []string{"public"}, Tier: "free"},
		},
		JWTProviders: []JWTProvider{
			{Name: "hs", Issuer: "https://hs.example", Audiences: []string{"baton-api"},
				Algorithms: []string{AlgHS256}, Secret: hsSecret, Leeway: 30 * time.Second},
			{Name: "rs", Issuer: "https://rs.example", Audiences: []string{"baton-api", "other-api"},
				Algorithms: []string{AlgRS256}, PEMFile: pemFile},
			{Name: "jwks", Issuer: "https://jwks.example", Audiences: []string{"baton-api"},
				Algorithms: []string{AlgRS256, AlgES256, AlgEdDSA}, JWKSFile: jwksFile, ConsumerClaim: "client_id"},
			{Name: "mixed", Issuer: "https://mixed.example", Audiences: []string{"baton-api"},
				Algorithms: []string{AlgHS256, AlgRS256}, Secret: mixedSecret, PEMFile: pemFile},
		},
		Policies: []Policy{
			{Name: "key", Accept: []Kind{KindKey}},
			{Name: "key-header", Accept: []Kind{KindKey}, KeyNames: []string{"X-API-Key"},
				KeyIn: []string{KeyInHeader}, HideCredentials: true},
			{Name: "basic", Accept: []Kind{KindBasic}},
			{Name: "jwt", Accept: []Kind{KindJWT}, TokenQuery: "access_token", HideCredentials: true},
			{Name: "jwt-rs", Accept: []Kind{KindJWT}, Providers: []string{"rs"}},
			{Name: "mtls", Accept: []Kind{KindMTLS}},
			{Name: "any", Accept: []Kind{KindMTLS, KindJWT, KindBasic, KindKey}},
			{Name: "staff", Accept: []Kind{KindKey}, AllowGroups: []string{"staff"}},
			{Name: "public", Accept: []Kind{KindKey, KindJWT}, DenyGroups: []string{"banned"}, Anonymous: "guest"},
			{Name: "staff-anon", Accept: []Kind{KindKey}, AllowGroups: []string{"staff"}, Anonymous: "guest"},
		},
	}
}

func newTestAuth(tb testing.TB) *Authenticator {
	tb.Helper()
	a, err := New(testConfig(tb, tb.TempDir()))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return a
}

// claims returns valid claims for issuer iss and subject sub, expiring an
// hour after now; edit adds, replaces or (with a nil value) deletes claims.
func claims(iss, sub string, edit ...any) jwt.MapClaims {
	c := jwt.MapClaims{"iss": iss, "sub": sub, "aud": "baton-api", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	for i := 0; i+1 < len(edit); i += 2 {
		k := edit[i].(string)
		if edit[i+1] == nil {
			delete(c, k)
		} else {
			c[k] = edit[i+1]
		}
	}
	return c
}

func sign(tb testing.TB, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(m, c)
	if kid != "" {
		t.Header["kid"] = kid
	}
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return s
}

// headers builds an http.Header from name, value pairs (names are
// canonicalised as net/http does).
func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func bearerReq(token string) Request {
	return Request{Header: headers("Authorization", "Bearer "+token)}
}

func basicReq(user, pass string) Request {
	return Request{Header: headers("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))}
}

func queryReq(kv ...string) Request {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return Request{Header: http.Header{}, Query: q}
}

// leaf is a client certificate as the TLS layer hands it over. Its
// signature is never checked here: verification is the TLS layer's job and
// VerifiedChains is its verdict.
func leaf(cn string, dns []string, uris ...string) *x509.Certificate {
	c := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: dns}
	for _, u := range uris {
		pu, err := url.Parse(u)
		if err != nil {
			panic(err)
		}
		c.URIs = append(c.URIs, pu)
	}
	return c
}

func verified(c *x509.Certificate) *tls.ConnectionState {
	return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}, VerifiedChains: [][]*x509.Certificate{{c}}}
}
