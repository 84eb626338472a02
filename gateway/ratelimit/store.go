package ratelimit

import (
	"strings"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the keys one limiter tracks when Options.MaxKeys is 0.
const DefaultMaxKeys = 100_000

// maxShards caps the shard count; 16 mutexes are plenty for the cores a
// gateway process has, and a power of two makes the shard pick a mask.
const maxShards = 16

// entry is one key's state, linked into its shard's LRU list.
type entry[S any] struct {
	key        string
	prev, next *entry[S]
	s          S
}

// shard is one lock's worth of keys. The LRU list is intrusive so touching a
// key allocates nothing.
type shard[S any] struct {
	mu sync.Mutex
	m  map[string]*entry[S]
	// lru is the list sentinel: lru.next is the most recently used entry,
	// lru.prev the least.
	lru     entry[S]
	max     int
	evicted uint64
	// pad keeps neighbouring shards' mutexes off one cache line.
	_ [64]byte
}

// store maps keys to states in a fixed number of shards. Shard choice is a
// fixed hash (FNV-1a), not a per-process seed, so which keys share a shard,
// and therefore which get evicted under pressure, is repeatable.
type store[S any] struct {
	shards []shard[S]
	mask   uint64
}

func newStore[S any](maxKeys int) store[S] {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	n := 1
	for n*2 <= maxShards && n*2 <= maxKeys {
		n *= 2
	}
	st := store[S]{shards: make([]shard[S], n), mask: uint64(n - 1)}
	for i := range st.shards {
		sh := &st.shards[i]
		sh.m = make(map[string]*entry[S])
		sh.lru.next, sh.lru.prev = &sh.lru, &sh.lru
		// Floor division keeps the total at or below maxKeys.
		sh.max = maxKeys / n
	}
	return st
}

func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func (st *store[S]) shardOf(key string) (*shard[S], int) {
	i := int(fnv1a(key) & st.mask)
	return &st.shards[i], i
}

// get returns key's entry and marks it most recently used, or nil.
// The caller holds sh.mu.
func (sh *shard[S]) get(key string) *entry[S] {
	e := sh.m[key]
	if e != nil && sh.lru.next != e {
		sh.unlink(e)
		sh.pushFront(e)
	}
	return e
}

func (sh *shard[S]) unlink(e *entry[S]) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (sh *shard[S]) pushFront(e *entry[S]) {
	e.prev = &sh.lru
	e.next = sh.lru.next
	sh.lru.next.prev = e
	sh.lru.next = e
}

func (sh *shard[S]) remove(e *entry[S]) {
	sh.unlink(e)
	delete(sh.m, e.key)
}

// oldest is the least recently used entry, or nil.
func (sh *shard[S]) oldest() *entry[S] {
	if sh.lru.prev == &sh.lru {
		return nil
	}
	return sh.lru.prev
}

// insert adds key in its zero state, first making room: idle entries at the
// LRU tail go for free (their state is fresh, so nothing is forgotten); if
// the shard is still full the least recently used key is evicted anyway and
// counted, and will start over fresh if it returns. The caller holds sh.mu.
func insert[S any, F freshness[S]](sh *shard[S], c F, key string, now int64) *entry[S] {
	// A couple of idle tails per insert keeps the map near the live key
	// set without a sweep.
	for range 2 {
		old := sh.oldest()
		if old == nil || !c.fresh(&old.s, now) {
			break
		}
		sh.remove(old)
	}
	for len(sh.m) >= sh.max {
		sh.remove(sh.oldest())
		sh.evicted++
	}
	// Clone: the caller's key may point into a large header or buffer.
	e := &entry[S]{key: strings.Clone(key)}
	sh.m[e.key] = e
	sh.pushFront(e)
	return e
}

// Stats describes a limiter's key store.
type Stats struct {
	// Keys is the number of keys tracked now.
	Keys int
	// Evicted counts keys dropped while their state was not fresh, because
	// the store was full: each such key's next request started over.
	Evicted uint64
}

func (st *store[S]) stats() Stats {
	var s Stats
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		s.Keys += len(sh.m)
		s.Evicted += sh.evicted
		sh.mu.Unlock()
	}
	return s
}

// freshness is the part of a core the store needs to drop idle keys.
type freshness[S any] interface {
	fresh(s *S, now int64) bool
}

// keyed runs core C over a bounded per-key store; every algorithm's exported
// type wraps one.
type keyed[S any, C core[S]] struct {
	c    C
	keys store[S]
}

func newKeyed[S any, C core[S]](c C, maxKeys int) keyed[S, C] {
	return keyed[S, C]{c: c, keys: newStore[S](maxKeys)}
}

func (k *keyed[S, C]) take(key string, now time.Time, n int64) Decision {
	t := now.UnixNano()
	sh, _ := k.keys.shardOf(key)
	sh.mu.Lock()
	e := sh.get(key)
	if e == nil {
		e = insert(sh, k.c, key, t)
	}
	d := k.c.take(&e.s, t, n, false)
	sh.mu.Unlock()
	return d
}
