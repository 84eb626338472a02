package gateway

import (
	"crypto/tls"
	"log"
	"net/http"
	"time"
)

// ServerOptions are the http.Server settings that protect the gateway from
// its clients: header and body reading deadlines (a slowloris client that
// trickles its header is cut off after ReadHeaderTimeout), the write
// deadline, the idle keep-alive period and the header size limit (431).
type ServerOptions struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// MaxHeaderBytes bounds the request line and header; net/http answers
	// 431 beyond it (plus 4 KiB of slack it always allows).
	MaxHeaderBytes int
	// TLS, when set, is the listener's TLS configuration (see Listener).
	// Only HTTP/1.1 is offered: the gateway's limits are written for it.
	TLS *tls.Config
}

// ServerOptions returns the server settings of g's configuration. A server
// is built once: a reload that changes them takes effect on the next start.
func (g *Gateway) ServerOptions() ServerOptions {
	t := g.cfg.Timeouts
	return ServerOptions{
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    g.cfg.MaxHeaderBytes,
		TLS:               g.tls,
	}
}

// NewServer returns an http.Server for h with o applied; serve it on
// Listener(ln, o) so TLS, when configured, is terminated. errorLog receives
// net/http's per-connection errors (nil: the log package's default).
func NewServer(h http.Handler, o ServerOptions, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		TLSConfig:         o.TLS,
		ErrorLog:          errorLog,
	}
}
