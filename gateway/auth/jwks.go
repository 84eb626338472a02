package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Bounds on key material read from files. They keep a hostile or broken
// file from costing much, and refuse RSA keys too small to trust (NIST
// SP 800-57 and OWASP: at least 2048 bits).
const (
	maxKeyFile    = 1 << 20
	maxJWKSKeys   = 100
	minRSABits    = 2048
	maxRSABits    = 8192
	maxRSAExpSize = 4 // bytes; RSA exponents in the wild are 65537
)

// verifyKey is one public key or secret a provider verifies with.
type verifyKey struct {
	// kid is the JWKS key ID; empty for secrets and PEM keys, which then
	// match tokens whatever their kid.
	kid string
	// alg, when set (a JWKS "alg" member), is the only algorithm the key
	// may verify.
	alg string
	// key is []byte, *rsa.PublicKey, *ecdsa.PublicKey (P-256) or
	// ed25519.PublicKey: the types the jwt package's methods expect.
	key any
}

// jwksDoc is a JSON Web Key Set (RFC 7517), with only the members Baton
// reads. Private members are declared so their presence can be refused.
type jwksDoc struct {
	Keys []jwkDoc `json:"keys"`
}

type jwkDoc struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"`
	K   string `json:"k"`
}

// parseJWKS reads the signing keys of a JWK Set. Keys Baton cannot use
// (encryption keys, symmetric "oct" keys, other curves and algorithms) are
// skipped because real sets mix them in; a key Baton could use but that is
// malformed is an error, as is a set with no usable key at all.
func parseJWKS(data []byte) ([]verifyKey, error) {
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("jwks: larger than %d bytes", maxKeyFile)
	}
	var doc jwksDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if dec.More() {
		return nil, errors.New("jwks: trailing data after the key set")
	}
	if len(doc.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("jwks: %d keys, more than %d", len(doc.Keys), maxJWKSKeys)
	}
	var keys []verifyKey
	for i, k := range doc.Keys {
		vk, usable, err := parseJWK(k)
		if err != nil {
			return nil, fmt.Errorf("jwks: keys[%d]: %w", i, err)
		}
		if usable {
			keys = append(keys, vk)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: no RSA, P-256 or Ed25519 signing key")
	}
	return keys, nil
}

func parseJWK(k jwkDoc) (verifyKey, bool, error) {
	if k.D != "" || k.K != "" {
		// A public key set that carries private or secret material has
		// leaked it; refusing is kinder than using it quietly.
		return verifyKey{}, false, errors.New("contains private key material (d or k)")
	}
	if k.Use != "" && k.Use != "sig" {
		return verifyKey{}, false, nil
	}
	vk := verifyKey{kid: k.Kid, alg: k.Alg}
	var err error
	switch {
	case k.Kty == "RSA":
		if !algFits(k.Alg, AlgRS256, "RS", "PS") {
			return verifyKey{}, false, fmt.Errorf("alg %q does not fit kty RSA", k.Alg)
		}
		if k.Alg != "" && k.Alg != AlgRS256 {
			return verifyKey{}, false, nil
		}
		vk.key, err = jwkRSA(k.N, k.E)
	case k.Kty == "EC" && k.Crv == "P-256":
		if k.Alg != "" && k.Alg != AlgES256 {
			return verifyKey{}, false, fmt.Errorf("alg %q does not fit crv P-256", k.Alg)
		}
		vk.key, err = jwkP256(k.X, k.Y)
	case k.Kty == "OKP" && k.Crv == "Ed25519":
		// RFC 9864 names the algorithm "Ed25519"; older sets say "EdDSA".
		if k.Alg != "" && k.Alg != AlgEdDSA && k.Alg != "Ed25519" {
			return verifyKey{}, false, fmt.Errorf("alg %q does not fit crv Ed25519", k.Alg)
		}
		vk.alg = ""
		if k.Alg != "" {
			vk.alg = AlgEdDSA
		}
		vk.key, err = jwkEd25519(k.X)
	default:
		return verifyKey{}, false, nil
	}
	if err != nil {
		return verifyKey{}, false, err
	}
	return vk, true, nil
}

// algFits reports whether alg is empty, want, or another algorithm of the
// same family (by prefix): another family on this key type is an error.
func algFits(alg, want string, families ...string) bool {
	if alg == "" || alg == want {
		return true
	}
	for _, f := range families {
		if strings.HasPrefix(alg, f) {
			return true
		}
	}
	return false
}

func b64(field, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%s: required", field)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: not unpadded base64url: %w", field, err)
	}
	return b, nil
}

func jwkRSA(n, e string) (*rsa.PublicKey, error) {
	nb, err := b64("n", n)
	if err != nil {
		return nil, err
	}
	eb, err := b64("e", e)
	if err != nil {
		return nil, err
	}
	eb = bytes.TrimLeft(eb, "\x00")
	if len(eb) == 0 || len(eb) > maxRSAExpSize {
		return nil, fmt.Errorf("e: exponent of %d bytes", len(eb))
	}
	exp := 0
	for _, c := range eb {
		exp = exp<<8 | int(c)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: exp}
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func jwkP256(x, y string) (*ecdsa.PublicKey, error) {
	xb, err := b64("x", x)
	if err != nil {
		return nil, err
	}
	yb, err := b64("y", y)
	if err != nil {
		return nil, err
	}
	// RFC 7518 section 6.2.1.2: coordinates are full-length octet strings.
	if len(xb) != 32 || len(yb) != 32 {
		return nil, fmt.Errorf("x, y: want 32 bytes each for P-256, have %d and %d", len(xb), len(yb))
	}
	point := make([]byte, 0, 65)
	point = append(point, 4)
	point = append(append(point, xb...), yb...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("x, y: %w", err)
	}
	return pub, nil
}

func jwkEd25519(x string) (ed25519.PublicKey, error) {
	xb, err := b64("x", x)
	if err != nil {
		return nil, err
	}
	if len(xb) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("x: want %d bytes for Ed25519, have %d", ed25519.PublicKeySize, len(xb))
	}
	return ed25519.PublicKey(xb), nil
}

// checkPublicKey refuses key types and sizes Baton does not verify with.
func checkPublicKey(k any) error {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return fmt.Errorf("rsa key of %d bits, want %d to %d", bits, minRSABits, maxRSABits)
		}
		if k.E < 3 || k.E%2 == 0 {
			return fmt.Errorf("rsa exponent %d is not an odd number of at least 3", k.E)
		}
		if k.N.Bit(0) == 0 {
			return errors.New("rsa modulus is even")
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("ecdsa key on %s, want P-256", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return errors.New("ed25519 key of wrong size")
		}
	default:
		return fmt.Errorf("unsupported key type %T", k)
	}
	return nil
}

// parsePEMKeys reads every public key or certificate in a PEM file.
func parsePEMKeys(data []byte) ([]verifyKey, error) {
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("pem: larger than %d bytes", maxKeyFile)
	}
	var keys []verifyKey
	for n := 0; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				key = cert.PublicKey
			}
		default:
			if strings.Contains(block.Type, "PRIVATE KEY") {
				return nil, fmt.Errorf("pem: block %d is a private key; give the public key", n)
			}
			return nil, fmt.Errorf("pem: block %d: unexpected type %q", n, block.Type)
		}
		if err == nil {
			err = checkPublicKey(key)
		}
		if err != nil {
			return nil, fmt.Errorf("pem: block %d: %w", n, err)
		}
		keys = append(keys, verifyKey{key: key})
	}
	if len(keys) == 0 {
		return nil, errors.New("pem: no PEM block found")
	}
	return keys, nil
}
