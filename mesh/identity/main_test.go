package identity

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is the instant every test's CA is created at.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// clock is a controllable clock shared by test code and handshakes
// running on server goroutines.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.Set(t)
	return c
}

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func newCA(tb testing.TB, opts CAOptions) *CA {
	tb.Helper()
	if opts.Now.IsZero() {
		opts.Now = t0
	}
	ca, err := NewCA(opts)
	if err != nil {
		tb.Fatalf("NewCA: %v", err)
	}
	return ca
}

func newWorkload(tb testing.TB, ca *CA, service string, now time.Time, opts WorkloadOptions) *Workload {
	tb.Helper()
	w, err := NewWorkload(ca, service, now, opts)
	if err != nil {
		tb.Fatalf("NewWorkload(%s): %v", service, err)
	}
	return w
}

func listen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// serve runs an http.Server on ln until the test ends and returns ln's
// address.
func serve(tb testing.TB, ln net.Listener, h http.Handler) string {
	tb.Helper()
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// client is an HTTP/1.1 client with its own transport; keepAlive false
// makes every request a new connection and so a new handshake.
func client(tb testing.TB, cfg *tls.Config, keepAlive bool) *http.Client {
	tb.Helper()
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: !keepAlive}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// echo answers "<caller service> <caller SPIFFE ID> <caller serial>", or
// "plaintext" without TLS.
func echo(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		fmt.Fprint(w, "plaintext")
		return
	}
	svc, ok := PeerService(*r.TLS)
	if !ok {
		fmt.Fprint(w, "no peer service")
		return
	}
	fmt.Fprintf(w, "%s %s %s", svc, r.TLS.VerifiedChains[0][0].URIs[0], r.TLS.PeerCertificates[0].SerialNumber)
}

// response is what a test request saw: the status and body, and the
// serial of the server certificate over TLS (0 for plaintext).
type response struct {
	status       int
	body         string
	serverSerial uint64
}

func get(c *http.Client, url string) (response, error) {
	resp, err := c.Get(url)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	r := response{status: resp.StatusCode, body: string(b)}
	if resp.TLS != nil {
		r.serverSerial = resp.TLS.PeerCertificates[0].SerialNumber.Uint64()
	}
	return r, nil
}

// handshakeResult is both sides of one raw TLS connection.
type handshakeResult struct {
	serverErr error               // the server's handshake error
	clientErr error               // the client's handshake or first-read error
	state     tls.ConnectionState // the server's view, when it succeeded
}

// handshake runs one TLS connection over loopback between server and
// client configs. The server writes one byte after a successful handshake
// and the client reads it, because in TLS 1.3 the client finishes its
// handshake before the server has checked the client certificate: a
// rejection reaches the client as an alert on its first read.
func handshake(tb testing.TB, server, client *tls.Config) handshakeResult {
	tb.Helper()
	ln := listen(tb)
	defer ln.Close()
	type srvResult struct {
		err   error
		state tls.ConnectionState
	}
	ch := make(chan srvResult, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- srvResult{err: err}
			return
		}
		defer c.Close()
		tc := tls.Server(c, server)
		if err := tc.Handshake(); err != nil {
			ch <- srvResult{err: err}
			return
		}
		_, err = tc.Write([]byte{1})
		ch <- srvResult{err: err, state: tc.ConnectionState()}
	}()
	var res handshakeResult
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tc := tls.Client(c, client)
	if res.clientErr = tc.Handshake(); res.clientErr == nil {
		var b [1]byte
		if _, err := io.ReadFull(tc, b[:]); err != nil {
			res.clientErr = err
		}
	}
	tc.Close()
	s := <-ch
	res.serverErr, res.state = s.err, s.state
	return res
}

// trustAll presents cert and accepts any server: a client that isolates
// the server's checks.
func trustAll(cert *Cert) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if cert == nil {
				return &tls.Certificate{}, nil
			}
			return &cert.TLS, nil
		},
	}
}

// errText is err's message, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
