package engine_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/skjema/skjema/engine/enginetest"
)

// TestMigrationLockReportsAFailedUnlock: if the migration lock cannot be
// released (here its session is killed while it migrates), WithMigrationLock
// says so instead of answering success, and the store keeps working.
func TestMigrationLockReportsAFailedUnlock(t *testing.T) {
	t.Parallel()
	dsn := enginetest.Postgres(t)
	ctx := context.Background()
	store := enginetest.Open(t, dsn, enginetest.Unmigrated()).Store
	admin, err := pgx.Connect(ctx, os.Getenv(enginetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	err = store.WithMigrationLock(ctx, func() error {
		// The lock's session: the one backend of this store's pool holding
		// the migration lock (0x736b6a656d61, as classid and objid).
		var killed int
		err := admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(l.pid))
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted
			AND a.query LIKE '%pg_advisory_lock%' AND a.backend_start >= now() - interval '1 minute'`,
			uint32(0x736b), uint32(0x6a656d61)).Scan(&killed)
		if err == nil && killed != 1 {
			t.Errorf("killed %d sessions holding the migration lock, want 1", killed)
		}
		return err
	})
	if err == nil {
		t.Fatal("a lost migration lock was reported as released")
	}
	if err := store.WithMigrationLock(ctx, func() error { return nil }); err != nil {
		t.Fatalf("the lock after a failed unlock: %v", err)
	}
}
