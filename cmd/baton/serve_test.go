package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log sink the server goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// service answers with its name.
func service(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func serveConfig(upstreams map[string]string, to string) string {
	var b strings.Builder
	b.WriteString("listen: 127.0.0.1:0\nseed: 7\nupstreams:\n")
	for name, addr := range upstreams {
		fmt.Fprintf(&b, "  %s: [%s]\n", name, addr)
	}
	fmt.Fprintf(&b, "gateway:\n  routes:\n    - {name: v-%s, prefix: /v, service: %s}\n", to, to)
	return b.String()
}

// waitFor polls cond until it holds; the deadline is a safety net, not a
// measurement.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fetch(t *testing.T, c *http.Client, url string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Baton-Route"), string(b)
}

// writeFile replaces the file and moves its modification time forward,
// so a change is seen even on a file system with coarse timestamps.
func writeFile(t *testing.T, path, content string, n int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 1, 1, 0, 0, n, 0, time.UTC)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

type served struct {
	url    string
	stderr *syncBuffer
	hup    chan os.Signal
	client *http.Client
	cancel context.CancelFunc
	done   chan error
}

func startServe(t *testing.T, path string, poll time.Duration) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{stderr: &syncBuffer{}, hup: make(chan os.Signal, 1), cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		s.done <- serveGateway(ctx, serveOptions{path: path, stderr: s.stderr, hup: s.hup, poll: poll,
			ready: func(addr string) { ready <- addr }})
	}()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		cancel()
		t.Fatalf("serveGateway: %v\n%s", err, s.stderr)
	}
	tr := &http.Transport{}
	s.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		s.stop(t)
	})
	return s
}

func (s *served) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		t.Errorf("serveGateway returned %v", err)
	}
}

func TestServeGatewayReloadsOnFileChange(t *testing.T) {
	ups := map[string]string{"a": service(t, "a"), "b": service(t, "b")}
	path := filepath.Join(t.TempDir(), "gw.yaml")
	writeFile(t, path, serveConfig(ups, "a"), 1)
	s := startServe(t, path, 20*time.Millisecond)

	if code, route, body := fetch(t, s.client, s.url+"/v/x"); code != 200 || route != "v-a" || body != "a" {
		t.Fatalf("GET /v = %d %q %q, want 200 v-a a", code, route, body)
	}
	writeFile(t, path, serveConfig(ups, "b"), 2)
	waitFor(t, "the reload to b", func() bool { _, _, body := fetch(t, s.client, s.url+"/v/x"); return body == "b" })
	if !strings.Contains(s.stderr.String(), "(file changed): 1 routes") {
		t.Errorf("no reload logged:\n%s", s.stderr)
	}

	// An invalid file is rejected with its reason; b keeps serving.
	bad := strings.Replace(serveConfig(ups, "b"), "service: b", "service: b, rate_limits: [nope]", 1)
	writeFile(t, path, bad, 3)
	waitFor(t, "the rejection", func() bool { return strings.Contains(s.stderr.String(), "rejected") })
	log := s.stderr.String()
	if !strings.Contains(log, `gateway.routes[0].rate_limits[0]: unknown rate limit "nope"`) ||
		!strings.Contains(log, "still serving the previous configuration") {
		t.Errorf("rejection not explained:\n%s", log)
	}
	if code, route, body := fetch(t, s.client, s.url+"/v/x"); code != 200 || route != "v-b" || body != "b" {
		t.Errorf("after a rejected reload GET /v = %d %q %q, want 200 v-b b", code, route, body)
	}

	// New upstream addresses and a new service take effect together.
	ups2 := map[string]string{"c": service(t, "c")}
	writeFile(t, path, serveConfig(ups2, "c"), 4)
	waitFor(t, "the reload to c", func() bool { _, _, body := fetch(t, s.client, s.url+"/v/x"); return body == "c" })

	s.stop(t)
	if log := s.stderr.String(); !strings.Contains(log, "draining") || !strings.Contains(log, "stopped") {
		t.Errorf("no graceful shutdown logged:\n%s", log)
	}
}

func TestServeGatewayReloadsOnHUP(t *testing.T) {
	ups := map[string]string{"a": service(t, "a"), "b": service(t, "b")}
	path := filepath.Join(t.TempDir(), "gw.yaml")
	writeFile(t, path, serveConfig(ups, "a"), 1)
	s := startServe(t, path, time.Hour) // only SIGHUP reloads

	writeFile(t, path, serveConfig(ups, "b"), 2)
	if _, _, body := fetch(t, s.client, s.url+"/v"); body != "a" {
		t.Fatalf("before SIGHUP: %q, want a", body)
	}
	s.hup <- syscall.SIGHUP
	waitFor(t, "the SIGHUP reload", func() bool { _, _, body := fetch(t, s.client, s.url+"/v"); return body == "b" })
	if !strings.Contains(s.stderr.String(), "(SIGHUP): 1 routes") {
		t.Errorf("no SIGHUP reload logged:\n%s", s.stderr)
	}
	// A listen change is reported, not applied.
	writeFile(t, path, strings.Replace(serveConfig(ups, "b"), "127.0.0.1:0", "127.0.0.1:1", 1), 3)
	s.hup <- syscall.SIGHUP
	waitFor(t, "the listen warning", func() bool { return strings.Contains(s.stderr.String(), "needs a restart") })
}

// TestServeCommandSignals runs the real command: the process's own SIGHUP
// reloads it, and cancelling its context (SIGINT in main) stops it with
// exit code 0.
func TestServeCommandSignals(t *testing.T) {
	ups := map[string]string{"a": service(t, "a")}
	path := filepath.Join(t.TempDir(), "gw.yaml")
	writeFile(t, path, serveConfig(ups, "a"), 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	stderr := &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- Main(ctx, []string{"serve", "gateway", "--config", path}, &stdout, stderr) }()
	addr := regexp.MustCompile(`serving on (http://\S+)`)
	waitFor(t, "the server to start", func() bool { return addr.MatchString(stderr.String()) })
	url := addr.FindStringSubmatch(stderr.String())[1]
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	if _, _, body := fetch(t, c, url+"/v"); body != "a" {
		t.Fatalf("GET /v = %q, want a", body)
	}
	// The handler is installed before the address is printed.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the SIGHUP reload", func() bool { return strings.Contains(stderr.String(), "(SIGHUP)") })
	tr.CloseIdleConnections()
	cancel()
	if got := <-code; got != exitOK {
		t.Errorf("exit code %d, want 0\n%s", got, stderr)
	}
}

func TestDecodeServeFile(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // fragments of the error, in order; none: valid
	}{
		{"valid", "upstreams: {a: [127.0.0.1:1]}\ngateway: {routes: [{name: r, prefix: /, service: a}]}\n", nil},
		{"empty", "", []string{"empty file"}},
		{"unknown field", "upstream: {}\n", []string{"field upstream not found"}},
		{"bad listen", "listen: nowhere\nupstreams: {a: [127.0.0.1:1]}\ngateway: {routes: [{name: r, prefix: /, service: a}]}\n",
			[]string{`listen: "nowhere" is not host:port`}},
		{"bad upstream", "upstreams: {a: [localhost]}\ngateway: {routes: [{name: r, prefix: /, service: a}]}\n",
			[]string{`upstreams.a[0]: "localhost" is not host:port`}},
		{"missing upstream", "upstreams: {a: [127.0.0.1:1]}\ngateway: {routes: [{name: r, prefix: /, backends: [{service: a}, {service: b}]}]}\n",
			[]string{`upstreams.b: the gateway sends to "b"`}},
		{"gateway", "gateway: {replicas: 99, routes: [{name: r, prefix: /}]}\n",
			[]string{"gateway.replicas: must be in 1..64", "gateway.routes[0]: want exactly one of"}},
	}
	for _, tt := range tests {
		f, err := decodeServeFile("gw.yaml", []byte(tt.src))
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if f.Listen != defaultListen {
				t.Errorf("%s: listen %q, want the default %q", tt.name, f.Listen, defaultListen)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error, want %q", tt.name, tt.want)
			continue
		}
		msg := err.Error()
		at := 0
		for _, w := range tt.want {
			i := strings.Index(msg[at:], w)
			if i < 0 {
				t.Errorf("%s: error %q lacks %q (in order)", tt.name, msg, w)
				break
			}
			at += i + len(w)
		}
		if !strings.HasPrefix(msg, "gw.yaml:") {
			t.Errorf("%s: error %q does not name the file", tt.name, msg)
		}
	}
}
