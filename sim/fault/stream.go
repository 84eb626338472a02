package fault

// golden is splitmix64's increment, the odd integer closest to 2^64/phi.
const golden = 0x9e3779b97f4a7c15

// mix is splitmix64's output function (Stafford's variant 13): a bijection
// of uint64 whose outputs for consecutive inputs pass BigCrush.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// faultKey keys the streams of one fault: distinct ids give unrelated
// streams under one seed.
func faultKey(seed uint64, id int) uint64 {
	return mix(seed ^ mix(uint64(id)+golden))
}

// targetHash is FNV-1a over a request's caller, service and replica, with
// separators so that ("ab", "c") and ("a", "bc") differ.
func targetHash(caller, service, replica string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range [...]string{caller, service, replica} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

// stream is the randomness of one decision: the n-th request a fault
// matched for one target. Each decision may use two numbers.
type stream struct {
	base uint64 // mix(faultKey ^ targetHash)
	n    uint64
}

func newStream(key, target, n uint64) stream {
	return stream{base: mix(key ^ target), n: n}
}

// uniform is the decision's k-th number (k is 0 or 1), uniform in [0, 1):
// output 2n+k+1 of the splitmix64 sequence that starts at base.
func (s stream) uniform(k uint64) float64 {
	return float64(mix(s.base+(2*s.n+k+1)*golden)>>11) * 0x1p-53
}
