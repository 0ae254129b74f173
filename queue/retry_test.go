package queue

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// TestRetryBackoffIsCapped: retries double from one second and stop
// growing at five minutes, so an agency back from an outage of any length is
// pushed to again within five minutes (plus jitter).
func TestRetryBackoffIsCapped(t *testing.T) {
	t.Parallel()
	for attempt, want := range map[int]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: 256 * time.Second,
		10: 5 * time.Minute, 11: 5 * time.Minute, 25: 5 * time.Minute, 300: 5 * time.Minute, 10000: 5 * time.Minute,
	} {
		if got := retryDelay(attempt); got != want {
			t.Errorf("after attempt %d: wait %v, want %v", attempt, got, want)
		}
	}
	now := time.Date(2026, time.December, 2, 12, 0, 0, 0, time.UTC)
	p := cappedBackoff{now: func() time.Time { return now }}
	for _, attempt := range []int{1, 5, 12, 40} {
		for range 50 {
			got := p.NextRetry(&rivertype.JobRow{Attempt: attempt}).Sub(now)
			if d := retryDelay(attempt); got < d || got > d+d/10 {
				t.Fatalf("after attempt %d: next retry in %v, want %v to %v", attempt, got, d, d+d/10)
			}
		}
	}
}

// TestAttemptsInTime pins what the default attempt counts documented on
// Config mean in time.
func TestAttemptsInTime(t *testing.T) {
	t.Parallel()
	if got := retryTime(defaultRouteAttempts); got < 80*time.Minute || got > 90*time.Minute {
		t.Errorf("RouteAttempts %d retry for %v, documented as about 1 hour 25 minutes", defaultRouteAttempts, got)
	}
	if got := retryTime(defaultDeliverAttempts); got < 23*time.Hour || got > 25*time.Hour {
		t.Errorf("DeliverAttempts %d retry for %v, documented as about a day", defaultDeliverAttempts, got)
	}
}
