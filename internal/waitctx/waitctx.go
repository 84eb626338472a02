// Package waitctx holds the one way Baton's engines and proxies wait: for a
// duration, or until their context ends, whichever comes first. Policies
// never wait; the code that carries out their decisions does.
package waitctx

import (
	"context"
	"io"
	"time"
)

// Sleep waits for d or until ctx ends, reporting whether d elapsed. A
// non-positive d returns at once: true unless ctx has already ended.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// CancelOnClose wraps a response body so that closing it also ends the
// context the request ran under: a per-try deadline then covers reading
// the body, and the context is released when the caller is done.
func CancelOnClose(body io.ReadCloser, cancel context.CancelFunc) io.ReadCloser {
	return &cancelOnClose{ReadCloser: body, cancel: cancel}
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
