package gateway

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// named answers with its own name.
func named(u *upstream) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		_, _ = io.WriteString(w, u.name)
	}
}

// reloadConfig routes /v to service to and marks every answer with the
// configuration's name, so a response shows which configuration served it
// from start (the route) to end (the response transformation).
func reloadConfig(name, to string) string {
	return fmt.Sprintf(`
rate_limits: [{name: ip, algorithm: token_bucket, limit: 1000000, window: 1s, key: ip}]
routes:
  - name: v-%[1]s
    prefix: /v
    service: %[2]s
    rate_limits: [ip]
    transform: {response: {headers: {set: [{name: X-Config, value: %[1]s}]}}}
`, name, to)
}

// TestReloadUnderLoad reloads a gateway 20 times between two valid
// configurations, with invalid ones in between, while concurrent clients
// keep it busy (about 1000 requests a second when the machine allows):
// not one request may fail, and every answer must come wholly from one of
// the two configurations.
func TestReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	a := newUpstream(t, "a", named)
	b := newUpstream(t, "b", named)
	cfgA := parseConfig(t, reloadConfig("A", "a"))
	cfgB := parseConfig(t, reloadConfig("B", "b"))
	invalid := []string{
		strings.Replace(reloadConfig("A", "a"), "rate_limits: [ip]", "rate_limits: [nope]", 1),
		strings.Replace(reloadConfig("B", "b"), "prefix: /v", "prefix: v", 1),
		strings.Replace(reloadConfig("A", "a"), "name: X-Config", "name: Connection", 1),
		"routes: []",
	}
	r, err := NewReloader(cfgA, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, r, a, b)

	const (
		workers  = 8
		interval = 8 * time.Millisecond // 125/s per worker
		reloads  = 20
		every    = 150 * time.Millisecond
	)
	var (
		ok, failed atomic.Int64
		seen       [2]atomic.Int64
		firstErr   atomic.Value
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				resp, err := hs.client.Get("http://" + hs.addr + "/v/x")
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				cfg := resp.Header.Get("X-Config")
				switch {
				case err == nil && resp.StatusCode == 200 && cfg == "A" && string(body) == "a":
					seen[0].Add(1)
					ok.Add(1)
				case err == nil && resp.StatusCode == 200 && cfg == "B" && string(body) == "b":
					seen[1].Add(1)
					ok.Add(1)
				default:
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d config %q body %q err %v", resp.StatusCode, cfg, body, err))
				}
			}
		}()
	}

	rejected := 0
	for i := range reloads {
		time.Sleep(every)
		next := cfgB
		if i%2 == 1 {
			next = cfgA
		}
		if err := r.Reload(next); err != nil {
			t.Errorf("reload %d: %v", i, err)
		}
		if i%5 == 4 {
			bad := parseConfig(t, invalid[(i/5)%len(invalid)])
			before := r.Current()
			if err := r.Reload(bad); err == nil {
				t.Errorf("reload %d: an invalid configuration was accepted", i)
			} else {
				rejected++
			}
			if r.Current() != before {
				t.Errorf("reload %d: a rejected configuration replaced the current one", i)
			}
		}
	}
	time.Sleep(every)
	close(stop)
	wg.Wait()

	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed; first: %v", n, n+ok.Load(), firstErr.Load())
	}
	if seen[0].Load() == 0 || seen[1].Load() == 0 {
		t.Errorf("answers from A: %d, from B: %d; want both", seen[0].Load(), seen[1].Load())
	}
	if rejected != 4 {
		t.Errorf("rejected %d invalid reloads, want 4", rejected)
	}
	// The last reload (i = 19) installed A.
	if got := r.Current().Config().Routes[0].Name; got != "v-A" {
		t.Errorf("final route %q, want v-A", got)
	}
	t.Logf("%d requests, %d from A, %d from B", ok.Load(), seen[0].Load(), seen[1].Load())
}
