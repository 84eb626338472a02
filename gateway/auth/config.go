package auth

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Kind names a credential kind a policy can accept.
type Kind string

// Credential kinds. KindAnonymous never appears in a policy's Accept list;
// it marks a Result produced by the policy's anonymous consumer.
const (
	KindKey       Kind = "key"
	KindJWT       Kind = "jwt"
	KindBasic     Kind = "basic"
	KindMTLS      Kind = "mtls"
	KindAnonymous Kind = "anonymous"
)

// Places an API key may be read from (Policy.KeyIn).
const (
	KeyInHeader = "header"
	KeyInQuery  = "query"
)

// JWT algorithms Baton verifies. Anything else, "none" first of all, is
// refused by Validate so a provider's allow-list can only name these.
const (
	AlgHS256 = "HS256"
	AlgHS384 = "HS384"
	AlgHS512 = "HS512"
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// Defaults applied to zero values.
const (
	// DefaultKeyName is Kong key-auth's default key_names entry.
	DefaultKeyName = "apikey"
	// DefaultConsumerClaim is the JWT claim mapped to a consumer's
	// JWTCredential.Subject when a provider does not name one.
	DefaultConsumerClaim = "sub"
	// DefaultRealm is the realm of WWW-Authenticate challenges.
	DefaultRealm = "baton"
)

// maxLeeway bounds a provider's clock skew allowance: beyond a few minutes
// leeway stops compensating for skew and starts extending token lifetimes.
const maxLeeway = 5 * time.Minute

// Config is the whole authentication section of the gateway.
type Config struct {
	Consumers    []Consumer    `json:"consumers,omitempty" yaml:"consumers,omitempty"`
	JWTProviders []JWTProvider `json:"jwt_providers,omitempty" yaml:"jwt_providers,omitempty"`
	Policies     []Policy      `json:"policies,omitempty" yaml:"policies,omitempty"`
}

// Consumer is an identity the gateway knows: who is calling, which groups
// the ACL sees and which tier rate limits key on.
type Consumer struct {
	Name        string      `json:"name" yaml:"name"`
	Groups      []string    `json:"groups,omitempty" yaml:"groups,omitempty"`
	Tier        string      `json:"tier,omitempty" yaml:"tier,omitempty"`
	Credentials Credentials `json:"credentials,omitempty" yaml:"credentials,omitempty"`
}

// Credentials are the ways a consumer can prove who it is.
type Credentials struct {
	APIKeys     []APIKey       `json:"api_keys,omitempty" yaml:"api_keys,omitempty"`
	Basic       []BasicUser    `json:"basic,omitempty" yaml:"basic,omitempty"`
	JWT         []JWTSubject   `json:"jwt,omitempty" yaml:"jwt,omitempty"`
	ClientCerts []CertIdentity `json:"client_certs,omitempty" yaml:"client_certs,omitempty"`
}

// APIKey is one key-auth credential.
type APIKey struct {
	// ID names the key in results and the X-Credential header, so the key
	// itself never travels upstream; the default is "<consumer>-key-<index>".
	ID string `json:"id,omitempty" yaml:"id,omitempty"`
	// Key is the secret the client sends.
	Key string `json:"key" yaml:"key"`
}

// BasicUser is one basic-auth credential. Only the bcrypt hash is stored.
type BasicUser struct {
	Username string `json:"username" yaml:"username"`
	// Hash is a bcrypt hash ("$2a$10$..."), as made by `htpasswd -B`.
	Hash string `json:"hash" yaml:"hash"`
}

// JWTSubject maps a verified token to this consumer: the token's issuer is
// Issuer and its provider's consumer claim (default "sub") is Subject.
type JWTSubject struct {
	Issuer  string `json:"issuer" yaml:"issuer"`
	Subject string `json:"subject" yaml:"subject"`
}

// CertIdentity maps a verified client certificate to this consumer. Exactly
// one field is set.
type CertIdentity struct {
	// CommonName matches the leaf certificate's subject CN.
	CommonName string `json:"common_name,omitempty" yaml:"common_name,omitempty"`
	// SPIFFEID matches a spiffe:// URI SAN of the leaf.
	SPIFFEID string `json:"spiffe_id,omitempty" yaml:"spiffe_id,omitempty"`
	// DNSName matches a DNS SAN of the leaf.
	DNSName string `json:"dns_name,omitempty" yaml:"dns_name,omitempty"`
}

// JWTProvider is a trusted token issuer.
type JWTProvider struct {
	Name string `json:"name" yaml:"name"`
	// Issuer is the exact iss claim; a token's iss selects its provider.
	Issuer string `json:"issuer" yaml:"issuer"`
	// Audiences lists accepted aud values; a token must carry one of them.
	Audiences []string `json:"audiences" yaml:"audiences"`
	// Algorithms is the explicit allow-list (OWASP: never trust the token's
	// alg header alone). Each entry needs a key of its family.
	Algorithms []string `json:"algorithms" yaml:"algorithms"`
	// Secret is the HMAC key for HS* algorithms, at least as long as the
	// hash output (RFC 7518 section 3.2).
	Secret string `json:"secret,omitempty" yaml:"secret,omitempty"`
	// PEMFile holds public keys or certificates (RSA, P-256, Ed25519).
	PEMFile string `json:"pem_file,omitempty" yaml:"pem_file,omitempty"`
	// JWKSFile holds a JSON Web Key Set; a token's kid selects its key.
	JWKSFile string `json:"jwks_file,omitempty" yaml:"jwks_file,omitempty"`
	// Leeway tolerates clock skew on exp and nbf; zero means none.
	Leeway time.Duration `json:"leeway,omitempty" yaml:"leeway,omitempty"`
	// ConsumerClaim names the string claim matched against
	// JWTSubject.Subject; the default is "sub".
	ConsumerClaim string `json:"consumer_claim,omitempty" yaml:"consumer_claim,omitempty"`
}

// Policy is what a route asks of its callers.
type Policy struct {
	Name string `json:"name" yaml:"name"`
	// Accept lists the credential kinds tried, in order. The first kind
	// whose credential the request carries decides: valid means
	// authenticated, invalid means 401 (no fall-through to later kinds or
	// to Anonymous, so a bad token is reported rather than downgraded).
	Accept []Kind `json:"accept" yaml:"accept"`
	// AllowGroups, when set, admits only consumers in one of these groups.
	AllowGroups []string `json:"allow_groups,omitempty" yaml:"allow_groups,omitempty"`
	// DenyGroups refuses consumers in any of these groups; deny wins.
	DenyGroups []string `json:"deny_groups,omitempty" yaml:"deny_groups,omitempty"`
	// Anonymous names the consumer used when the request carries no
	// accepted credential; empty means anonymous access is off. The ACL
	// still applies to it.
	Anonymous string `json:"anonymous,omitempty" yaml:"anonymous,omitempty"`
	// KeyNames are the header and query parameter names an API key is read
	// from, in order; the default is ["apikey"].
	KeyNames []string `json:"key_names,omitempty" yaml:"key_names,omitempty"`
	// KeyIn lists where keys are read: "header", "query" or both (the
	// default, headers first).
	KeyIn []string `json:"key_in,omitempty" yaml:"key_in,omitempty"`
	// TokenQuery, when set, also reads a JWT from this query parameter
	// (off by default: URLs end up in logs). Tokens are always read from
	// "Authorization: Bearer".
	TokenQuery string `json:"token_query,omitempty" yaml:"token_query,omitempty"`
	// Providers restricts which JWT providers this policy trusts; the
	// default is all of them.
	Providers []string `json:"providers,omitempty" yaml:"providers,omitempty"`
	// HideCredentials asks the gateway to remove the matched credential
	// before proxying (Kong's hide_credentials); see Result.HideCredentials.
	HideCredentials bool `json:"hide_credentials,omitempty" yaml:"hide_credentials,omitempty"`
	// Realm is the realm of challenges; the default is "baton".
	Realm string `json:"realm,omitempty" yaml:"realm,omitempty"`
}

// minSecret is the HMAC secret length an HS algorithm needs (RFC 7518
// section 3.2: at least the hash output size), or 0 for other algorithms.
func minSecret(alg string) int {
	switch alg {
	case AlgHS256:
		return 32
	case AlgHS384:
		return 48
	case AlgHS512:
		return 64
	}
	return 0
}

func isHMAC(alg string) bool { return minSecret(alg) > 0 }

func knownAlg(alg string) bool {
	switch alg {
	case AlgHS256, AlgHS384, AlgHS512, AlgRS256, AlgES256, AlgEdDSA:
		return true
	}
	return false
}

// validator collects every problem so one run of Validate reports them all.
type validator struct{ errs []error }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// FieldError is one problem Validate found, naming the field by its path
// ("consumers[2].credentials.basic[0].hash").
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return "auth: " + e.Field + ": " + e.Problem }

// Validate checks the configuration without reading any file and reports
// every problem as a *FieldError, joined with errors.Join. Zero values that
// have a default are valid.
func (c *Config) Validate() error {
	v := &validator{}
	consumers := map[string]int{}
	for i, cons := range c.Consumers {
		if prev, dup := consumers[cons.Name]; dup && cons.Name != "" {
			v.add(fmt.Sprintf("consumers[%d].name", i), "duplicate of consumers[%d]", prev)
		} else {
			consumers[cons.Name] = i
		}
	}
	issuers := map[string]int{}
	providers := map[string]int{}
	for i, p := range c.JWTProviders {
		c.validateProvider(v, i, p)
		if prev, dup := providers[p.Name]; dup && p.Name != "" {
			v.add(fmt.Sprintf("jwt_providers[%d].name", i), "duplicate of jwt_providers[%d]", prev)
		} else {
			providers[p.Name] = i
		}
		// A token's iss picks its provider, so issuers must be unique.
		if prev, dup := issuers[p.Issuer]; dup && p.Issuer != "" {
			v.add(fmt.Sprintf("jwt_providers[%d].issuer", i), "duplicate of jwt_providers[%d]", prev)
		} else {
			issuers[p.Issuer] = i
		}
	}
	c.validateConsumers(v, issuers)
	policies := map[string]int{}
	for i, p := range c.Policies {
		validatePolicy(v, i, p, consumers, providers, len(c.JWTProviders))
		if prev, dup := policies[p.Name]; dup && p.Name != "" {
			v.add(fmt.Sprintf("policies[%d].name", i), "duplicate of policies[%d]", prev)
		} else {
			policies[p.Name] = i
		}
	}
	return errors.Join(v.errs...)
}

func (c *Config) validateConsumers(v *validator, issuers map[string]int) {
	// Credentials identify one consumer each; these maps find the clash.
	keys := map[string]string{}
	keyIDs := map[string]string{}
	users := map[string]string{}
	subjects := map[JWTSubject]string{}
	certs := map[CertIdentity]string{}
	for i, cons := range c.Consumers {
		at := fmt.Sprintf("consumers[%d]", i)
		checkName(v, at+".name", cons.Name, true)
		for j, g := range cons.Groups {
			checkName(v, fmt.Sprintf("%s.groups[%d]", at, j), g, true)
			if slices.Index(cons.Groups, g) < j {
				v.add(fmt.Sprintf("%s.groups[%d]", at, j), "duplicate group %q", g)
			}
		}
		checkName(v, at+".tier", cons.Tier, false)
		cr := cons.Credentials
		for j, k := range cr.APIKeys {
			f := fmt.Sprintf("%s.credentials.api_keys[%d]", at, j)
			if k.ID != "" {
				checkName(v, f+".id", k.ID, true)
			}
			id := keyID(cons.Name, j, k)
			if prev, dup := keyIDs[id]; dup {
				v.add(f+".id", "%q already used by %s", id, prev)
			} else {
				keyIDs[id] = f
			}
			switch {
			case k.Key == "":
				v.add(f+".key", "required")
			case !visibleASCII(k.Key) || len(k.Key) > 256:
				v.add(f+".key", "must be 1 to 256 visible ASCII characters (it travels in a header)")
			}
			// The clash message names the other field, never the key.
			if prev, dup := keys[k.Key]; dup && k.Key != "" {
				v.add(f+".key", "same key as %s", prev)
			} else {
				keys[k.Key] = f
			}
		}
		for j, b := range cr.Basic {
			f := fmt.Sprintf("%s.credentials.basic[%d]", at, j)
			switch {
			case b.Username == "":
				v.add(f+".username", "required")
			case strings.Contains(b.Username, ":") || !printable(b.Username) || len(b.Username) > 256:
				v.add(f+".username", "must be 1 to 256 printable characters without ':' (RFC 7617)")
			}
			if prev, dup := users[b.Username]; dup && b.Username != "" {
				v.add(f+".username", "%q already used by %s", b.Username, prev)
			} else {
				users[b.Username] = f
			}
			if _, err := bcrypt.Cost([]byte(b.Hash)); err != nil {
				v.add(f+".hash", "not a bcrypt hash: %v", err)
			}
		}
		for j, s := range cr.JWT {
			f := fmt.Sprintf("%s.credentials.jwt[%d]", at, j)
			if _, ok := issuers[s.Issuer]; !ok {
				v.add(f+".issuer", "%q is not the issuer of any jwt_providers entry", s.Issuer)
			}
			if s.Subject == "" || !printable(s.Subject) {
				v.add(f+".subject", "must be non-empty printable text")
			}
			if prev, dup := subjects[s]; dup {
				v.add(f, "issuer and subject already used by %s", prev)
			} else {
				subjects[s] = f
			}
		}
		for j, id := range cr.ClientCerts {
			f := fmt.Sprintf("%s.credentials.client_certs[%d]", at, j)
			set := 0
			for _, s := range []string{id.CommonName, id.SPIFFEID, id.DNSName} {
				if s != "" {
					set++
				}
			}
			if set != 1 {
				v.add(f, "set exactly one of common_name, spiffe_id, dns_name")
				continue
			}
			switch {
			case id.CommonName != "" && !printable(id.CommonName):
				v.add(f+".common_name", "must be printable text")
			case id.SPIFFEID != "" && !validSPIFFE(id.SPIFFEID):
				v.add(f+".spiffe_id", "must be spiffe://<trust domain>/<path>")
			case id.DNSName != "" && !visibleASCII(id.DNSName):
				v.add(f+".dns_name", "must be a DNS name")
			}
			if prev, dup := certs[id]; dup {
				v.add(f, "identity already used by %s", prev)
			} else {
				certs[id] = f
			}
		}
	}
}

func (c *Config) validateProvider(v *validator, i int, p JWTProvider) {
	at := fmt.Sprintf("jwt_providers[%d]", i)
	checkName(v, at+".name", p.Name, true)
	if p.Issuer == "" || !printable(p.Issuer) {
		v.add(at+".issuer", "required (the exact iss claim)")
	}
	if len(p.Audiences) == 0 {
		v.add(at+".audiences", "required: list the aud values this gateway accepts")
	}
	for j, a := range p.Audiences {
		if a == "" {
			v.add(fmt.Sprintf("%s.audiences[%d]", at, j), "must not be empty")
		}
	}
	if len(p.Algorithms) == 0 {
		v.add(at+".algorithms", "required: an explicit allow-list such as [RS256]")
	}
	hmacAlgs, asymAlgs := 0, 0
	for j, alg := range p.Algorithms {
		f := fmt.Sprintf("%s.algorithms[%d]", at, j)
		switch {
		case strings.EqualFold(alg, "none"):
			v.add(f, "\"none\" is never accepted: unsigned tokens prove nothing")
		case !knownAlg(alg):
			v.add(f, "unsupported algorithm %q (want HS256, HS384, HS512, RS256, ES256 or EdDSA)", alg)
		case slices.Index(p.Algorithms, alg) < j:
			v.add(f, "duplicate algorithm %q", alg)
		case isHMAC(alg):
			hmacAlgs++
			if p.Secret == "" {
				v.add(at+".secret", "required by %s", alg)
			} else if n := minSecret(alg); len(p.Secret) < n {
				v.add(at+".secret", "%s needs at least %d bytes, have %d (RFC 7518 section 3.2)", alg, n, len(p.Secret))
			}
		default:
			asymAlgs++
			if p.PEMFile == "" && p.JWKSFile == "" {
				v.add(at, "%s needs pem_file or jwks_file", alg)
			}
		}
	}
	// A key no allowed algorithm can use is a configuration mistake, and a
	// secret lying next to public keys is how RS/HS confusion starts.
	if p.Secret != "" && hmacAlgs == 0 {
		v.add(at+".secret", "set but no HS* algorithm is allowed")
	}
	if (p.PEMFile != "" || p.JWKSFile != "") && asymAlgs == 0 {
		v.add(at+".algorithms", "pem_file or jwks_file given but no RS256, ES256 or EdDSA allowed")
	}
	if p.Leeway < 0 || p.Leeway > maxLeeway {
		v.add(at+".leeway", "must be between 0 and %v", maxLeeway)
	}
	if p.ConsumerClaim != "" && !printable(p.ConsumerClaim) {
		v.add(at+".consumer_claim", "must be printable text")
	}
}

func validatePolicy(v *validator, i int, p Policy, consumers, providers map[string]int, nProviders int) {
	at := fmt.Sprintf("policies[%d]", i)
	checkName(v, at+".name", p.Name, true)
	if len(p.Accept) == 0 {
		v.add(at+".accept", "required: list of key, jwt, basic, mtls")
	}
	for j, k := range p.Accept {
		f := fmt.Sprintf("%s.accept[%d]", at, j)
		switch {
		case k != KindKey && k != KindJWT && k != KindBasic && k != KindMTLS:
			v.add(f, "unknown credential kind %q (want key, jwt, basic or mtls)", k)
		case slices.Index(p.Accept, k) < j:
			v.add(f, "duplicate kind %q", k)
		case k == KindJWT && nProviders == 0:
			v.add(f, "jwt needs at least one jwt_providers entry")
		}
	}
	for j, g := range p.AllowGroups {
		checkName(v, fmt.Sprintf("%s.allow_groups[%d]", at, j), g, true)
	}
	for j, g := range p.DenyGroups {
		checkName(v, fmt.Sprintf("%s.deny_groups[%d]", at, j), g, true)
		if slices.Contains(p.AllowGroups, g) {
			v.add(fmt.Sprintf("%s.deny_groups[%d]", at, j), "%q is also in allow_groups", g)
		}
	}
	if p.Anonymous != "" {
		if _, ok := consumers[p.Anonymous]; !ok {
			v.add(at+".anonymous", "no consumer named %q", p.Anonymous)
		}
	}
	for j, n := range p.KeyNames {
		if !isToken(n) {
			v.add(fmt.Sprintf("%s.key_names[%d]", at, j), "%q is not a valid header name", n)
		}
	}
	for j, in := range p.KeyIn {
		if in != KeyInHeader && in != KeyInQuery {
			v.add(fmt.Sprintf("%s.key_in[%d]", at, j), "%q: want header or query", in)
		}
	}
	if p.TokenQuery != "" && !isToken(p.TokenQuery) {
		v.add(at+".token_query", "%q is not a valid parameter name", p.TokenQuery)
	}
	for j, name := range p.Providers {
		if _, ok := providers[name]; !ok {
			v.add(fmt.Sprintf("%s.providers[%d]", at, j), "no jwt provider named %q", name)
		}
	}
	if strings.ContainsAny(p.Realm, "\"\\") || !printable(p.Realm) {
		v.add(at+".realm", "must be printable text without quotes or backslashes")
	}
}

// checkName accepts the names that end up in X-Consumer-* headers and
// telemetry attributes: no spaces, commas or control characters.
func checkName(v *validator, field, s string, required bool) {
	if s == "" {
		if required {
			v.add(field, "required")
		}
		return
	}
	if len(s) > 128 {
		v.add(field, "longer than 128 bytes")
		return
	}
	for i, r := range s {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			i > 0 && strings.ContainsRune("._:@/+-", r))
		if !ok {
			v.add(field, "%q: use letters, digits and ._:@/+- (starting with a letter or digit)", s)
			return
		}
	}
}

func visibleASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 9110 token (header names, auth
// schemes, parameter names kept simple).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

func validSPIFFE(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "spiffe" && u.Host != "" && u.User == nil && u.RawQuery == "" &&
		u.Fragment == "" && u.Port() == "" && s == u.String()
}

// keyID is the identifier results carry for an API key.
func keyID(consumer string, index int, k APIKey) string {
	if k.ID != "" {
		return k.ID
	}
	return fmt.Sprintf("%s-key-%d", consumer, index)
}
