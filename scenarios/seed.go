package scenarios

// DeriveSeed gives each named consumer of randomness (a replica, a
// balancer, the load driver) its own stream from one scenario seed, so adding
// a service does not shift the random choices of the others. It mixes an
// FNV-1a hash of the name into the seed with splitmix64's finaliser.
func DeriveSeed(seed uint64, name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	z := seed + h + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
