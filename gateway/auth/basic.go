package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// maxBasicPassword is bcrypt's input limit. bcrypt silently ignores bytes
// past 72, so a longer password would match any password sharing its first
// 72 bytes; such passwords are refused instead.
const maxBasicPassword = 72

var (
	errBadBasic       = errors.New("basic: credentials are not base64(user:password)")
	errBadBasicUser   = errors.New("basic: unknown user or wrong password")
	errMultipleAuthz  = errors.New("more than one Authorization header")
	errMalformedAuthz = errors.New("malformed Authorization header")
)

// basicUsers holds bcrypt hashes by username.
type basicUsers struct {
	byName map[string]int
	users  []basicUser
	// dummy is the most expensive configured hash. An unknown username is
	// checked against it too, so that the response time does not reveal
	// which usernames exist.
	dummy     []byte
	dummyCost int
}

type basicUser struct {
	name     string
	hash     []byte
	consumer int
}

func (b *basicUsers) add(name, hash string, consumer int) {
	if b.byName == nil {
		b.byName = map[string]int{}
	}
	b.byName[name] = len(b.users)
	b.users = append(b.users, basicUser{name: name, hash: []byte(hash), consumer: consumer})
	// Validate already proved the hash parses.
	if cost, _ := bcrypt.Cost([]byte(hash)); cost > b.dummyCost {
		b.dummy, b.dummyCost = []byte(hash), cost
	}
}

// authorization returns the request's single Authorization header split
// into scheme and credentials; present is false when there is none.
func authorization(h http.Header) (scheme, creds string, present bool, f *failure) {
	vals := h["Authorization"]
	switch len(vals) {
	case 0:
		return "", "", false, nil
	case 1:
	default:
		return "", "", true, fail(ReasonMalformed, errMultipleAuthz)
	}
	scheme, creds, ok := parseAuthorization(vals[0])
	if !ok {
		return "", "", true, fail(ReasonMalformed, errMalformedAuthz)
	}
	return scheme, creds, true, nil
}

// parseAuthorization splits an Authorization value into its scheme (an RFC
// 9110 token) and the credentials after one or more spaces. The credentials
// may be empty.
func parseAuthorization(v string) (scheme, creds string, ok bool) {
	scheme, rest, _ := strings.Cut(v, " ")
	if !isToken(scheme) {
		return "", "", false
	}
	creds = strings.TrimLeft(rest, " ")
	for i := 0; i < len(creds); i++ {
		if c := creds[i]; c < ' ' && c != '\t' || c == 0x7f {
			return "", "", false
		}
	}
	return scheme, strings.TrimRight(creds, " \t"), true
}

// parseBasic decodes RFC 7617 credentials: base64 of user-id ":" password,
// where the user-id has no colon and neither part holds control characters.
func parseBasic(creds string) (user, pass string, ok bool) {
	// Decoded length bound before decoding: the header is attacker-sized.
	if len(creds) > 1024 {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(creds)
	if err != nil {
		return "", "", false
	}
	s := string(raw)
	if !utf8.ValidString(s) {
		return "", "", false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return "", "", false
		}
	}
	user, pass, ok = strings.Cut(s, ":")
	if !ok || user == "" {
		return "", "", false
	}
	return user, pass, true
}

// checkBasic authenticates "Authorization: Basic ...". A header with another
// scheme means no basic credential is present.
func (a *Authenticator) checkBasic(req Request) (match, bool, *failure) {
	scheme, creds, present, f := authorization(req.Header)
	if !present {
		return match{}, false, nil
	}
	if f != nil {
		return match{}, true, f
	}
	if !strings.EqualFold(scheme, "Basic") {
		return match{}, false, nil
	}
	user, pass, ok := parseBasic(creds)
	if !ok {
		return match{}, true, fail(ReasonMalformed, errBadBasic)
	}
	if len(pass) > maxBasicPassword {
		return match{}, true, fail(ReasonBadCredential, errBadBasicUser)
	}
	i, known := a.basic.byName[user]
	if !known {
		if a.basic.dummy != nil {
			_ = bcrypt.CompareHashAndPassword(a.basic.dummy, []byte(pass))
		}
		return match{}, true, fail(ReasonBadCredential, errBadBasicUser)
	}
	u := &a.basic.users[i]
	if bcrypt.CompareHashAndPassword(u.hash, []byte(pass)) != nil {
		return match{}, true, fail(ReasonBadCredential, errBadBasicUser)
	}
	return match{consumer: u.consumer, id: u.name, hideHeader: "Authorization"}, true, nil
}
