package config

// TLS client-auth modes.
const (
	ClientAuthNone    = "none"
	ClientAuthRequest = "request"
	ClientAuthRequire = "require"
)

// TLS minimum versions.
const (
	TLS12 = "1.2"
	TLS13 = "1.3"
)

// TLS makes the gateway's listeners terminate TLS. Files are PEM and are
// read when the gateway is built (gateway.New), not by Validate, so a
// scenario can be checked on a machine without its keys. A reload keeps
// the listener's certificates: changing them needs a restart.
type TLS struct {
	// CertFile and KeyFile are the server's certificate chain and private
	// key; both are required.
	CertFile string `json:"cert_file" yaml:"cert_file"`
	KeyFile  string `json:"key_file" yaml:"key_file"`
	// ClientCAFile is a bundle of CAs that client certificates must chain
	// to. Without it, client_auth other than none is an error: a client
	// certificate nobody can verify authenticates nobody.
	ClientCAFile string `json:"client_ca_file,omitempty" yaml:"client_ca_file,omitempty"`
	// ClientAuth is none (no certificate asked), request (asked for and
	// verified when given; the mtls auth kind decides per route) or
	// require (every connection must present a valid one).
	ClientAuth string `json:"client_auth,omitempty" yaml:"client_auth,omitempty" default:"none"`
	// MinVersion is 1.2 or 1.3.
	MinVersion string `json:"min_version,omitempty" yaml:"min_version,omitempty" default:"1.2"`
}

// Defaults returns t with zero fields filled in.
func (t TLS) Defaults() TLS {
	if t.ClientAuth == "" {
		t.ClientAuth = ClientAuthNone
	}
	if t.MinVersion == "" {
		t.MinVersion = TLS12
	}
	return t
}

func (g *Gateway) validateTLS(p *problems) {
	t := g.TLS
	if t == nil {
		return
	}
	if t.CertFile == "" {
		p.add("tls.cert_file", "is required (PEM certificate chain)")
	}
	if t.KeyFile == "" {
		p.add("tls.key_file", "is required (PEM private key)")
	}
	switch t.ClientAuth {
	case "", ClientAuthNone:
	case ClientAuthRequest, ClientAuthRequire:
		if t.ClientCAFile == "" {
			p.add("tls.client_ca_file", "is required when client_auth is %s: client certificates must be verified against it", t.ClientAuth)
		}
	default:
		p.add("tls.client_auth", "unknown mode %q (want none, request or require)", t.ClientAuth)
	}
	switch t.MinVersion {
	case "", TLS12, TLS13:
	default:
		p.add("tls.min_version", "unknown version %q (want %s or %s)", t.MinVersion, TLS12, TLS13)
	}
}
