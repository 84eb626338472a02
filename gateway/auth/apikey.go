package auth

import (
	"crypto/sha256"
	"crypto/subtle"
)

// apiKeys finds the consumer of a presented key without ever comparing the
// raw key byte by byte: a map keyed by the raw key would hash it and then
// compare it with ==, which returns at the first differing byte and lets a
// client learn a valid key one byte at a time from response times. Keys are
// stored only as SHA-256 digests; the presented key is hashed, the digest
// found (the map's early exits now leak bits of a digest, which an attacker
// cannot steer towards a chosen preimage), and the digests compared again in
// constant time as the decision itself.
type apiKeys struct {
	byDigest map[[sha256.Size]byte]int
	keys     []storedKey
}

type storedKey struct {
	digest   [sha256.Size]byte
	id       string
	consumer int
}

func (k *apiKeys) add(key, id string, consumer int) {
	if k.byDigest == nil {
		k.byDigest = map[[sha256.Size]byte]int{}
	}
	d := sha256.Sum256([]byte(key))
	k.byDigest[d] = len(k.keys)
	k.keys = append(k.keys, storedKey{digest: d, id: id, consumer: consumer})
}

// lookup returns the index of the stored key equal to key, or -1.
func (k *apiKeys) lookup(key string) int {
	d := sha256.Sum256([]byte(key))
	i, ok := k.byDigest[d]
	if !ok {
		return -1
	}
	if subtle.ConstantTimeCompare(d[:], k.keys[i].digest[:]) != 1 {
		return -1
	}
	return i
}

// checkKey reads the policy's key names, headers before query parameters,
// and authenticates the first key found.
func (a *Authenticator) checkKey(req Request, p *policy) (match, bool, *failure) {
	for _, name := range p.keyHeaders {
		key, present, f := single(req.Header[name])
		if present {
			return a.keyMatch(key, f, name, "")
		}
	}
	for _, name := range p.keyQuery {
		key, present, f := single(req.Query[name])
		if present {
			return a.keyMatch(key, f, "", name)
		}
	}
	return match{}, false, nil
}

func (a *Authenticator) keyMatch(key string, f *failure, header, query string) (match, bool, *failure) {
	if f != nil {
		return match{}, true, f
	}
	i := a.keys.lookup(key)
	if i < 0 {
		return match{}, true, failf(ReasonBadCredential, "unknown api key")
	}
	k := &a.keys.keys[i]
	return match{consumer: k.consumer, id: k.id, hideHeader: header, hideQuery: query}, true, nil
}
