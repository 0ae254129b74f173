package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
)

// References number submissions per form and Norwegian calendar year:
// BOS-2026-000123. Where the database hands numbers out before a
// transaction (PostgreSQL nodes reserve blocks of them: a replayed submit
// burns one, gaps are allowed), referenceBefore takes one; else it answers
// "" and referenceIn counts it inside the submit's transaction, exactly.

func (s *Store) referenceBefore(ctx context.Context, form *forms.Form) (string, error) {
	now := s.now()
	n, ok, err := s.db.NumberBefore(ctx, referenceCounter(form, now))
	if err != nil {
		return "", fmt.Errorf("next reference for %s: %w", form.ID, err)
	}
	if !ok {
		return "", nil
	}
	return formatReference(form, now, n), nil
}

func referenceIn(ctx context.Context, tx Tx, form *forms.Form, now time.Time) (string, error) {
	n, err := storage.NumberIn(ctx, tx, referenceCounter(form, now))
	if err != nil {
		return "", fmt.Errorf("next reference for %s: %w", form.ID, err)
	}
	return formatReference(form, now, n), nil
}

func referenceCounter(form *forms.Form, now time.Time) storage.Counter {
	return storage.Counter{Name: form.ID, Period: now.In(calendar.Oslo).Year()}
}

func formatReference(form *forms.Form, now time.Time, n int64) string {
	prefix := form.Layout.ReferencePrefix
	if prefix == "" {
		prefix = form.ID
	}
	return fmt.Sprintf("%s-%d-%06d", prefix, now.In(calendar.Oslo).Year(), n)
}
