package auth

import (
	"errors"
)

var (
	errUnverifiedCert = errors.New("mtls: client certificate was not verified by the TLS layer")
	errUnknownCert    = errors.New("mtls: client certificate identity maps to no consumer")
)

// certIdentities maps certificate identities to consumers. The TLS layer
// has already proved possession of the key and verified the chain, so the
// identities are public names and plain map lookups are fine.
type certIdentities struct {
	spiffe map[string]int
	dns    map[string]int
	cn     map[string]int
}

func (c *certIdentities) add(id CertIdentity, consumer int) {
	if c.spiffe == nil {
		c.spiffe, c.dns, c.cn = map[string]int{}, map[string]int{}, map[string]int{}
	}
	switch {
	case id.SPIFFEID != "":
		c.spiffe[id.SPIFFEID] = consumer
	case id.DNSName != "":
		c.dns[id.DNSName] = consumer
	default:
		c.cn[id.CommonName] = consumer
	}
}

// checkCert maps the verified leaf certificate to a consumer, trying the
// strongest identity first: a SPIFFE ID (what Baton's mesh issues), then DNS
// SANs, then the subject common name (legacy, but what Kong's mtls-auth
// matches by default).
func (a *Authenticator) checkCert(req Request) (match, bool, *failure) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
		return match{}, false, nil
	}
	if len(req.TLS.VerifiedChains) == 0 || len(req.TLS.VerifiedChains[0]) == 0 {
		return match{}, true, fail(ReasonUnverifiedCert, errUnverifiedCert)
	}
	leaf := req.TLS.VerifiedChains[0][0]
	for _, u := range leaf.URIs {
		if u == nil || u.Scheme != "spiffe" {
			continue
		}
		id := u.String()
		if i, ok := a.certs.spiffe[id]; ok {
			return match{consumer: i, id: id}, true, nil
		}
	}
	for _, d := range leaf.DNSNames {
		if i, ok := a.certs.dns[d]; ok {
			return match{consumer: i, id: d}, true, nil
		}
	}
	if cn := leaf.Subject.CommonName; cn != "" {
		if i, ok := a.certs.cn[cn]; ok {
			return match{consumer: i, id: cn}, true, nil
		}
	}
	return match{}, true, fail(ReasonUnknownConsumer, errUnknownCert)
}
