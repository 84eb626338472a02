package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/mesh/balance"
)

// echoed is what the echo upstream saw.
type echoed struct {
	Service string      `json:"service"`
	Method  string      `json:"method"`
	URI     string      `json:"uri"`
	Header  http.Header `json:"header"`
	Body    int         `json:"body"`
}

// upstream is a service replica on loopback.
type upstream struct {
	name    string
	srv     *httptest.Server
	hits    atomic.Int64
	mirrors atomic.Int64
}

// echo answers with what it received, plus hop-by-hop headers of its own
// that the gateway must not pass back.
func echo(u *upstream) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(HeaderMirror) != "" {
			u.mirrors.Add(1)
		} else {
			u.hits.Add(1)
		}
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "X-Upstream-Secret")
		w.Header().Set("X-Upstream-Secret", "s3cret")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-Upstream", u.name)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echoed{Service: u.name, Method: r.Method, URI: r.RequestURI, Header: r.Header, Body: int(n)})
	}
}

func newUpstream(t testing.TB, name string, h func(*upstream) http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{name: name}
	if h == nil {
		h = echo
	}
	u.srv = httptest.NewServer(h(u))
	t.Cleanup(u.srv.Close)
	return u
}

// harness is a gateway replica served on loopback through a real mesh
// client.
type harness struct {
	addr    string
	handler *Handler
	src     Source
	client  *http.Client
}

func newHarness(t testing.TB, src Source, ups ...*upstream) *harness {
	t.Helper()
	dests := map[string]mesh.Destination{}
	for _, u := range ups {
		addr := strings.TrimPrefix(u.srv.URL, "http://")
		dests[u.name] = mesh.Destination{Endpoints: []*balance.Endpoint{{ID: u.name + "-0", Addr: addr}}}
	}
	mc, err := mesh.NewClient(mesh.ClientOptions{Caller: "gateway", Destinations: dests, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(src, 0, mc, time.Now)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := src.Current().ServerOptions()
	if rl, ok := src.(*Reloader); ok {
		opts = rl.ServerOptions()
	}
	srv := NewServer(h, opts, log.New(io.Discard, "", 0))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(Listener(ln, opts))
	}()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-done
		h.Close()
		mc.Close()
	})
	return &harness{
		addr:    ln.Addr().String(),
		handler: h,
		src:     src,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

func (hs *harness) get(t testing.TB, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+hs.addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hs.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// raw sends bytes exactly as given and reads one response.
func raw(t testing.TB, addr, request string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", request, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func decodeEcho(t testing.TB, b []byte) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("upstream answer %q: %v", b, err)
	}
	return e
}

const hardened = `
max_header_bytes: 1024
max_body_bytes: 100
timeouts: {read_header: 300ms}
auth:
  consumers: [{name: alice, credentials: {api_keys: [{key: alice-key-0001}]}}]
  policies: [{name: keys, accept: [key], key_names: [X-Api-Key]}]
routes:
  - {name: api, prefix: /api, service: echo, auth: keys}
  - {name: open, prefix: /open, service: echo}
`

func TestHandlerHopByHopCannotStripGatewayHeaders(t *testing.T) {
	u := newUpstream(t, "echo", nil)
	hs := newHarness(t, newGateway(t, hardened, 1), u)
	resp, body := raw(t, hs.addr, "GET /api/x HTTP/1.1\r\nHost: gw.test\r\n"+
		"Connection: keep-alive, X-Consumer-Name, X-Request-Id, X-Custom\r\n"+
		"X-Api-Key: alice-key-0001\r\nX-Consumer-Name: mallory\r\nX-Request-Id: client-chosen-1\r\n"+
		"X-Custom: drop-me\r\nX-Keep: keep-me\r\nKeep-Alive: timeout=9\r\nProxy-Authorization: Basic x\r\n"+
		"Te: trailers\r\nUpgrade: websocket\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	e := decodeEcho(t, []byte(body))
	up := e.Header
	if got := up.Get("X-Consumer-Name"); got != "alice" {
		t.Errorf("upstream X-Consumer-Name = %q, want alice (the gateway's, despite Connection naming it)", got)
	}
	// The client's id was named hop-by-hop, so it was dropped and the
	// gateway made its own.
	rid := up.Get(HeaderRequestID)
	if rid == "" || rid == "client-chosen-1" || len(rid) != 36 {
		t.Errorf("upstream X-Request-Id = %q, want a generated UUID", rid)
	}
	if got := resp.Header.Get(HeaderRequestID); got != rid {
		t.Errorf("response X-Request-Id = %q, want the upstream's %q", got, rid)
	}
	for _, k := range []string{"X-Custom", "Keep-Alive", "Proxy-Authorization", "Te", "Upgrade", "Connection"} {
		if v, ok := up[k]; ok {
			t.Errorf("upstream received hop-by-hop %s: %q", k, v)
		}
	}
	if got := up.Get("X-Keep"); got != "keep-me" {
		t.Errorf("upstream X-Keep = %q, want keep-me", got)
	}
	// And on the way back.
	for _, k := range []string{"X-Upstream-Secret", "Keep-Alive"} {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("client received upstream hop-by-hop %s: %q", k, v)
		}
	}
	if got := resp.Header.Get("X-Upstream"); got != "echo" {
		t.Errorf("client X-Upstream = %q, want echo", got)
	}
	if got := resp.Header.Get(RouteHeader); got != "api" {
		t.Errorf("client X-Baton-Route = %q, want api", got)
	}
}

func TestHandlerForwardingHeaders(t *testing.T) {
	u := newUpstream(t, "echo", nil)
	hs := newHarness(t, newGateway(t, hardened, 1), u)
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		name string
		in   http.Header
		// check inspects the upstream's header.
		check func(t *testing.T, up http.Header)
	}{
		{"xff appended", http.Header{"X-Forwarded-For": {"203.0.113.7, 198.51.100.2"}}, func(t *testing.T, up http.Header) {
			if got, want := up.Get("X-Forwarded-For"), "203.0.113.7, 198.51.100.2, 127.0.0.1"; got != want {
				t.Errorf("X-Forwarded-For = %q, want %q", got, want)
			}
			if got := up.Get("X-Forwarded-Proto"); got != "http" {
				t.Errorf("X-Forwarded-Proto = %q, want http", got)
			}
			if got := up.Get("X-Forwarded-Host"); got != hs.addr {
				t.Errorf("X-Forwarded-Host = %q, want %q", got, hs.addr)
			}
		}},
		{"xff started", nil, func(t *testing.T, up http.Header) {
			if got := up.Get("X-Forwarded-For"); got != "127.0.0.1" {
				t.Errorf("X-Forwarded-For = %q, want 127.0.0.1", got)
			}
		}},
		{"trace continued", http.Header{"Traceparent": {"00-" + trace + "-00f067aa0ba902b7-01"}, "Tracestate": {"vendor=x"}},
			func(t *testing.T, up http.Header) {
				tp, ok := ParseTraceparent(up.Get("Traceparent"))
				if !ok {
					t.Fatalf("upstream traceparent %q is invalid", up.Get("Traceparent"))
				}
				got := up.Get("Traceparent")
				if !strings.HasPrefix(got, "00-"+trace+"-") || strings.Contains(got, "00f067aa0ba902b7") || tp.Flags != 1 {
					t.Errorf("traceparent = %q, want trace %s with a new span, sampled", got, trace)
				}
				if got := up.Get("Tracestate"); got != "vendor=x" {
					t.Errorf("tracestate = %q, want vendor=x", got)
				}
			}},
		{"trace restarted", http.Header{"Traceparent": {"00-" + strings.ToUpper(trace) + "-00f067aa0ba902b7-01"}, "Tracestate": {"vendor=x"}},
			func(t *testing.T, up http.Header) {
				got := up.Get("Traceparent")
				if _, ok := ParseTraceparent(got); !ok || strings.Contains(got, trace) {
					t.Errorf("traceparent = %q, want a new valid trace", got)
				}
				if v, ok := up["Tracestate"]; ok {
					t.Errorf("tracestate %q forwarded with a replaced traceparent", v)
				}
			}},
		{"trace started", nil, func(t *testing.T, up http.Header) {
			if _, ok := ParseTraceparent(up.Get("Traceparent")); !ok {
				t.Errorf("traceparent = %q, want a started trace", up.Get("Traceparent"))
			}
		}},
		{"request id kept", http.Header{"X-Request-Id": {"req-42.a:b"}}, func(t *testing.T, up http.Header) {
			if got := up.Get("X-Request-Id"); got != "req-42.a:b" {
				t.Errorf("X-Request-Id = %q, want req-42.a:b", got)
			}
		}},
		{"request id replaced", http.Header{"X-Request-Id": {"has space"}}, func(t *testing.T, up http.Header) {
			if got := up.Get("X-Request-Id"); got == "has space" || len(got) != 36 {
				t.Errorf("X-Request-Id = %q, want a generated one", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := hs.get(t, "/open/x", tt.in)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			e := decodeEcho(t, body)
			tt.check(t, e.Header)
			if got := resp.Header.Get("X-Request-Id"); got != e.Header.Get("X-Request-Id") {
				t.Errorf("response X-Request-Id %q differs from upstream's %q", got, e.Header.Get("X-Request-Id"))
			}
		})
	}
}

func TestHandlerSizeLimits(t *testing.T) {
	u := newUpstream(t, "echo", nil)
	hs := newHarness(t, newGateway(t, hardened, 1), u)

	// 431: well past max_header_bytes and net/http's 4 KiB of slack.
	resp, _ := raw(t, hs.addr, "GET /open HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 8<<10)+"\r\n\r\n")
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge header: status %d, want 431", resp.StatusCode)
	}

	tests := []struct {
		name, req string
		status    int
		body      int // bytes the upstream must have seen
	}{
		{"declared", "POST /open HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" + strings.Repeat("b", 101), 413, -1},
		{"chunked", "POST /open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"64\r\n" + strings.Repeat("c", 100) + "\r\n10\r\n" + strings.Repeat("d", 16) + "\r\n0\r\n\r\n", 413, -1},
		{"at limit", "POST /open HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("e", 100), 200, 100},
		{"chunked small", "POST /open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200, 5},
	}
	for _, tt := range tests {
		resp, body := raw(t, hs.addr, tt.req)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, resp.StatusCode, tt.status, body)
			continue
		}
		if tt.body >= 0 {
			if e := decodeEcho(t, []byte(body)); e.Body != tt.body {
				t.Errorf("%s: upstream read %d bytes, want %d", tt.name, e.Body, tt.body)
			}
		}
	}
}

func TestHandlerSlowlorisCutOff(t *testing.T) {
	u := newUpstream(t, "echo", nil)
	hs := newHarness(t, newGateway(t, hardened, 1), u)
	conn, err := net.Dial("tcp", hs.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	defer close(stop)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		// The header, one byte at a time, never finished.
		msg := "GET /open HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("z", 1000)
		for i := 0; i < len(msg); i++ {
			if _, err := conn.Write([]byte{msg[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	// A safety net only: the server cuts the connection after its
	// ReadHeaderTimeout (300ms), long before this.
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection was still open: read %q", b)
	}
	// Closed: EOF, a reset, or a 4xx (net/http sends 400 when the header
	// deadline passes) and then EOF.
	if len(b) > 0 && !strings.HasPrefix(string(b), "HTTP/1.1 4") {
		t.Errorf("slow client got %q, want the connection closed", b)
	}
	conn.Close()
	<-writerDone
}

func TestHandlerMalformedRequests(t *testing.T) {
	u := newUpstream(t, "echo", nil)
	hs := newHarness(t, newGateway(t, hardened, 1), u)
	targets := []string{
		"/open/a%2Fb",       // encoded slash
		"/open/a%2fb",       // lower-case too
		"/open/a%5Cb",       // encoded backslash
		"/open/a%zzb",       // bad escape
		"/open/a%0",         // truncated escape
		"/open/a%00b",       // encoded NUL
		"/open/a\\b",        // raw backslash
		"/open/a#frag",      // fragment
		"*",                 // asterisk form for GET
		"open",              // no slash
		"foo:bar",           // opaque absolute form
		"http:/open",        // absolute form without host
		"http://[::1/open",  // unterminated IPv6 host
		"ftp://x/open",      // another scheme
		"http://u@x/open",   // userinfo
		"//open/%2e%2e%2f_", // encoded slash after dots
	}
	for _, target := range targets {
		resp, body := raw(t, hs.addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: status %d (%q), want 400", target, resp.StatusCode, body)
		}
	}
	// Raw control bytes in the request line and header.
	for _, req := range []string{
		"GET /open/a\x00b HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /open HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
		"GET /open HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
	} {
		resp, _ := raw(t, hs.addr, req)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", req, resp.StatusCode)
		}
	}
	// Dot segments are resolved, not refused, and never climb above the
	// root; absolute form is served.
	for target, want := range map[string]string{
		"/x/../open/./y":         "/open/y",
		"/open/%2e%2e/open/%7e":  "/open/~",
		"http://other.test/open": "/open",
	} {
		resp, body := raw(t, hs.addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: status %d, want 200", target, resp.StatusCode)
			continue
		}
		if e := decodeEcho(t, []byte(body)); e.URI != want {
			t.Errorf("GET %s: upstream saw %q, want %q", target, e.URI, want)
		}
	}
	// Still serving.
	if resp, _ := hs.get(t, "/open", nil); resp.StatusCode != 200 {
		t.Errorf("after malformed requests: status %d", resp.StatusCode)
	}
}

func TestHandlerAggregationPartial(t *testing.T) {
	users := newUpstream(t, "users", func(*upstream) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id": 7, "name": "ada", "path": %q}`, r.URL.Path)
		}
	})
	orders := newUpstream(t, "orders", func(*upstream) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[{"order": 1}, {"order": 2}]`)
		}
	})
	slow := newUpstream(t, "slow", func(*upstream) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers in time
		}
	})
	g := newGateway(t, `
routes:
  - name: profile
    template: /profile/{id}
    aggregate:
      backends:
        - {service: users, path: /users/1, allow: [id, name]}
        - {service: orders, group: orders}
        - {service: slow, group: recs, timeout: 100ms, return_error_details: recs}
`, 1)
	hs := newHarness(t, g, users, orders, slow)
	resp, body := hs.get(t, "/profile/7?x=1", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-Baton-Completed"); got != "false" {
		t.Errorf("X-Baton-Completed = %q, want false", got)
	}
	if got := resp.Header.Get(RouteHeader); got != "profile" {
		t.Errorf("X-Baton-Route = %q, want profile", got)
	}
	const want = `{"error_recs":{"error":"timed out"},"id":7,"name":"ada","orders":[{"order":1},{"order":2}]}`
	if string(body) != want {
		t.Errorf("body = %s, want %s", body, want)
	}
}

func TestHandlerMirrorShare(t *testing.T) {
	main := newUpstream(t, "main", nil)
	shadow := newUpstream(t, "shadow", nil)
	g := newGateway(t, `
routes:
  - {name: m, prefix: /m, service: main, mirror: {service: shadow, percent: 25}}
`, 3)
	// What Decide will say for the same seed, computed on a twin.
	twin := newGateway(t, `
routes:
  - {name: m, prefix: /m, service: main, mirror: {service: shadow, percent: 25}}
`, 3)
	want := 0
	for range 40 {
		if d := twin.Decide(&Request{Method: "GET", Path: "/m"}, t0); d.Mirror == "shadow" {
			want++
		}
	}
	if want != 10 {
		t.Fatalf("twin mirrors %d of 40, want 10", want)
	}
	hs := newHarness(t, g, main, shadow)
	for i := range 40 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+hs.addr+"/m", strings.NewReader(fmt.Sprintf("body-%02d", i)))
		resp, err := hs.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || decodeEcho(t, b).Body != 7 {
			t.Fatalf("request %d: status %d body %s", i, resp.StatusCode, b)
		}
	}
	// Mirrors run in the background and Close cancels those still in
	// flight, so let them land first (on a busy machine the last one can
	// trail the main response by a while).
	for deadline := time.Now().Add(10 * time.Second); shadow.mirrors.Load() < int64(want) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	hs.handler.Close()
	if got := shadow.mirrors.Load(); got != int64(want) || shadow.hits.Load() != 0 {
		t.Errorf("shadow got %d mirrored (and %d unmarked), want %d", got, shadow.hits.Load(), want)
	}
	if got := main.hits.Load(); got != 40 {
		t.Errorf("main got %d, want 40", got)
	}
}

func TestHandlerRouteRetries(t *testing.T) {
	var calls atomic.Int64
	flaky := newUpstream(t, "flaky", func(*upstream) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if calls.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, "ok %s", b)
		}
	})
	g := newGateway(t, `
routes:
  - {name: r, prefix: /r, service: flaky, retries: {attempts: 2, retry_on: ["503"]}}
`, 1)
	hs := newHarness(t, g, flaky)
	req, _ := http.NewRequest(http.MethodPut, "http://"+hs.addr+"/r", strings.NewReader("payload"))
	resp, err := hs.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ok payload" || calls.Load() != 3 {
		t.Errorf("status %d body %q after %d calls, want 200 \"ok payload\" after 3", resp.StatusCode, b, calls.Load())
	}
}

func TestHandlerTransforms(t *testing.T) {
	var gotBody atomic.Value
	svc := newUpstream(t, "svc", func(*upstream) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			gotBody.Store(string(b) + "|" + r.Header.Get("X-Env"))
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/fail" {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			fmt.Fprint(w, `{"secret": 1, "keep": true}`)
		}
	})
	g := newGateway(t, `
routes:
  - name: t
    prefix: /
    service: svc
    transform:
      request:
        headers: {set: [{name: X-Env, value: test}]}
        json: [{set: {path: added, value: 1}}]
      response:
        headers: {add: [{name: X-Served-By, value: baton}]}
        json: [{remove: secret}]
        status_map: {502: 503}
`, 1)
	hs := newHarness(t, g, svc)
	req, _ := http.NewRequest(http.MethodPost, "http://"+hs.addr+"/ok", strings.NewReader(`{"a": 2}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hs.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"keep":true}` || resp.Header.Get("X-Served-By") != "baton" {
		t.Errorf("response %d %q X-Served-By %q", resp.StatusCode, b, resp.Header.Get("X-Served-By"))
	}
	if got, want := gotBody.Load(), `{"a":2,"added":1}|test`; got != want {
		t.Errorf("upstream saw %q, want %q", got, want)
	}
	resp, _ = hs.get(t, "/fail", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("mapped status = %d, want 503", resp.StatusCode)
	}
}

func TestHandlerLocalAnswers(t *testing.T) {
	u := newUpstream(t, "echo", nil)
	hs := newHarness(t, newGateway(t, edge+"  - {name: e, prefix: /e, service: echo}\n", 1), u)
	tests := []struct {
		path   string
		header http.Header
		status int
		route  string
	}{
		{"/nothing", nil, 404, ""},
		{"/items", nil, 401, "items"},
		{"/old/x", nil, 308, "old"},
		{"/e/x", nil, 200, "e"},
	}
	for _, tt := range tests {
		resp, _ := hs.get(t, tt.path, tt.header)
		if resp.StatusCode != tt.status || resp.Header.Get(RouteHeader) != tt.route {
			t.Errorf("GET %s = %d route %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get(RouteHeader), tt.status, tt.route)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id on the answer", tt.path)
		}
	}
}
