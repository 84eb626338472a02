package bench

import (
	"fmt"
	"path/filepath"
)

// peer is a third-party proxy measured doing Baton's job: listen on
// 127.0.0.1, forward every request to the upstream replica over pooled
// keep-alive connections. Each one is configured the way its own docs
// recommend for that, so the comparison is with a fair setup.
type peer struct {
	name string
	bin  string
	file string // the config file's name in the peer's temp dir
	// config renders the config file: listen and upstream are host:port.
	config func(dir, listen, upstream string) string
	// args are the command line, foreground, using the config at cfg.
	args func(dir, cfg string) []string
}

func peers() []peer { return []peer{nginxPeer(), haproxyPeer(), caddyPeer()} }

func nginxPeer() peer {
	return peer{
		name: "nginx", bin: "nginx", file: "nginx.conf",
		// Every path nginx writes goes to dir, so it runs unprivileged;
		// "keepalive" plus HTTP/1.1 with an empty Connection header is
		// what pools upstream connections.
		config: func(dir, listen, upstream string) string {
			p := func(name string) string { return filepath.Join(dir, name) }
			return fmt.Sprintf(`daemon off;
master_process on;
worker_processes auto;
pid %s;
error_log %s warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    upstream replica {
        server %s;
        keepalive 256;
    }
    server {
        listen %s;
        location / {
            proxy_pass http://replica;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`, p("nginx.pid"), p("error.log"), p("client_body"), p("proxy"), p("fastcgi"), p("uwsgi"), p("scgi"), upstream, listen)
		},
		args: func(dir, cfg string) []string { return []string{"-p", dir + "/", "-c", cfg} },
	}
}

func haproxyPeer() peer {
	return peer{
		name: "haproxy", bin: "haproxy", file: "haproxy.cfg",
		config: func(_, listen, upstream string) string {
			return fmt.Sprintf(`global
    maxconn 8192

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    http-reuse always

frontend bench
    bind %s
    default_backend replica

backend replica
    server echo %s
`, listen, upstream)
		},
		// -db: foreground, no daemon.
		args: func(_, cfg string) []string { return []string{"-db", "-f", cfg} },
	}
}

func caddyPeer() peer {
	return peer{
		name: "caddy", bin: "caddy", file: "caddy.json",
		// Native JSON config: no admin endpoint (no second port), no
		// automatic HTTPS, nothing but the reverse proxy.
		config: func(_, listen, upstream string) string {
			return fmt.Sprintf(`{
  "admin": {"disabled": true},
  "logging": {"logs": {"default": {"level": "ERROR"}}},
  "apps": {"http": {"servers": {"bench": {
    "listen": [%q],
    "automatic_https": {"disable": true},
    "routes": [{"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": %q}]}]}]
  }}}}
}
`, listen, upstream)
		},
		args: func(_, cfg string) []string { return []string{"run", "--config", cfg} },
	}
}
