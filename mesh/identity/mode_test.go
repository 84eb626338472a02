package identity

import (
	"errors"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want Mode
		err  string
	}{
		{"strict", ModeStrict, ""},
		{"STRICT", ModeStrict, ""},
		{"permissive", ModePermissive, ""},
		{"Permissive", ModePermissive, ""},
		{"off", ModeOff, ""},
		{"DISABLE", ModeOff, ""},
		{"", 0, `identity: unknown mTLS mode "" (want strict, permissive or off)`},
		{"strickt", 0, `identity: unknown mTLS mode "strickt" (want strict, permissive or off)`},
		{"UNSET", 0, `identity: unknown mTLS mode "UNSET" (want strict, permissive or off)`},
		{" strict", 0, `identity: unknown mTLS mode " strict" (want strict, permissive or off)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMode(tt.in)
			if got != tt.want || errText(err) != tt.err {
				t.Fatalf("ParseMode(%q) = %v, %v; want %v, %q", tt.in, got, err, tt.want, tt.err)
			}
			if err != nil && !errors.Is(err, ErrUnknownMode) {
				t.Errorf("errors.Is(%v, ErrUnknownMode) = false", err)
			}
			var m Mode
			if err := m.UnmarshalText([]byte(tt.in)); m != tt.want || errText(err) != tt.err {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v, %q", tt.in, m, err, tt.want, tt.err)
			}
		})
	}
}

func TestModeText(t *testing.T) {
	tests := []struct {
		m    Mode
		want string
		err  string
	}{
		{ModeStrict, "strict", ""},
		{ModePermissive, "permissive", ""},
		{ModeOff, "off", ""},
		{Mode(7), "", "identity: unknown mTLS mode 7"},
	}
	for _, tt := range tests {
		b, err := tt.m.MarshalText()
		if string(b) != tt.want || errText(err) != tt.err {
			t.Errorf("Mode(%d).MarshalText() = %q, %v; want %q, %q", tt.m, b, err, tt.want, tt.err)
		}
	}
	if got, want := Mode(7).String(), "mode(7)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := Mode(0), ModeStrict; got != want {
		t.Errorf("zero Mode = %v, want %v", got, want)
	}
}

// FuzzParseMode: never panics; what it accepts prints to a name it reads
// back the same.
func FuzzParseMode(f *testing.F) {
	for _, s := range []string{"strict", "PERMISSIVE", "off", "disable", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMode(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownMode) {
				t.Fatalf("error %v does not wrap ErrUnknownMode", err)
			}
			return
		}
		b, err := m.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText(%v): %v", m, err)
		}
		if back, err := ParseMode(string(b)); back != m || err != nil {
			t.Fatalf("ParseMode(%q) = %v, %v; want %v", b, back, err, m)
		}
	})
}
