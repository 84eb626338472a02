package ratelimit

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestStoreBound: however many keys arrive, a limiter tracks at most
// MaxKeys.
func TestStoreBound(t *testing.T) {
	for _, maxKeys := range []int{1, 3, 16, 100} {
		l := mustNew(t, NewTokenBucket, Options{Limit: 1, Window: time.Hour, MaxKeys: maxKeys})
		for i := range 1000 {
			l.Allow(fmt.Sprintf("key-%d", i), t0)
			if got := l.Stats().Keys; got > maxKeys {
				t.Fatalf("max %d: %d keys after %d inserts", maxKeys, got, i+1)
			}
		}
	}
}

// TestStoreEvictsLRU: with room for one key, a second key evicts the first,
// which then starts over with a full bucket, and the eviction is counted.
func TestStoreEvictsLRU(t *testing.T) {
	l := mustNew(t, NewTokenBucket, Options{Limit: 1, Window: time.Hour, MaxKeys: 1})
	if !l.Allow("a", t0).Allowed || l.Allow("a", t0).Allowed {
		t.Fatal("a: want one allowed then one denied")
	}
	l.Allow("b", t0)
	if got, want := l.Stats(), (Stats{Keys: 1, Evicted: 1}); got != want {
		t.Errorf("stats: got %+v, want %+v", got, want)
	}
	if !l.Allow("a", t0).Allowed {
		t.Error("a after eviction: denied, want a fresh bucket")
	}
}

// TestStoreDropsIdleFree: a key whose state is back to fresh is dropped when
// room is needed without counting as an eviction: forgetting it changes
// nothing.
func TestStoreDropsIdleFree(t *testing.T) {
	l := mustNew(t, NewFixedWindow, Options{Limit: 1, Window: time.Second, MaxKeys: 1})
	l.Allow("a", t0)
	l.Allow("b", t0.Add(5*time.Second))
	if got, want := l.Stats(), (Stats{Keys: 1}); got != want {
		t.Errorf("stats: got %+v, want %+v", got, want)
	}
}

// TestStoreLRUOrder: in a single shard (MaxKeys 2 hashes to at most two
// shards; the keys below share one), touching a key protects it.
func TestStoreLRUOrder(t *testing.T) {
	st := newStore[tbState](1)
	c := newTBCore(Options{Limit: 1, Window: time.Hour, Burst: 1})
	st.shards[0].max = 2
	sh := &st.shards[0]
	for _, k := range []string{"a", "b"} {
		e := insert(sh, c, k, 0)
		c.take(&e.s, 0, 1, false)
	}
	sh.get("a") // a is now the most recent
	insert(sh, c, "c", 0)
	if sh.m["b"] != nil || sh.m["a"] == nil || sh.m["c"] == nil {
		t.Errorf("keys after insert: got %v, want a and c", keysOf(sh))
	}
}

func keysOf[S any](sh *shard[S]) []string {
	var ks []string
	for e := sh.lru.next; e != &sh.lru; e = e.next {
		ks = append(ks, e.key)
	}
	return ks
}

// TestStoreKeyNotRetained: the store keeps its own copy of a key, not a
// view into the caller's (possibly large) buffer.
func TestStoreKeyNotRetained(t *testing.T) {
	l := mustNew(t, NewFixedWindow, Options{Limit: 1, Window: time.Second})
	big := strings.Repeat("h", 4096)
	l.Allow(big[:6], t0)
	sh, _ := l.k.keys.shardOf(big[:6])
	e := sh.m[big[:6]]
	if e == nil {
		t.Fatal("key not stored")
	}
	if unsafe.StringData(e.key) == unsafe.StringData(big) {
		t.Error("stored key shares the caller's buffer")
	}
}

// TestParallelAllow hammers one limiter from several goroutines (run with
// -race) and checks the total against the limit.
func TestParallelAllow(t *testing.T) {
	l := mustNew(t, NewFixedWindow, Options{Limit: 500, Window: time.Hour})
	done := make(chan int)
	for g := range 4 {
		go func() {
			allowed := 0
			for i := range 600 {
				if l.Allow(fmt.Sprint(i%3), t0.Add(time.Duration(g))).Allowed {
					allowed++
				}
			}
			done <- allowed
		}()
	}
	total := 0
	for range 4 {
		total += <-done
	}
	// 3 keys × 800 offered each, 500 allowed each.
	if total != 1500 {
		t.Errorf("allowed: got %d, want 1500", total)
	}
}
