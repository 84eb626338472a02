// Package identity is Baton's mesh identity: an in-memory certificate
// authority, SPIFFE workload identities with rotation, mTLS modes and
// service-to-service authorization.
//
// It follows Istio and Linkerd. A run has one CA (istiod's or Linkerd's
// identity controller) with a self-signed ECDSA P-256 root for a trust
// domain. Each service replica is a Workload holding a short-lived
// X.509-SVID whose only URI SAN is
//
//	spiffe://<trust-domain>/service/<name>
//
// and which it renews at RotateAt (default 70 %, Linkerd's) of its
// lifetime. Servers pick a Mode per service (Istio's PeerAuthentication:
// strict, permissive, off) and may restrict which services call them
// (AuthorizationPolicy, as Authz rules).
//
// Time is explicit everywhere. Issue and Rotate take now; the TLS configs
// take a clock and verify certificates at that clock's time, so the live
// engine passes time.Now and tests pass a controllable clock. The package
// starts no goroutine except inside PermissiveListener, which is I/O and
// ends them all on Close.
//
// How an engine wires it:
//
//	ca, _ := identity.NewCA(identity.CAOptions{Now: start})
//	w, _ := identity.NewWorkload(ca, "cart", start, identity.WorkloadOptions{Replica: "cart-0"})
//	// on the engine's ticker, more often than (1-RotateAt) × lifetime:
//	w.Rotate(now)
//	// server side of the replica:
//	cfg := identity.ServerTLS(w, mode, nil, clock)
//	srv.Serve(identity.Listener(ln, mode, cfg))
//	handler = identity.RequireCaller(authz, "cart", handler) // 403 for denied callers
//	// client side, one config (one transport) per target service:
//	tr := &http.Transport{TLSClientConfig: identity.ClientTLS(w, "payments", clock)}
//
// Certificates are served through GetCertificate and GetClientCertificate,
// so a rotation applies to the next handshake: listeners keep running and
// connections already established keep their certificates, as in Envoy.
package identity
