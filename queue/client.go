package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/skjema/skjema/engine"
)

// riverClient is River's client for the store's database, behind the few
// methods the queue uses: which database it is was decided once, in New.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	// insertManyTx inserts jobs in the engine's transaction.
	insertManyTx(ctx context.Context, tx engine.Tx, params []river.InsertManyParams) error
	// migrate applies River's own migrations.
	migrate(ctx context.Context) error
}

// typedClient is River's client over one driver, TTx being that driver's
// transaction (*sql.Tx or pgx.Tx). unwrap takes it from an engine.Tx, the
// typed seam River's own riverdriver has: no runtime type switch.
type typedClient[TTx any] struct {
	*river.Client[TTx]
	driver riverdriver.Driver[TTx]
	unwrap func(engine.Tx) TTx
}

func newClient[TTx any](driver riverdriver.Driver[TTx], unwrap func(engine.Tx) TTx, cfg *river.Config) (*typedClient[TTx], error) {
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &typedClient[TTx]{Client: c, driver: driver, unwrap: unwrap}, nil
}

// insertManyTx must insert in the transaction, never on its own: on SQLite
// the one writer connection is the transaction's.
func (c *typedClient[TTx]) insertManyTx(ctx context.Context, tx engine.Tx, params []river.InsertManyParams) error {
	if _, err := c.InsertManyTx(ctx, c.unwrap(tx), params); err != nil {
		return fmt.Errorf("insert %d jobs: %w", len(params), err)
	}
	return nil
}

func (c *typedClient[TTx]) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(c.driver, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}
