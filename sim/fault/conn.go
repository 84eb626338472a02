package fault

import (
	"fmt"
	"net"
)

// Reset closes conn with a TCP RST instead of a FIN: it sets SO_LINGER to
// 0 and closes, so the kernel discards unsent data and the peer's next
// read fails with ECONNRESET (toxiproxy's reset_peer). A TLS or other
// wrapping connection is unwrapped through its NetConn method first, so
// no close_notify is sent either. Connections that are not TCP are just
// closed.
func Reset(conn net.Conn) error {
	// Wrappers nest rarely more than once; the bound keeps a wrapper that
	// returns itself from looping.
	for range 8 {
		u, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		inner := u.NetConn()
		if inner == nil || inner == conn {
			break
		}
		conn = inner
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		if err := tc.SetLinger(0); err != nil {
			_ = tc.Close()
			return fmt.Errorf("fault: reset: %w", err)
		}
	}
	if err := conn.Close(); err != nil {
		return fmt.Errorf("fault: reset: %w", err)
	}
	return nil
}
