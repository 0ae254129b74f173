package ratelimit

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// TestBurstThenRate: a key has its burst at once, then one event per
// interval; keys do not share a bucket.
func TestBurstThenRate(t *testing.T) {
	t.Parallel()
	l := New(1.0/30, 5) // 5, then one per 30 s
	for i := range 5 {
		if !l.Allow("kari", t0) {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	if l.Allow("kari", t0) {
		t.Fatal("the sixth event at once allowed")
	}
	if !l.Allow("ola", t0) {
		t.Fatal("another key refused")
	}
	if got := l.RetryAfter("kari", t0); got != 30*time.Second {
		t.Fatalf("RetryAfter with an empty bucket: %v, want 30s", got)
	}
	if got := l.RetryAfter("kari", t0.Add(20*time.Second)); got != 10*time.Second {
		t.Fatalf("RetryAfter 20 s later: %v, want 10s", got)
	}
	if l.Allow("kari", t0.Add(29*time.Second)) {
		t.Fatal("allowed before the interval")
	}
	if !l.Allow("kari", t0.Add(30*time.Second)) {
		t.Fatal("refused after the interval")
	}
	if l.Allow("kari", t0.Add(31*time.Second)) {
		t.Fatal("two events for one interval")
	}
	if got := l.RetryAfter("nobody", t0); got != 0 {
		t.Fatalf("RetryAfter of an unknown key: %v, want 0", got)
	}
	// A long wait fills the bucket to its burst, no further.
	later := t0.Add(time.Hour)
	for i := range 5 {
		if !l.Allow("kari", later) {
			t.Fatalf("after an hour, event %d refused", i+1)
		}
	}
	if l.Allow("kari", later) {
		t.Fatal("the bucket filled beyond its burst")
	}
}

// TestRefund: an event given back can be taken again, but a bucket never
// holds more than its burst, and refunding an unknown key does nothing.
func TestRefund(t *testing.T) {
	t.Parallel()
	l := New(1.0/30, 2)
	for range 10 { // ten successes: each taken and given back
		if !l.Allow("kari", t0) {
			t.Fatal("a refunded event was not given back")
		}
		l.Refund("kari", t0)
	}
	l.Refund("kari", t0) // one more than was taken
	l.Allow("kari", t0)
	l.Allow("kari", t0)
	if l.Allow("kari", t0) {
		t.Fatal("a refund raised the bucket beyond its burst")
	}
	l.Refund("nobody", t0)
	if _, ok := l.fullAt["nobody"]; ok {
		t.Fatal("a refund made a bucket")
	}
}

// TestConcurrentTakes: of many attempts at once, exactly the burst is
// allowed; none passes on a check made before another is charged.
func TestConcurrentTakes(t *testing.T) {
	t.Parallel()
	l := New(1.0/30, 5)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 100 {
		wg.Go(func() {
			if l.Allow("kari", t0) {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Fatalf("%d of 100 concurrent attempts allowed, want 5", allowed)
	}
}

// TestSweep: once a minute, buckets that are full again are dropped, and
// only those: a bucket still short of its burst is kept however long it has
// been idle, so sweeping never lets anyone in early.
func TestSweep(t *testing.T) {
	t.Parallel()
	l := New(1.0/60, 100) // 100, then one a minute: 100 minutes to fill
	for range 100 {
		l.Allow("kari", t0)
	}
	l.Allow("ola", t0)
	l.Allow("per", t0)
	if n := len(l.fullAt); n != 3 {
		t.Fatalf("%d buckets, want 3", n)
	}
	// Thirty seconds on: too soon to sweep, nothing is dropped.
	l.Allow("anne", t0.Add(30*time.Second))
	if n := len(l.fullAt); n != 4 {
		t.Fatalf("swept within the minute: %d buckets, want 4", n)
	}
	// Twenty minutes on, ola's, per's and anne's buckets are full again and
	// go; kari's is 80 short and stays.
	l.Allow("bjørn", t0.Add(20*time.Minute))
	if _, ok := l.fullAt["ola"]; ok || len(l.fullAt) != 2 {
		t.Fatalf("after the sweep: %v, want kari's and bjørn's", keys(l))
	}
	if _, ok := l.fullAt["kari"]; !ok {
		t.Fatal("a bucket short of its burst was swept")
	}
	for i := range 20 {
		if !l.Allow("kari", t0.Add(20*time.Minute)) {
			t.Fatalf("kari's event %d of the 20 earned refused", i+1)
		}
	}
	if l.Allow("kari", t0.Add(20*time.Minute)) {
		t.Fatal("kari has more than she earned in 20 minutes")
	}
}

func keys(l *Keyed) []string {
	var out []string
	for k := range l.fullAt {
		out = append(out, k)
	}
	return out
}

func TestHost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.1:52100", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"192.0.2.1", "192.0.2.1"}, // no port: as it is
	} {
		if got := Host(tt.in); got != tt.want {
			t.Errorf("Host(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAllowN: a budget of bytes is taken n at a time, refills at its rate,
// and never gives more than its burst at once.
func TestAllowN(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l := New(1000.0/3600, 1000) // 1,000 bytes an hour
	if !l.AllowN("a", now, 600) {
		t.Fatal("600 of a fresh 1,000 refused")
	}
	if l.AllowN("a", now, 600) {
		t.Fatal("600 more within the hour allowed")
	}
	if !l.AllowN("a", now, 400) {
		t.Fatal("the remaining 400 refused")
	}
	if l.AllowN("b", now, 1001) {
		t.Fatal("more than the burst allowed at once")
	}
	if !l.AllowN("a", now.Add(36*time.Minute), 600) {
		t.Fatal("600 refused after 36 minutes had earned them back")
	}
}
