//go:build unix

package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopKillsGroup: stopping a peer takes its children too, and stop
// checks that none is left.
func TestStopKillsGroup(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	p, err := startProc("sleeper", t.TempDir(), sh, "-c", "sleep 30 & sleep 30 & wait")
	if err != nil {
		t.Fatal(err)
	}
	pgid := p.cmd.Process.Pid
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d after stop: kill 0 = %v, want ESRCH", pgid, err)
	}
}

// TestPeers proxies through each peer that is installed; the rest skip.
func TestPeers(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer up.Close()
	for _, p := range peers() {
		t.Run(p.name, func(t *testing.T) {
			bin, err := exec.LookPath(p.bin)
			if err != nil {
				t.Skipf("%s not on PATH", p.bin)
			}
			pr, err := startPeer(context.Background(), p, bin, strings.TrimPrefix(up.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Measure(context.Background(), []Target{{Baseline, up.URL + "/"}, {p.name, pr.url}},
				Options{Duration: 50 * time.Millisecond, Rounds: 1, Concurrency: 2})
			if err := pr.stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Targets[1].Requests; got == 0 {
				t.Errorf("%s answered no request", p.name)
			}
		})
	}
}
