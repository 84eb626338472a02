//go:build !unix

package bench

import (
	"context"
	"errors"
)

// proc is a running peer; peers need process groups, which only unix has.
type proc struct{ url string }

func startPeer(context.Context, peer, string, string) (*proc, error) {
	return nil, errors.New("bench: peer proxies need a unix system")
}

func (p *proc) stop() error { return nil }
