package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// jwk renders one key object; members are given as name, value pairs.
func jwk(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, fmt.Sprintf("%q:%q", kv[i], kv[i+1]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func set(ks ...string) string { return `{"keys":[` + strings.Join(ks, ",") + `]}` }

func TestParseJWKS(t *testing.T) {
	n, e := b64url(keys.rsa.N.Bytes()), b64url(big.NewInt(int64(keys.rsa.E)).Bytes())
	pt, _ := keys.ec1.PublicKey.Bytes()
	x, y := b64url(pt[1:33]), b64url(pt[33:])
	ed := b64url(keys.ed.Public().(ed25519.PublicKey))
	rsaKey := jwk("kty", "RSA", "kid", "r", "n", n, "e", e)
	ecKey := jwk("kty", "EC", "kid", "e", "crv", "P-256", "x", x, "y", y)
	edKey := jwk("kty", "OKP", "kid", "d", "crv", "Ed25519", "x", ed)
	// A point whose y is off by one is not on the curve.
	yOff := append([]byte(nil), pt[33:]...)
	yOff[31] ^= 1
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		doc  string
		want string // "<kid>/<alg>/<type>" per key, or the error (see matches)
	}{
		{"three kinds", set(rsaKey, ecKey, edKey), "r//*rsa.PublicKey e//*ecdsa.PublicKey d//ed25519.PublicKey"},
		{"alg members kept", set(jwk("kty", "RSA", "kid", "r", "alg", "RS256", "n", n, "e", e),
			jwk("kty", "EC", "crv", "P-256", "alg", "ES256", "x", x, "y", y),
			jwk("kty", "OKP", "crv", "Ed25519", "alg", "Ed25519", "x", ed)),
			"r/RS256/*rsa.PublicKey /ES256/*ecdsa.PublicKey /EdDSA/ed25519.PublicKey"},
		{"unusable keys skipped", set(
			jwk("kty", "RSA", "use", "enc", "n", n, "e", e),
			jwk("kty", "RSA", "alg", "PS256", "n", n, "e", e),
			jwk("kty", "EC", "crv", "P-384", "x", "AA", "y", "AA"),
			jwk("kty", "OKP", "crv", "X25519", "x", ed),
			jwk("kty", "oct", "alg", "HS256"),
			jwk("kty", "weird"),
			edKey), "d//ed25519.PublicKey"},
		{"leading zero exponent byte", set(jwk("kty", "RSA", "n", n, "e", b64url([]byte{0, 1, 0, 1}))), "//*rsa.PublicKey"},

		{"nothing usable", set(jwk("kty", "oct", "k", "")), "jwks: no RSA, P-256 or Ed25519 signing key"},
		{"empty", `{}`, "jwks: no RSA, P-256 or Ed25519 signing key"},
		{"not json", `{"keys":[`, "jwks: *"},
		{"keys not a list", `{"keys":{}}`, "jwks: json: *"},
		{"trailing data", set(edKey) + `{}`, "jwks: trailing data after the key set"},
		{"private rsa", set(jwk("kty", "RSA", "n", n, "e", e, "d", "AQAB")), "jwks: keys[0]: contains private key material (d or k)"},
		{"secret oct", set(jwk("kty", "oct", "k", "c2VjcmV0")), "jwks: keys[0]: contains private key material (d or k)"},
		{"rsa with es256", set(jwk("kty", "RSA", "alg", "ES256", "n", n, "e", e)), `jwks: keys[0]: alg "ES256" does not fit kty RSA`},
		{"p-256 with rs256", set(jwk("kty", "EC", "crv", "P-256", "alg", "RS256", "x", x, "y", y)),
			`jwks: keys[0]: alg "RS256" does not fit crv P-256`},
		{"ed25519 with es256", set(jwk("kty", "OKP", "crv", "Ed25519", "alg", "ES256", "x", ed)),
			`jwks: keys[0]: alg "ES256" does not fit crv Ed25519`},
		{"rsa without n", set(jwk("kty", "RSA", "e", e)), "jwks: keys[0]: n: required"},
		{"rsa padded n", set(jwk("kty", "RSA", "n", n+"==", "e", e)),
			"jwks: keys[0]: n: not unpadded base64url: illegal base64 data at input byte 342"},
		{"rsa 1024", set(jwk("kty", "RSA", "n", b64url(small.N.Bytes()), "e", e)),
			"jwks: keys[0]: rsa key of 1024 bits, want 2048 to 8192"},
		{"rsa even exponent", set(jwk("kty", "RSA", "n", n, "e", b64url([]byte{2}))),
			"jwks: keys[0]: rsa exponent 2 is not an odd number of at least 3"},
		{"rsa huge exponent", set(jwk("kty", "RSA", "n", n, "e", b64url([]byte{1, 0, 0, 0, 1}))),
			"jwks: keys[0]: e: exponent of 5 bytes"},
		{"rsa zero exponent", set(jwk("kty", "RSA", "n", n, "e", "AA")), "jwks: keys[0]: e: exponent of 0 bytes"},
		{"ec short x", set(jwk("kty", "EC", "crv", "P-256", "x", b64url(pt[1:32]), "y", y)),
			"jwks: keys[0]: x, y: want 32 bytes each for P-256, have 31 and 32"},
		{"ec off curve", set(jwk("kty", "EC", "crv", "P-256", "x", x, "y", b64url(yOff))),
			"jwks: keys[0]: x, y: *"},
		{"ed25519 short", set(jwk("kty", "OKP", "crv", "Ed25519", "x", b64url(make([]byte, 31)))),
			"jwks: keys[0]: x: want 32 bytes for Ed25519, have 31"},
		{"second key broken", set(edKey, jwk("kty", "OKP", "crv", "Ed25519")), "jwks: keys[1]: x: required"},
		{"too many keys", set(slicesRepeat(edKey, maxJWKSKeys+1)...), "jwks: 101 keys, more than 100"},
		{"too big", strings.Repeat(" ", maxKeyFile+1), "jwks: larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := parseJWKS([]byte(tt.doc))
			if got := describeKeys(ks, err); !matches(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// matches compares exactly, except that a want ending in "*" only fixes
// the prefix: the rest is the standard library's wording, which is not
// ours to pin.
func matches(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(got, p) && len(got) > len(p)
	}
	return got == want
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func describeKeys(ks []verifyKey, err error) string {
	if err != nil {
		return err.Error()
	}
	var d []string
	for _, k := range ks {
		d = append(d, fmt.Sprintf("%s/%s/%T", k.kid, k.alg, k.key))
	}
	return strings.Join(d, " ")
}

func TestParsePEMKeys(t *testing.T) {
	block := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pkix := func(k any) string {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return block("PUBLIC KEY", der)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkixName("issuer"),
		NotBefore: now, NotAfter: now.Add(time.Hour)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &keys.ec1.PublicKey, keys.ec1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  string
		want string
	}{
		{"pkix rsa, ec, ed25519", pkix(&keys.rsa.PublicKey) + pkix(&keys.ec1.PublicKey) + pkix(keys.ed.Public()),
			"//*rsa.PublicKey //*ecdsa.PublicKey //ed25519.PublicKey"},
		{"pkcs1 rsa", block("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&keys.rsa.PublicKey)), "//*rsa.PublicKey"},
		{"certificate", block("CERTIFICATE", certDER), "//*ecdsa.PublicKey"},
		{"p-384", pkix(&p384.PublicKey), "pem: block 0: ecdsa key on P-384, want P-256"},
		{"private key", block("EC PRIVATE KEY", []byte{1}), "pem: block 0 is a private key; give the public key"},
		{"other block", pkix(keys.ed.Public()) + block("CERTIFICATE REQUEST", []byte{1}),
			`pem: block 1: unexpected type "CERTIFICATE REQUEST"`},
		{"bad der", block("PUBLIC KEY", []byte{1, 2, 3}),
			"pem: block 0: *"},
		{"no pem", "hello", "pem: no PEM block found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := parsePEMKeys([]byte(tt.pem))
			if got := describeKeys(ks, err); !matches(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func pkixName(cn string) pkix.Name { return pkix.Name{CommonName: cn} }
