package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestPurge: abandoned drafts go with their files and chunks, expired
// sessions and old delivered batches' bodies go, orphaned upload chunks
// go; a draft touched lately and everything submitted stay (security
// review V3, code review B7).
func TestPurge(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := &testClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
		b := setupWith(t, dsn, enginetest.Clock(clock.Now))
		store, form := b.store, b.form

		abandoned, _ := store.CreateDraft(ctx, "bostotte", form.Version, "0301", json.RawMessage(`{"applicant":{"givenName":"Kari"}}`))
		content := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3<<19)...) // 1.5 MiB: two chunks
		if _, err := store.AddFile(ctx, abandoned.ID, abandoned.Token, engine.NewFile{Attachment: "lease", Name: "kontrakt.pdf", ContentType: "application/pdf", Content: bytes.NewReader(content)}); err != nil {
			t.Fatal(err)
		}
		kept, _ := store.CreateDraft(ctx, "bostotte", form.Version, "0301", nil)
		submitted, _ := store.CreateDraft(ctx, "bostotte", form.Version, "0301", nil)
		if _, err := store.Submit(ctx, engine.SubmitRequest{Form: form, Body: b.body, IdempotencyKey: submitted.ID, Token: submitted.Token}); err != nil {
			t.Fatal(err)
		}
		res, err := store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: submitted.ID, Agency: "husbanken"})
		if err != nil {
			t.Fatal(err)
		}
		batchID := res.Batch.ID
		if _, _, err := store.Batches.SealBatch(ctx, batchID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Batches.RecordDelivery(ctx, batchID, "agency:husbanken", nil); err != nil {
			t.Fatal(err)
		}
		// An upload whose node died before its file's row was written.
		if err := store.WriteForTest(ctx, func(tx engine.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO file_chunks (file_id, seq, data, created_at) VALUES ('orphan', 0, ?, ?)`, []byte("x"), clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		u, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "kari@oslo.kommune.no", Name: "Kari", Kommuner: []string{"0301"}, Password: "et langt passord her"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Accounts.CreateSession(ctx, u.ID, 8*time.Hour); err != nil {
			t.Fatal(err)
		}

		clock.Set(clock.Now().Add(20 * 24 * time.Hour))
		if _, err := store.SaveDraft(ctx, kept.ID, kept.Token, json.RawMessage(`{}`), 0); err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().Add(11 * 24 * time.Hour)) // the abandoned draft is now 31 days old
		p, more, err := store.Purge(ctx, engine.Retention{})
		if err != nil {
			t.Fatal(err)
		}
		want := engine.Purged{Drafts: 1, Files: 1, Sessions: 1, BatchBodies: 1, Chunks: 1}
		if p != want || more {
			t.Fatalf("purged %+v (more %v), want %+v", p, more, want)
		}
		if _, err := store.OpenWithToken(ctx, abandoned.ID, abandoned.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("the abandoned draft is still there: %v", err)
		}
		if n := count(t, store, `SELECT COUNT(*) FROM file_chunks`); n != 0 {
			t.Fatalf("%d chunks left", n)
		}
		if _, err := store.OpenWithToken(ctx, kept.ID, kept.Token); err != nil {
			t.Fatalf("the draft saved 11 days ago was purged: %v", err)
		}
		if a, err := store.Application(ctx, submitted.ID); err != nil || a.Data == "" {
			t.Fatalf("the delivered application lost its data: %v", err)
		}
		if b, err := store.Batches.Batch(ctx, batchID); err != nil || b.Body != "" || b.ItemCount != 1 {
			t.Fatalf("batch after purge: body %d bytes, %d items, %v; want its summary without the body", len(b.Body), b.ItemCount, err)
		}
		if _, err := store.Batches.FetchBatch(ctx, "husbanken", batchID); !errors.Is(err, engine.ErrGone) {
			t.Fatalf("fetching the purged batch: %v, want ErrGone", err)
		}
		if p, _, _ := store.Purge(ctx, engine.Retention{}); p.Total() != 0 {
			t.Fatalf("a second purge removed %+v", p)
		}
	})
}
