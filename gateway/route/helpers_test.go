package route

import "math/bits"

// divHi returns floor(hi * 2^64 / d) for hi < d.
func divHi(hi, d uint64) uint64 {
	q, _ := bits.Div64(hi, 0, d)
	return q
}
