// Package ratelimit keeps one token bucket per key (a client address, an
// account), for the API's per-client limit and the caseworker sign-in.
package ratelimit

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed gives each key a token bucket. Entries idle long enough to have
// filled up again (and at least ten minutes) are swept as requests come, so
// there is no goroutine to stop, and pausing does not reset a slow budget.
type Keyed struct {
	perSecond rate.Limit
	burst     int
	mu        sync.Mutex
	keys      map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

// New limits each key to perSecond events a second, in bursts of burst.
func New(perSecond float64, burst int) *Keyed {
	return &Keyed{perSecond: rate.Limit(perSecond), burst: max(burst, 1), keys: map[string]*bucket{}, lastSweep: time.Now()}
}

// Allow takes one token of the key's bucket, if there is one.
func (l *Keyed) Allow(key string, now time.Time) bool { return l.AllowN(key, now, 1) }

// AllowN takes n tokens of the key's bucket, if it holds that many.
func (l *Keyed) AllowN(key string, now time.Time, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		refill := time.Duration(float64(l.burst) / float64(l.perSecond) * float64(time.Second))
		for k, b := range l.keys {
			if now.Sub(b.seen) > max(10*time.Minute, refill) {
				delete(l.keys, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.keys[key]
	if !ok {
		b = &bucket{limiter: rate.NewLimiter(l.perSecond, l.burst)}
		l.keys[key] = b
	}
	b.seen = now
	return b.limiter.AllowN(now, n)
}

// Host is a request's RemoteAddr without its port: the key of a client.
func Host(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
