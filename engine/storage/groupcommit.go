package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// groupCommitter is SQLite's single writer. Writes queue on a channel; one
// goroutine takes all that are waiting (up to max), runs each in a savepoint
// of one transaction, commits once, and answers each caller after that commit
// is durable. While one group's fsync runs the next group gathers, so under
// load many submits share one fsync instead of queueing for their own.
type groupCommitter struct {
	db *sqlx.DB
	// beforeCommit inserts the jobs of the group's writes that succeeded, in
	// the group's transaction, just before it commits.
	beforeCommit func(ctx context.Context, tx Tx, jobs []Job) error
	max          int
	requests     chan *writeRequest
	stop         chan struct{}
	done         sync.WaitGroup
	once         sync.Once
}

type writeRequest struct {
	ctx    context.Context
	fn     func(tx Tx) error
	result chan error
}

var errClosed = errors.New("store is closed")

func newGroupCommitter(db *sqlx.DB, max int, beforeCommit func(ctx context.Context, tx Tx, jobs []Job) error) *groupCommitter {
	g := &groupCommitter{db: db, max: max, beforeCommit: beforeCommit, requests: make(chan *writeRequest), stop: make(chan struct{})}
	g.done.Add(1)
	go g.loop()
	return g
}

func (g *groupCommitter) do(ctx context.Context, fn func(tx Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case g.requests <- req:
	case <-g.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, the write is answered whatever the caller's context
	// does: the caller must learn whether its commit happened.
	return <-req.result
}

func (g *groupCommitter) close() {
	g.once.Do(func() { close(g.stop) })
	g.done.Wait()
}

func (g *groupCommitter) loop() {
	defer g.done.Done()
	for {
		var first *writeRequest
		select {
		case first = <-g.requests:
		case <-g.stop:
			return
		}
		group := []*writeRequest{first}
	gather:
		for len(group) < g.max {
			select {
			case r := <-g.requests:
				group = append(group, r)
			default:
				break gather
			}
		}
		g.commit(group)
	}
}

// commit runs a group in one transaction. If the commit itself fails, every
// write of the group is retried alone, so one bad write cannot fail others.
func (g *groupCommitter) commit(group []*writeRequest) {
	results, err := g.runGroup(group)
	if err == nil {
		for i, r := range group {
			r.result <- results[i]
		}
		return
	}
	if len(group) == 1 {
		group[0].result <- err
		return
	}
	for _, r := range group {
		res, err := g.runGroup([]*writeRequest{r})
		if err != nil {
			r.result <- err
		} else {
			r.result <- res[0]
		}
	}
}

// runWrite runs one write's fn. fn runs on the committer's goroutine, so a
// panic in it would end the process: it becomes that write's error instead
// (its savepoint is rolled back like any failure's).
func runWrite(fn func(tx Tx) error, tx Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage: a write panicked: %v", p)
		}
	}()
	return fn(tx)
}

// runGroup answers each write's own result, or an error for the whole
// transaction (nothing committed).
func (g *groupCommitter) runGroup(group []*writeRequest) ([]error, error) {
	ctx := context.Background() // a caller's cancellation must not abort the others' commit
	tx, err := g.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	results := make([]error, len(group))
	var jobs []Job
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		var mine []Job
		results[i] = runWrite(r.fn, sqliteExec{q: tx, tx: tx.Tx, jobs: &mine, shared: true})
		if results[i] == nil {
			jobs = append(jobs, mine...)
		} else {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
				return nil, fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
			return nil, fmt.Errorf("release savepoint: %w", err)
		}
	}
	if err := g.beforeCommit(ctx, sqliteExec{q: tx, tx: tx.Tx, jobs: new([]Job), shared: true}, jobs); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return results, nil
}
