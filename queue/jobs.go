package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// UnfinishedJobs describes up to 50 jobs that are not completed (available,
// scheduled, running, retryable or discarded), with their last error, for
// operators and for tests that must explain a stall.
func (q *Queue) UnfinishedJobs(ctx context.Context) ([]string, error) {
	params := river.NewJobListParams().First(50).States(rivertype.JobStateAvailable, rivertype.JobStateScheduled,
		rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateDiscarded)
	res, err := q.river.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]string, len(res.Jobs))
	for i, j := range res.Jobs {
		last := ""
		if n := len(j.Errors); n > 0 {
			last = j.Errors[n-1].Error
		}
		out[i] = fmt.Sprintf("job %d %s %s attempt %d: %s", j.ID, j.Kind, j.State, j.Attempt, last)
	}
	return out, nil
}
