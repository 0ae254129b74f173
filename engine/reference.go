package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/forms"
)

// referenceBlock is PostgreSQL's share of reference numbers. Every submit on
// every node would otherwise update one counter row per form and year and
// hold its lock until commit, which halves submit throughput (measured: 893
// against 480–614 submits/s). So a node reserves numbers 50 at a time, in a
// statement of its own, and hands them out from memory. References stay
// unique per form and year; they may have gaps (a node that stops leaves its
// unused numbers) and are not strictly in submit order across nodes. SQLite
// has one writer, so it keeps the exact counter inside the submit.
const referenceBlock = 50

type referenceBlocks struct {
	mu     sync.Mutex
	blocks map[string]*[2]int64 // "form/year" → next, last
}

// nextReference numbers submissions per form and Norwegian calendar year:
// BOS-2026-000123.
func (s *Store) nextReference(ctx context.Context, tx Tx, form *forms.Form, now time.Time) (string, error) {
	year := now.In(calendar.Oslo).Year()
	var n int64
	var err error
	if s.dialect == sqlite {
		n, err = reserveReferences(ctx, tx, form.ID, year, 1)
	} else {
		n, err = s.refs.take(ctx, pgExec{q: s.pool}, form.ID, year)
	}
	if err != nil {
		return "", fmt.Errorf("next reference for %s: %w", form.ID, err)
	}
	prefix := form.Layout.ReferencePrefix
	if prefix == "" {
		prefix = form.ID
	}
	return fmt.Sprintf("%s-%d-%06d", prefix, year, n), nil
}

func (r *referenceBlocks) take(ctx context.Context, ex Executor, form string, year int) (int64, error) {
	key := fmt.Sprintf("%s/%d", form, year)
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.blocks[key]
	if b == nil || b[0] > b[1] {
		last, err := reserveReferences(ctx, ex, form, year, referenceBlock)
		if err != nil {
			return 0, err
		}
		b = &[2]int64{last - referenceBlock + 1, last}
		r.blocks[key] = b
	}
	n := b[0]
	b[0]++
	return n, nil
}

// reserveReferences advances the counter of a form and year by n and
// answers the last number reserved.
func reserveReferences(ctx context.Context, ex Executor, form string, year, n int) (int64, error) {
	var last int64
	err := ex.Get(ctx, &last, `INSERT INTO reference_counters (form, year, last) VALUES (?, ?, ?)
		ON CONFLICT (form, year) DO UPDATE SET last = reference_counters.last + ? RETURNING last`, form, year, n, n)
	return last, err
}
