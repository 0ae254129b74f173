package queue

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// Retry backoff: a failed job waits retryBase after its first attempt,
// twice as long after each further one, and never longer than retryCap.
// River's own policy (attempt⁴ seconds) waits 21 minutes after the 6th
// attempt and hours after the 10th, so an agency back from an outage waited
// that long for its batches; with the cap it is served within 5 minutes.
const (
	retryBase = time.Second
	retryCap  = 5 * time.Minute
)

// cappedBackoff is the queue's default River retry policy: exponential from
// retryBase, capped at retryCap, with up to a tenth more at random so that
// the batches of one agency do not all come back at the same instant.
type cappedBackoff struct {
	now func() time.Time
}

// NextRetry is when a job that just failed its job.Attempt-th attempt runs
// again.
func (p cappedBackoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := retryDelay(job.Attempt)
	return p.now().Add(d + rand.N(d/10+1))
}

// retryDelay is the wait after the attempt-th failed attempt, before jitter:
// 1 s, 2 s, 4 s, … 256 s, then 5 minutes for every later one.
func retryDelay(attempt int) time.Duration {
	d := retryBase
	for i := 1; i < attempt && d < retryCap; i++ {
		d *= 2
	}
	return min(d, retryCap)
}

// retryTime is roughly how long a job that keeps failing is retried for
// before its last attempt: the sum of the waits between attempts, without
// jitter. It says what an attempt count means in time.
func retryTime(attempts int) time.Duration {
	var total time.Duration
	for a := 1; a < attempts; a++ {
		total += retryDelay(a)
	}
	return total
}
