package gateway

import (
	"encoding/binary"
	"sync/atomic"
)

// idSource draws request ids, trace ids and span ids from a seeded,
// counter-based generator (SplitMix64: the k-th output is a bijection of
// seed + k·φ), so ids are unique per seed without a global random source
// or a lock, and a run with the same seed repeats them.
type idSource struct {
	seed uint64
	n    atomic.Uint64
}

func newIDSource(seed uint64) *idSource { return &idSource{seed: seed} }

func (s *idSource) next() uint64 {
	k := s.n.Add(1)
	return mix64(s.seed + k*golden)
}

// fill writes fresh random bytes into b.
func (s *idSource) fill(b []byte) {
	for len(b) >= 8 {
		binary.BigEndian.PutUint64(b, s.next())
		b = b[8:]
	}
	if len(b) > 0 {
		var t [8]byte
		binary.BigEndian.PutUint64(t[:], s.next())
		copy(b, t[:])
	}
}

// requestID returns a fresh id in UUID version 4 form, the shape most
// tools expect of X-Request-Id.
func (s *idSource) requestID() string {
	var u [16]byte
	s.fill(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hexEncode(b[0:8], u[0:4])
	b[8] = '-'
	hexEncode(b[9:13], u[4:6])
	b[13] = '-'
	hexEncode(b[14:18], u[6:8])
	b[18] = '-'
	hexEncode(b[19:23], u[8:10])
	b[23] = '-'
	hexEncode(b[24:36], u[10:16])
	return string(b[:])
}

// spanID returns a non-zero span id.
func (s *idSource) spanID() [8]byte {
	var id [8]byte
	for id == ([8]byte{}) {
		s.fill(id[:])
	}
	return id
}

// traceID returns a non-zero trace id.
func (s *idSource) traceID() [16]byte {
	var id [16]byte
	for id == ([16]byte{}) {
		s.fill(id[:])
	}
	return id
}

// propagate returns the traceparent to send upstream for the client's
// value in: the gateway's own span in the client's trace when in is valid,
// else the root of a new sampled trace. The second result reports whether
// in was valid, i.e. whether tracestate may travel with it.
func (s *idSource) propagate(in []string) (string, bool) {
	if len(in) == 1 {
		if tp, ok := ParseTraceparent(in[0]); ok {
			tp.Version = 0
			tp.ParentID = s.spanID()
			return tp.String(), true
		}
	}
	// Absent, malformed or repeated: W3C says start afresh.
	tp := Traceparent{TraceID: s.traceID(), ParentID: s.spanID(), Flags: 0x01}
	return tp.String(), false
}
