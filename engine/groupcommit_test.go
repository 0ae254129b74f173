package engine_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestHangUpDoesNotUndoTheGroup: a client that hangs up while its write runs
// inside a shared SQLite group commit must not roll back the group's
// transaction (which made every other write of the group run again, alone);
// code review B4.
func TestHangUpDoesNotUndoTheGroup(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	ctx := context.Background()

	// Hold the writer until the three writes below wait for it, so that
	// they are gathered into one group.
	release := make(chan struct{})
	holding := make(chan struct{})
	go b.store.WriteForTest(ctx, func(tx engine.Tx) error {
		close(holding)
		<-release
		return nil
	})
	<-holding

	var runsA, runsC atomic.Int32
	hangUp, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	write := func(ctx context.Context, fn func(tx engine.Tx) error) {
		wg.Add(1)
		go func() { defer wg.Done(); b.store.WriteForTest(ctx, fn) }()
	}
	write(ctx, func(tx engine.Tx) error {
		runsA.Add(1)
		_, err := tx.Exec(ctx, `UPDATE reference_counters SET last = last WHERE form = 'a'`)
		return err
	})
	write(hangUp, func(tx engine.Tx) error {
		// A slow write; its client hangs up while it runs.
		time.AfterFunc(10*time.Millisecond, cancel)
		_, err := tx.Exec(hangUp, `UPDATE reference_counters SET last = last WHERE form IN (
			WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT CAST(x AS TEXT) FROM c)`)
		return err
	})
	write(ctx, func(tx engine.Tx) error {
		runsC.Add(1)
		_, err := tx.Exec(ctx, `UPDATE reference_counters SET last = last WHERE form = 'c'`)
		return err
	})
	time.Sleep(100 * time.Millisecond) // all three now wait on the writer
	close(release)
	wg.Wait()
	if a, c := runsA.Load(), runsC.Load(); a != 1 || c != 1 {
		t.Fatalf("the other writes of the group ran %d and %d times, want once each", a, c)
	}
}

// TestAPanickingWriteIsItsOwnError: a write's fn runs on the SQLite
// committer's goroutine, where a panic would end the process; it is that
// write's error, and the writes beside it commit (review of 2026-12-02).
func TestAPanickingWriteIsItsOwnError(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	ctx := context.Background()
	if err := b.store.WriteForTest(ctx, func(tx engine.Tx) error { panic("a bug in a write") }); err == nil {
		t.Fatal("a panicking write answered no error")
	}
	if _, err := b.submit(t, "after-a-panic-0123456789", ""); err != nil {
		t.Fatalf("a submit after the panic: %v", err)
	}
}
