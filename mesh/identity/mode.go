package identity

import (
	"fmt"
	"strconv"
	"strings"
)

// Mode is how a server treats inbound connections, as Istio's
// PeerAuthentication mtls.mode.
type Mode uint8

// Modes. The zero value is ModeStrict: a forgotten setting fails closed.
const (
	// ModeStrict accepts only mTLS with a certificate from the mesh CA.
	ModeStrict Mode = iota
	// ModePermissive accepts mTLS and plaintext on the same port, the
	// migration mode (Istio's default).
	ModePermissive
	// ModeOff is plaintext only (Istio's DISABLE).
	ModeOff
)

// ParseMode reads a mode name: strict, permissive or off, in any case;
// Istio's DISABLE is accepted as off.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "strict":
		return ModeStrict, nil
	case "permissive":
		return ModePermissive, nil
	case "off", "disable":
		return ModeOff, nil
	}
	return 0, fmt.Errorf("%w %q (want strict, permissive or off)", ErrUnknownMode, s)
}

// String is the name ParseMode reads.
func (m Mode) String() string {
	switch m {
	case ModeStrict:
		return "strict"
	case ModePermissive:
		return "permissive"
	case ModeOff:
		return "off"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText writes the mode's name; it fails for an unknown mode.
func (m Mode) MarshalText() ([]byte, error) {
	if m > ModeOff {
		return nil, fmt.Errorf("%w %d", ErrUnknownMode, m)
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a name as ParseMode does, so scenario files can
// hold a Mode directly.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
