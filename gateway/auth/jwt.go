package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxToken bounds the token length before any decoding; 8 KiB is the usual
// header line limit of proxies.
const maxToken = 8 << 10

var (
	errUnknownIssuer  = errors.New("jwt: iss names no trusted provider")
	errAlgNotAllowed  = errors.New("jwt: alg not allowed by the token's provider")
	errUnknownKid     = errors.New("jwt: no key matches the token's kid and alg")
	errBadKid         = errors.New("jwt: kid header is not a string")
	errTokenTooLong   = fmt.Errorf("jwt: token longer than %d bytes", maxToken)
	errEmptyBearer    = errors.New("jwt: empty bearer token")
	errTwoTokens      = errors.New("jwt: token in both Authorization header and query (RFC 6750 section 2)")
	errConsumerClaim  = errors.New("jwt: consumer claim missing or not a string")
	errUnknownSubject = errors.New("jwt: token subject maps to no consumer")
)

// provider is a compiled JWTProvider.
type provider struct {
	name   string
	issuer string
	claim  string
	// algs is the provider's allow-list.
	algs []string
	// byAlg lists, for each allowed algorithm, the keys that can verify it.
	byAlg map[string][]verifyKey
	// anyKid is what the key function returns for a token without kid:
	// the single key, or a jwt.VerificationKeySet tried in order.
	anyKid map[string]any
	// opts are the claim checks, clipped so that appending the per-call
	// time function never writes into a shared array.
	opts []jwt.ParserOption
}

func loadProviders(cfg []JWTProvider) ([]*provider, error) {
	var out []*provider
	for i, pc := range cfg {
		at := fmt.Sprintf("jwt_providers[%d]", i)
		var keys []verifyKey
		if pc.Secret != "" {
			keys = append(keys, verifyKey{key: []byte(pc.Secret)})
		}
		if pc.PEMFile != "" {
			ks, err := readKeys(pc.PEMFile, parsePEMKeys)
			if err != nil {
				return nil, &FieldError{Field: at + ".pem_file", Problem: err.Error()}
			}
			keys = append(keys, ks...)
		}
		if pc.JWKSFile != "" {
			ks, err := readKeys(pc.JWKSFile, parseJWKS)
			if err != nil {
				return nil, &FieldError{Field: at + ".jwks_file", Problem: err.Error()}
			}
			keys = append(keys, ks...)
		}
		p := &provider{
			name:   pc.Name,
			issuer: pc.Issuer,
			claim:  pc.ConsumerClaim,
			algs:   slices.Clone(pc.Algorithms),
			byAlg:  map[string][]verifyKey{},
			anyKid: map[string]any{},
		}
		if p.claim == "" {
			p.claim = DefaultConsumerClaim
		}
		for j, alg := range pc.Algorithms {
			var fit []verifyKey
			for _, k := range keys {
				if fits(alg, k) {
					fit = append(fit, k)
				}
			}
			if len(fit) == 0 {
				return nil, &FieldError{Field: fmt.Sprintf("%s.algorithms[%d]", at, j),
					Problem: fmt.Sprintf("no configured key can verify %s", alg)}
			}
			p.byAlg[alg] = fit
			p.anyKid[alg] = keySet(fit)
		}
		p.opts = slices.Clip([]jwt.ParserOption{
			jwt.WithLeeway(pc.Leeway),
			jwt.WithIssuer(pc.Issuer),
			jwt.WithAudience(pc.Audiences...),
			jwt.WithExpirationRequired(),
		})
		out = append(out, p)
	}
	return out, nil
}

func readKeys(path string, parse func([]byte) ([]verifyKey, error)) ([]verifyKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One byte over the limit lets the parser report the file as too big.
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	return parse(data)
}

// fits reports whether k may verify tokens signed with alg. Matching the key
// type to the algorithm family is what defeats RS/HS confusion: an HS256
// token only ever meets the HMAC secret, never the bytes of a public key.
func fits(alg string, k verifyKey) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch k.key.(type) {
	case []byte:
		return isHMAC(alg)
	case *rsa.PublicKey:
		return alg == AlgRS256
	case *ecdsa.PublicKey:
		return alg == AlgES256 // checkPublicKey admitted P-256 only
	case ed25519.PublicKey:
		return alg == AlgEdDSA
	}
	return false
}

func keySet(keys []verifyKey) any {
	if len(keys) == 1 {
		return keys[0].key
	}
	set := jwt.VerificationKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.key)
	}
	return set
}

// key picks the verification key for a token: keys whose kid equals the
// token's, else keys configured without a kid (secrets and PEM keys, which
// carry no kid to compare). A kid that matches neither is unknown.
func (p *provider) key(alg, kid string) any {
	keys := p.byAlg[alg]
	if kid == "" {
		return p.anyKid[alg]
	}
	var exact, anon []verifyKey
	for _, k := range keys {
		switch k.kid {
		case kid:
			exact = append(exact, k)
		case "":
			anon = append(anon, k)
		}
	}
	switch {
	case len(exact) > 0:
		return keySet(exact)
	case len(anon) > 0:
		return keySet(anon)
	}
	return nil
}

// jwtPolicy is the JWT part of one policy.
type jwtPolicy struct {
	// parser checks the signature and the alg allow-list only. Claims are
	// validated afterwards by the provider the token's iss selected, with
	// that provider's issuer, audiences and leeway and the request's time;
	// one parser cannot know those before it has read the token.
	parser   *jwt.Parser
	algs     []string
	byIssuer map[string]*provider
}

func newJWTPolicy(all []*provider, names []string) jwtPolicy {
	jp := jwtPolicy{byIssuer: map[string]*provider{}}
	for _, p := range all {
		if len(names) > 0 && !slices.Contains(names, p.name) {
			continue
		}
		jp.byIssuer[p.issuer] = p
		for _, alg := range p.algs {
			if !slices.Contains(jp.algs, alg) {
				jp.algs = append(jp.algs, alg)
			}
		}
	}
	jp.parser = jwt.NewParser(jwt.WithValidMethods(jp.algs), jwt.WithoutClaimsValidation())
	return jp
}

// bearer finds the token in "Authorization: Bearer" or the policy's query
// parameter.
func bearer(req Request, p *policy) (token, header, query string, present bool, f *failure) {
	scheme, creds, hasAuthz, af := authorization(req.Header)
	if af != nil {
		return "", "", "", true, af
	}
	fromHeader := hasAuthz && strings.EqualFold(scheme, "Bearer")
	var fromQuery bool
	if p.tokenQuery != "" {
		var qf *failure
		token, fromQuery, qf = single(req.Query[p.tokenQuery])
		if qf != nil {
			return "", "", "", true, qf
		}
	}
	switch {
	case fromHeader && fromQuery:
		return "", "", "", true, fail(ReasonMalformed, errTwoTokens)
	case fromHeader:
		if creds == "" {
			return "", "", "", true, fail(ReasonMalformed, errEmptyBearer)
		}
		return creds, "Authorization", "", true, nil
	case fromQuery:
		return token, "", p.tokenQuery, true, nil
	}
	return "", "", "", false, nil
}

func (a *Authenticator) checkJWT(req Request, p *policy, now time.Time) (match, bool, *failure) {
	raw, header, query, present, f := bearer(req, p)
	if !present || f != nil {
		return match{}, present, f
	}
	if len(raw) > maxToken {
		return match{}, true, fail(ReasonMalformed, errTokenTooLong)
	}
	var prov *provider
	claims := jwt.MapClaims{}
	tok, err := p.jwt.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		iss, err := claims.GetIssuer()
		if err != nil {
			return nil, err
		}
		pr := p.jwt.byIssuer[iss]
		if pr == nil {
			return nil, errUnknownIssuer
		}
		alg := t.Method.Alg()
		if _, ok := pr.byAlg[alg]; !ok {
			return nil, errAlgNotAllowed
		}
		var kid string
		if v, ok := t.Header["kid"]; ok {
			if kid, ok = v.(string); !ok {
				return nil, errBadKid
			}
		}
		key := pr.key(alg, kid)
		if key == nil {
			return nil, errUnknownKid
		}
		prov = pr
		return key, nil
	})
	if err != nil {
		return match{}, true, fail(jwtReason(err, tok, p.jwt.algs), err)
	}
	// Only now, with the signature verified, do the claims mean anything.
	opts := append(prov.opts, jwt.WithTimeFunc(func() time.Time { return now }))
	if err := jwt.NewValidator(opts...).Validate(claims); err != nil {
		return match{}, true, fail(jwtReason(err, tok, p.jwt.algs), err)
	}
	sub, ok := claims[prov.claim].(string)
	if !ok {
		return match{}, true, fail(ReasonBadClaims, errConsumerClaim)
	}
	s, ok := a.subjects[JWTSubject{Issuer: prov.issuer, Subject: sub}]
	if !ok {
		return match{}, true, fail(ReasonUnknownConsumer, errUnknownSubject)
	}
	return match{consumer: s.consumer, id: s.id, hideHeader: header, hideQuery: query}, true, nil
}

// jwtReason maps the jwt package's errors, and the key function's, to a
// Reason. The package reports an alg outside WithValidMethods as an invalid
// signature, so the token's alg is checked against the allow-list here.
func jwtReason(err error, tok *jwt.Token, allowed []string) Reason {
	switch {
	case errors.Is(err, errUnknownIssuer):
		return ReasonUnknownIssuer
	case errors.Is(err, errAlgNotAllowed):
		return ReasonBadAlgorithm
	case errors.Is(err, errUnknownKid):
		return ReasonUnknownKey
	case errors.Is(err, jwt.ErrTokenMalformed), errors.Is(err, errBadKid):
		return ReasonMalformed
	case tok == nil || tok.Method == nil:
		// Unknown or missing alg header.
		return ReasonBadAlgorithm
	case !slices.Contains(allowed, tok.Method.Alg()):
		return ReasonBadAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ReasonBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ReasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return ReasonNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ReasonBadAudience
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ReasonUnknownIssuer
	}
	// Missing required claims, claims of the wrong type.
	return ReasonBadClaims
}
