//go:build unix

package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Peers get this long to answer 200 after starting, and this long to exit
// after SIGTERM before the group gets SIGKILL.
const (
	readyTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
)

// proc is a running peer: its own process group, so stopping it takes
// its workers too.
type proc struct {
	name   string
	url    string
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startPeer writes p's config into a fresh temp dir and starts it on a free
// loopback port, waiting until it proxies a request.
func startPeer(ctx context.Context, p peer, bin, upstream string) (*proc, error) {
	dir, err := os.MkdirTemp("", "baton-bench-"+p.name+"-")
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", p.name, err)
	}
	listen, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: %s: %w", p.name, err)
	}
	cfg := filepath.Join(dir, p.file)
	if err := os.WriteFile(cfg, []byte(p.config(dir, listen, upstream)), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: %s: %w", p.name, err)
	}
	pr, err := startProc(p.name, dir, bin, p.args(dir, cfg)...)
	if err != nil {
		return nil, err
	}
	pr.url = "http://" + listen + "/"
	if err := pr.waitReady(ctx); err != nil {
		pr.stop()
		return nil, err
	}
	return pr, nil
}

// startProc runs bin in its own process group with dir as its home (some
// peers write state under $HOME or XDG dirs) and its output in dir/output.log.
func startProc(name, dir, bin string, args ...string) (*proc, error) {
	out, err := os.Create(filepath.Join(dir, "output.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	defer out.Close() // the child holds its own copy
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	p := &proc{name: name, dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// freePort picks a free loopback port. Another process could take it
// before the peer binds; the readiness check then fails loudly.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

func (p *proc) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-p.exited:
			return fmt.Errorf("bench: %s exited while starting (%s): %s", p.name, p.cmd.ProcessState, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("bench: %s not ready after %s: %w: %s", p.name, readyTimeout, last, p.logTail())
		case <-tick.C:
		}
	}
}

func (p *proc) logTail() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "output.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// ErrStray means a peer's process group outlived its stop.
var ErrStray = errors.New("bench: processes left behind")

// stop sends SIGTERM to the peer's process group, SIGKILL after
// stopTimeout, and then checks that nothing of the group is left.
func (p *proc) stop() error {
	defer os.RemoveAll(p.dir)
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
	// The leader is reaped; its workers may take a moment more.
	for deadline := time.Now().Add(stopTimeout); ; {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			return fmt.Errorf("%w: %s (process group %d)", ErrStray, p.name, pgid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
