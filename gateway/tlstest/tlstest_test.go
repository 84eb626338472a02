package tlstest

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestIssuedChainsVerify(t *testing.T) {
	ca := NewCA(t, "root")
	other := NewCA(t, "other")
	pem, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	tests := []struct {
		name  string
		pair  Pair
		usage x509.ExtKeyUsage
		ok    bool
	}{
		{"server", ca.Server(t, "gw"), x509.ExtKeyUsageServerAuth, true},
		{"client", ca.Client(t, "alice"), x509.ExtKeyUsageClientAuth, true},
		{"client as server", ca.Client(t, "bob"), x509.ExtKeyUsageServerAuth, false},
		{"other ca", other.Client(t, "mallory"), x509.ExtKeyUsageClientAuth, false},
	}
	for _, tt := range tests {
		kp, err := tls.LoadX509KeyPair(tt.pair.CertFile, tt.pair.KeyFile)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		_, err = kp.Leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{tt.usage}})
		if got := err == nil; got != tt.ok {
			t.Errorf("%s: verifies = %v, want %v (%v)", tt.name, got, tt.ok, err)
		}
	}
}
