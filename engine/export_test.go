package engine

import (
	"context"

	"github.com/skjema/skjema/engine/internal/record"
)

// Test hooks: what the engine's own tests (package engine_test) need that
// no caller outside the engine may have.

// WriteForTest runs fn in one write transaction, for tests that set up
// rows no exported method makes.
func (s *Store) WriteForTest(ctx context.Context, fn func(tx Tx) error) error {
	return s.write(ctx, fn)
}

// MoveForTest applies one transition in a transaction of its own.
func (s *Store) MoveForTest(ctx context.Context, t Transition) error {
	return s.write(ctx, func(tx Tx) error { return record.Move(ctx, tx, s.now(), t) })
}

// FileContentForTest reads a file back without the audit event every real
// read makes (Casework.CaseFile, Batches.AgencyFile).
func (s *Store) FileContentForTest(ctx context.Context, appID, fileID string) (File, []byte, error) {
	return record.FileContent(ctx, s.read(), appID, fileID)
}
