package auth

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// minimalConfig is valid and reads no file.
func minimalConfig() Config {
	return Config{
		Consumers: []Consumer{
			{Name: "alice", Groups: []string{"staff"}, Tier: "gold", Credentials: Credentials{
				APIKeys:     []APIKey{{Key: aliceKey}},
				Basic:       []BasicUser{{Username: "alice", Hash: keys.aliceHash}},
				JWT:         []JWTSubject{{Issuer: "https://hs.example", Subject: "alice"}},
				ClientCerts: []CertIdentity{{SPIFFEID: "spiffe://baton.test/alice"}},
			}},
			{Name: "guest"},
		},
		JWTProviders: []JWTProvider{{Name: "hs", Issuer: "https://hs.example", Audiences: []string{"api"},
			Algorithms: []string{AlgHS256}, Secret: hsSecret}},
		Policies: []Policy{{Name: "p", Accept: []Kind{KindKey, KindJWT}, Anonymous: "guest"}},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		want string // the joined error text; "" for valid
	}{
		{"minimal", func(c *Config) {}, ""},
		{"empty config", func(c *Config) { *c = Config{} }, ""},
		{"consumer name missing", func(c *Config) { c.Consumers[1].Name = "" },
			"auth: consumers[1].name: required\nauth: policies[0].anonymous: no consumer named \"guest\""},
		{"consumer name with space", func(c *Config) { c.Consumers[1].Name = "the guest"; c.Policies[0].Anonymous = "" },
			`auth: consumers[1].name: "the guest": use letters, digits and ._:@/+- (starting with a letter or digit)`},
		{"duplicate consumer", func(c *Config) { c.Consumers[1].Name = "alice"; c.Policies[0].Anonymous = "" },
			"auth: consumers[1].name: duplicate of consumers[0]"},
		{"group with comma", func(c *Config) { c.Consumers[0].Groups = []string{"a,b"} },
			`auth: consumers[0].groups[0]: "a,b": use letters, digits and ._:@/+- (starting with a letter or digit)`},
		{"duplicate group", func(c *Config) { c.Consumers[0].Groups = []string{"a", "a"} },
			`auth: consumers[0].groups[1]: duplicate group "a"`},
		{"tier with space", func(c *Config) { c.Consumers[0].Tier = "gold plus" },
			`auth: consumers[0].tier: "gold plus": use letters, digits and ._:@/+- (starting with a letter or digit)`},
		{"empty api key", func(c *Config) { c.Consumers[0].Credentials.APIKeys[0].Key = "" },
			"auth: consumers[0].credentials.api_keys[0].key: required"},
		{"api key with space", func(c *Config) { c.Consumers[0].Credentials.APIKeys[0].Key = "a b" },
			"auth: consumers[0].credentials.api_keys[0].key: must be 1 to 256 visible ASCII characters (it travels in a header)"},
		{"shared api key", func(c *Config) { c.Consumers[1].Credentials.APIKeys = []APIKey{{Key: aliceKey}} },
			"auth: consumers[1].credentials.api_keys[0].key: same key as consumers[0].credentials.api_keys[0]"},
		{"duplicate api key id", func(c *Config) {
			c.Consumers[0].Credentials.APIKeys = append(c.Consumers[0].Credentials.APIKeys, APIKey{ID: "alice-key-0", Key: "other"})
		}, `auth: consumers[0].credentials.api_keys[1].id: "alice-key-0" already used by consumers[0].credentials.api_keys[0]`},
		{"basic user with colon", func(c *Config) { c.Consumers[0].Credentials.Basic[0].Username = "a:b" },
			"auth: consumers[0].credentials.basic[0].username: must be 1 to 256 printable characters without ':' (RFC 7617)"},
		{"basic plain-text password", func(c *Config) { c.Consumers[0].Credentials.Basic[0].Hash = "wonderland" },
			"auth: consumers[0].credentials.basic[0].hash: not a bcrypt hash: crypto/bcrypt: hashedSecret too short to be a bcrypted password"},
		{"basic user twice", func(c *Config) {
			c.Consumers[1].Credentials.Basic = []BasicUser{{Username: "alice", Hash: keys.bobHash}}
		}, `auth: consumers[1].credentials.basic[0].username: "alice" already used by consumers[0].credentials.basic[0]`},
		{"jwt subject of unknown issuer", func(c *Config) { c.Consumers[0].Credentials.JWT[0].Issuer = "https://other" },
			`auth: consumers[0].credentials.jwt[0].issuer: "https://other" is not the issuer of any jwt_providers entry`},
		{"jwt subject twice", func(c *Config) {
			c.Consumers[1].Credentials.JWT = c.Consumers[0].Credentials.JWT
		}, "auth: consumers[1].credentials.jwt[0]: issuer and subject already used by consumers[0].credentials.jwt[0]"},
		{"cert with two identities", func(c *Config) {
			c.Consumers[0].Credentials.ClientCerts[0].CommonName = "alice"
		}, "auth: consumers[0].credentials.client_certs[0]: set exactly one of common_name, spiffe_id, dns_name"},
		{"cert with bad spiffe id", func(c *Config) {
			c.Consumers[0].Credentials.ClientCerts[0].SPIFFEID = "https://baton.test/alice"
		}, "auth: consumers[0].credentials.client_certs[0].spiffe_id: must be spiffe://<trust domain>/<path>"},
		{"provider without issuer", func(c *Config) { c.JWTProviders[0].Issuer = ""; c.Consumers[0].Credentials.JWT = nil },
			"auth: jwt_providers[0].issuer: required (the exact iss claim)"},
		{"provider without audiences", func(c *Config) { c.JWTProviders[0].Audiences = nil },
			"auth: jwt_providers[0].audiences: required: list the aud values this gateway accepts"},
		{"provider without algorithms", func(c *Config) { c.JWTProviders[0].Algorithms = nil },
			"auth: jwt_providers[0].algorithms: required: an explicit allow-list such as [RS256]\n" +
				"auth: jwt_providers[0].secret: set but no HS* algorithm is allowed"},
		{"alg none", func(c *Config) { c.JWTProviders[0].Algorithms = []string{AlgHS256, "none"} },
			`auth: jwt_providers[0].algorithms[1]: "none" is never accepted: unsigned tokens prove nothing`},
		{"alg unsupported", func(c *Config) { c.JWTProviders[0].Algorithms = []string{AlgHS256, "PS256"} },
			`auth: jwt_providers[0].algorithms[1]: unsupported algorithm "PS256" (want HS256, HS384, HS512, RS256, ES256 or EdDSA)`},
		{"short secret", func(c *Config) { c.JWTProviders[0].Secret = "short" },
			"auth: jwt_providers[0].secret: HS256 needs at least 32 bytes, have 5 (RFC 7518 section 3.2)"},
		{"secret too short for HS512", func(c *Config) { c.JWTProviders[0].Algorithms = []string{AlgHS256, AlgHS512} },
			"auth: jwt_providers[0].secret: HS512 needs at least 64 bytes, have 32 (RFC 7518 section 3.2)"},
		{"RS256 without key file", func(c *Config) { c.JWTProviders[0].Algorithms = []string{AlgHS256, AlgRS256} },
			"auth: jwt_providers[0]: RS256 needs pem_file or jwks_file"},
		{"key file without asymmetric alg", func(c *Config) { c.JWTProviders[0].PEMFile = "k.pem" },
			"auth: jwt_providers[0].algorithms: pem_file or jwks_file given but no RS256, ES256 or EdDSA allowed"},
		{"negative leeway", func(c *Config) { c.JWTProviders[0].Leeway = -time.Second },
			"auth: jwt_providers[0].leeway: must be between 0 and 5m0s"},
		{"duplicate provider", func(c *Config) { c.JWTProviders = append(c.JWTProviders, c.JWTProviders[0]) },
			"auth: jwt_providers[1].name: duplicate of jwt_providers[0]\nauth: jwt_providers[1].issuer: duplicate of jwt_providers[0]"},
		{"policy without accept", func(c *Config) { c.Policies[0].Accept = nil },
			"auth: policies[0].accept: required: list of key, jwt, basic, mtls"},
		{"policy unknown kind", func(c *Config) { c.Policies[0].Accept = []Kind{"oauth"} },
			`auth: policies[0].accept[0]: unknown credential kind "oauth" (want key, jwt, basic or mtls)`},
		{"policy anonymous kind", func(c *Config) { c.Policies[0].Accept = []Kind{KindAnonymous} },
			`auth: policies[0].accept[0]: unknown credential kind "anonymous" (want key, jwt, basic or mtls)`},
		{"policy duplicate kind", func(c *Config) { c.Policies[0].Accept = []Kind{KindKey, KindKey} },
			`auth: policies[0].accept[1]: duplicate kind "key"`},
		{"policy jwt without providers", func(c *Config) { c.JWTProviders = nil; c.Consumers[0].Credentials.JWT = nil },
			"auth: policies[0].accept[1]: jwt needs at least one jwt_providers entry"},
		{"policy group in both lists", func(c *Config) {
			c.Policies[0].AllowGroups = []string{"staff"}
			c.Policies[0].DenyGroups = []string{"staff"}
		}, `auth: policies[0].deny_groups[0]: "staff" is also in allow_groups`},
		{"policy unknown anonymous", func(c *Config) { c.Policies[0].Anonymous = "nobody" },
			`auth: policies[0].anonymous: no consumer named "nobody"`},
		{"policy bad key name", func(c *Config) { c.Policies[0].KeyNames = []string{"api key"} },
			`auth: policies[0].key_names[0]: "api key" is not a valid header name`},
		{"policy bad key_in", func(c *Config) { c.Policies[0].KeyIn = []string{"body"} },
			`auth: policies[0].key_in[0]: "body": want header or query`},
		{"policy unknown provider", func(c *Config) { c.Policies[0].Providers = []string{"rs"} },
			`auth: policies[0].providers[0]: no jwt provider named "rs"`},
		{"policy realm with quote", func(c *Config) { c.Policies[0].Realm = `a"b` },
			"auth: policies[0].realm: must be printable text without quotes or backslashes"},
		{"duplicate policy", func(c *Config) { c.Policies = append(c.Policies, c.Policies[0]) },
			"auth: policies[1].name: duplicate of policies[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := minimalConfig()
			tt.edit(&c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
			var fe *FieldError
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("got %T, want it to hold a *FieldError", err)
			}
		})
	}
}

func TestNewKeyFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rsaPEM := write("rsa.pem", string(keys.rsaPEM))
	private := write("private.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	onlyEd := write("ed.json", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"`+b64url(keys.ed.Public().(ed25519.PublicKey))+`"}]}`)
	tests := []struct {
		name string
		p    JWTProvider
		want string
	}{
		{"pem ok", JWTProvider{PEMFile: rsaPEM, Algorithms: []string{AlgRS256}}, ""},
		{"missing file", JWTProvider{PEMFile: filepath.Join(dir, "nope.pem"), Algorithms: []string{AlgRS256}},
			"auth: jwt_providers[0].pem_file: open " + filepath.Join(dir, "nope.pem") + ": *"},
		{"private key", JWTProvider{PEMFile: private, Algorithms: []string{AlgRS256}},
			"auth: jwt_providers[0].pem_file: pem: block 0 is a private key; give the public key"},
		{"not a jwks", JWTProvider{JWKSFile: rsaPEM, Algorithms: []string{AlgRS256}},
			"auth: jwt_providers[0].jwks_file: jwks: *"},
		{"alg without a fitting key", JWTProvider{JWKSFile: onlyEd, Algorithms: []string{AlgEdDSA, AlgES256}},
			"auth: jwt_providers[0].algorithms[1]: no configured key can verify ES256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Name, tt.p.Issuer, tt.p.Audiences = "p", "https://p.example", []string{"api"}
			_, err := New(Config{JWTProviders: []JWTProvider{tt.p}})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if !matches(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	c := minimalConfig()
	c.Policies[0].Accept = nil
	_, err := New(c)
	if err == nil || !strings.HasPrefix(err.Error(), "auth: policies[0].accept: ") {
		t.Fatalf("got %v, want the Validate error", err)
	}
}
