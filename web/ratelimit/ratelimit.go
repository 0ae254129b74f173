// Package ratelimit keeps one token bucket per key (a client address, an
// account), for the API's per-client limit and the caseworker sign-in.
package ratelimit

import (
	"net"
	"sync"
	"time"
)

// Keyed gives each key a token bucket. Buckets that have filled up again
// are swept as requests come, so there is no goroutine to stop, and a sweep
// never changes an answer: a full bucket is the same as a new one.
type Keyed struct {
	interval  time.Duration // one event earned per interval
	burst     int
	mu        sync.Mutex
	fullAt    map[string]time.Time // when each key's bucket is full again
	lastSweep time.Time
}

// New limits each key to perSecond events a second, in bursts of burst. A
// rate below one an hour (zero included) is taken as one an hour, which
// keeps burst intervals well within a time.Duration.
func New(perSecond float64, burst int) *Keyed {
	interval := time.Hour
	if perSecond > 1.0/3600 {
		interval = time.Duration(float64(time.Second) / perSecond)
	}
	return &Keyed{interval: interval, burst: max(burst, 1), fullAt: map[string]time.Time{}}
}

// A bucket is kept as the moment it is full again, in whole nanoseconds,
// so events earned over time add up exactly: a bucket lacks one event for
// each interval between now and then.

// Allow takes one event of the key's bucket, if there is one.
func (l *Keyed) Allow(key string, now time.Time) bool { return l.AllowN(key, now, 1) }

// AllowN takes n events of the key's bucket, if it holds that many (bytes
// of an upload, say); never more than burst.
func (l *Keyed) AllowN(key string, now time.Time, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	if l.waitN(key, now, n) > 0 {
		return false
	}
	l.fullAt[key] = l.full(key, now).Add(time.Duration(n) * l.interval)
	return true
}

// Refund gives back one event Allow took, for an attempt that turned out
// not to count (a sign-in that succeeded). Taking first and giving back
// after, rather than checking first and charging after, keeps concurrent
// attempts from all passing the check before any is charged.
func (l *Keyed) Refund(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if at, ok := l.fullAt[key]; ok {
		l.fullAt[key] = later(now, at.Add(-l.interval))
	}
}

// RetryAfter is how long until the key has an event again: zero if it has
// one now.
func (l *Keyed) RetryAfter(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wait(key, now)
}

// full is when the key's bucket is full, now at the earliest.
func (l *Keyed) full(key string, now time.Time) time.Time {
	return later(now, l.fullAt[key])
}

// wait is how long until the key's bucket holds one event.
func (l *Keyed) wait(key string, now time.Time) time.Duration { return l.waitN(key, now, 1) }

// waitN is how long until the key's bucket holds n events: until it lacks
// at most burst-n. More than burst it never holds.
func (l *Keyed) waitN(key string, now time.Time, n int) time.Duration {
	if n > l.burst {
		return time.Duration(1<<63 - 1)
	}
	return max(0, l.full(key, now).Sub(now)-time.Duration(l.burst-n)*l.interval)
}

// sweep drops, at most once a minute, the buckets that are full again.
func (l *Keyed) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	for k, at := range l.fullAt {
		if !at.After(now) {
			delete(l.fullAt, k)
		}
	}
	l.lastSweep = now
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Host is a request's RemoteAddr without its port: the key of a client.
func Host(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
