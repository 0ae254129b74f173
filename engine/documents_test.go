package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
)

// TestDocumentsAreAskedForAndSent: ettersending. A caseworker asks for the
// lease; the application waits for the citizen, who is told; while it
// waits, she can add the lease and nothing else, not in a saved draft nor
// in the send; sent without it is refused; sent with it, it is back in
// review with the file in the same application, and the history says so.
func TestDocumentsAreAskedForAndSent(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setup(t, dsn)
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		// A rented home, whose lease she will send later.
		var example map[string]any
		json.Unmarshal(b.body, &example)
		example["housing"].(map[string]any)["type"] = "rented"
		example["attachments"] = map[string]any{"lease": map[string]any{"status": "later"}}
		b.body, _ = json.Marshal(example)
		a, d := b.flagged(t, "0301")
		act := func() casework.CaseAction {
			cur, _ := b.store.Application(ctx, a.ID)
			return casework.CaseAction{User: kari, ApplicationID: a.ID, Version: cur.Version, Form: b.form}
		}
		if err := b.store.Casework.RequestDocuments(ctx, act(), "Send husleiekontrakten.", nil); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("asked for no document: %v", err)
		}
		for _, other := range []string{"passport", "loanPlan"} { // not the form's; not one her answers call for
			if err := b.store.Casework.RequestDocuments(ctx, act(), "Send den.", []string{other}); !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("asked for %s: %v", other, err)
			}
		}
		if err := b.store.Casework.RequestDocuments(ctx, act(), "Send husleiekontrakten.", []string{"lease", "lease"}); err != nil {
			t.Fatal(err)
		}
		got, _ := b.store.Application(ctx, a.ID)
		if got.Status != engine.StatusAwaitingCitizen || got.Message != "Send husleiekontrakten." || strings.Join(got.Documents(), ",") != "lease" ||
			strings.Join(got.Fields(), ",") != "/attachments/lease" {
			t.Fatalf("waiting for the lease: %s %q %v %v", got.Status, got.Message, got.Documents(), got.Fields())
		}
		if ns, _ := b.store.Notices.Of(ctx, a.ID); len(ns) == 0 || ns[len(ns)-1].Event != "returned" {
			t.Fatalf("she is not told: %+v", ns)
		}

		var doc map[string]any
		json.Unmarshal([]byte(got.Data), &doc)
		changed := func(edit func(map[string]any)) []byte {
			var c map[string]any
			raw, _ := json.Marshal(doc)
			json.Unmarshal(raw, &c)
			edit(c)
			out, _ := json.Marshal(c)
			return out
		}
		submit := func(body []byte) error {
			_, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"})
			return err
		}
		// Her answers are not hers to change now, neither saved nor sent.
		moreRent := changed(func(c map[string]any) { c["housing"].(map[string]any)["rent"] = 99999 })
		if _, err := b.store.SaveDraft(ctx, a.ID, d.Token, moreRent, 0); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("saved a new rent while documents were asked for: %v", err)
		}
		if err := submit(moreRent); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("sent a new rent with the documents: %v", err)
		}
		if err := submit(changed(func(map[string]any) {})); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("sent without the lease: %v", err)
		}
		f, err := b.store.AddFile(ctx, a.ID, d.Token, engine.NewFile{Attachment: "lease", Name: "kontrakt.pdf", ContentType: "application/pdf",
			Content: bytes.NewReader([]byte("%PDF-1.4 husleiekontrakt"))})
		if err != nil {
			t.Fatal(err)
		}
		withLease := changed(func(c map[string]any) {
			atts, _ := c["attachments"].(map[string]any)
			if atts == nil {
				atts = map[string]any{}
				c["attachments"] = atts
			}
			atts["lease"] = map[string]any{"status": "uploaded", "files": []any{map[string]any{"id": f.ID, "name": f.Name, "contentType": f.ContentType, "size": f.Size}}}
		})
		if _, err := b.store.SaveDraft(ctx, a.ID, d.Token, withLease, 0); err != nil {
			t.Fatalf("saving the lease: %v", err)
		}
		if err := submit(withLease); err != nil {
			t.Fatalf("sending the lease: %v", err)
		}
		got, _ = b.store.Application(ctx, a.ID)
		if got.Status != engine.StatusInReview || got.RequestedDocuments != "" || got.Message != "" {
			t.Fatalf("after the documents: %s %q %q", got.Status, got.RequestedDocuments, got.Message)
		}
		if files, _ := b.store.Files(ctx, a.ID); len(files) != 1 || files[0].Attachment != "lease" {
			t.Fatalf("files: %+v", files)
		}
		events, _ := b.store.Events(ctx, a.ID)
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if tail := strings.Join(actions[len(actions)-2:], ","); tail != "request-documents,send-documents" {
			t.Fatalf("history: %v", actions)
		}
		// Once sent, she may change her answers only if asked again.
		if _, err := b.store.SaveDraft(ctx, a.ID, d.Token, moreRent, 0); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("saved after it left her hands: %v", err)
		}
	})
}

// TestTheReceiptsTokenReadsTheCopyForAnHour: straight into a batch, the
// application has left her hands at once; the receipt on her screen still
// gets its copy with the resume token for ReceiptCopyWindow, and then no
// longer (security review H1): her session does.
func TestTheReceiptsTokenReadsTheCopyForAnHour(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := setupWith(t, enginetest.SQLite(t), enginetest.Clock(clock))
	d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := b.store.OpenWithToken(ctx, d.ID, d.Token); a.Status != engine.StatusBatched || a.Data != "" {
		t.Fatalf("batched: %s, data %d bytes; the token reads no document", a.Status, len(a.Data))
	}
	if a, err := b.store.OpenCopy(ctx, d.ID, d.Token); err != nil || a.Data == "" {
		t.Fatalf("the copy right after the submit: %v, data %d bytes", err, len(a.Data))
	}
	mu.Lock()
	now = now.Add(engine.ReceiptCopyWindow)
	mu.Unlock()
	if a, err := b.store.OpenCopy(ctx, d.ID, d.Token); err != nil || a.Data != "" {
		t.Fatalf("the copy an hour later: %v, data %d bytes, want none", err, len(a.Data))
	}
	if _, err := b.store.OpenCopy(ctx, d.ID, "not-the-token"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("another token: %v", err)
	}
}

// TestOnlyTheAskedForFilesChange: while documents are asked for, uploads go
// through their own calls, and those too keep to the asked attachments: the
// lease she sent cannot be deleted, nor another one added beside it (code
// review: DeleteFile and AddFile passed the ettersending guard).
func TestOnlyTheAskedForFilesChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, enginetest.SQLite(t))
	kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
	d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
	if err != nil {
		t.Fatal(err)
	}
	pdf := func(att string) engine.NewFile {
		return engine.NewFile{Attachment: att, Name: att + ".pdf", ContentType: "application/pdf", Content: bytes.NewReader([]byte("%PDF-1.4 " + att))}
	}
	lease, err := b.store.AddFile(ctx, d.ID, d.Token, pdf("lease"))
	if err != nil {
		t.Fatal(err)
	}
	var example map[string]any
	json.Unmarshal(b.body, &example)
	example["housing"].(map[string]any)["type"] = "rented"
	example["housing"].(map[string]any)["adapted"] = true
	example["housing"].(map[string]any)["adaptedDescription"] = "Rullestolrampe"
	example["attachments"] = map[string]any{
		"lease":   map[string]any{"status": "uploaded", "files": []any{map[string]any{"id": lease.ID, "name": lease.Name, "contentType": lease.ContentType, "size": lease.Size}}},
		"adapted": map[string]any{"status": "later"},
	}
	body, _ := json.Marshal(example)
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
		t.Fatal(err)
	}
	a, _ := b.store.Application(ctx, d.ID)
	act := casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form}
	if err := b.store.Casework.RequestDocuments(ctx, act, "Send vedtaket om tilpasset bolig.", []string{"adapted"}); err != nil {
		t.Fatal(err)
	}
	if err := b.store.DeleteFile(ctx, d.ID, d.Token, lease.ID); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("deleted the lease while only the adapted home's papers were asked for: %v", err)
	}
	if _, err := b.store.AddFile(ctx, d.ID, d.Token, pdf("lease")); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("added a lease while only the adapted home's papers were asked for: %v", err)
	}
	asked, err := b.store.AddFile(ctx, d.ID, d.Token, pdf("adapted"))
	if err != nil {
		t.Fatalf("the asked-for document: %v", err)
	}
	if err := b.store.DeleteFile(ctx, d.ID, d.Token, asked.ID); err != nil {
		t.Errorf("she could not take back a file she had just added for what was asked: %v", err)
	}
	if files, _ := b.store.Files(ctx, d.ID); len(files) != 1 || files[0].ID != lease.ID {
		t.Errorf("files: %+v", files)
	}
}

// TestDocumentsAreSentWhenTheRulesMovedOn: between her submit and the
// kommune's request for a document, the form's rules (or a register) may
// have changed, so that an answer she may no longer touch would not pass
// today, or would be prepared differently. She can still send the document
// (code review: she was stuck with an error she was not allowed to fix);
// the document asked for is still checked.
func TestDocumentsAreSentWhenTheRulesMovedOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, enginetest.SQLite(t))
	kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
	var example map[string]any
	json.Unmarshal(b.body, &example)
	example["housing"].(map[string]any)["type"] = "rented"
	example["attachments"] = map[string]any{"lease": map[string]any{"status": "later"}}
	b.body, _ = json.Marshal(example)
	a, d := b.flagged(t, "0301")
	if err := b.store.Casework.RequestDocuments(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form},
		"Send husleiekontrakten.", []string{"lease"}); err != nil {
		t.Fatal(err)
	}
	// What was stored then: a rent today's rules refuse, and a name as an
	// older preparation left it, untrimmed.
	var stored map[string]any
	json.Unmarshal([]byte(a.Data), &stored)
	stored["housing"].(map[string]any)["rent"] = -5
	stored["applicant"].(map[string]any)["givenName"] = "Kari "
	then, _ := json.Marshal(stored)
	if err := b.store.WriteForTest(ctx, func(tx engine.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE applications SET data = ? WHERE id = ?`, string(then), a.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	send := func(atts map[string]any) error {
		doc := map[string]any{}
		json.Unmarshal(then, &doc)
		doc["attachments"] = atts
		body, _ := json.Marshal(doc)
		_, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"})
		return err
	}
	// Without the lease, what she is told is the lease, not the rent.
	for _, lease := range []map[string]any{{"status": "later"}, {"status": "uploaded"}} {
		err := send(map[string]any{"lease": lease})
		if !(errors.Is(err, engine.ErrInvalid) && strings.Contains(err.Error(), "lease")) && !errors.As(err, new(*engine.ValidationError)) {
			t.Fatalf("sent without the lease (%v): %v", lease, err)
		}
		var fe *engine.ValidationError
		if errors.As(err, &fe) {
			for _, e := range fe.Errors {
				if !strings.HasPrefix(e.Pointer, "/attachments/lease") {
					t.Errorf("she is told of %s, which she may not change now", e.Pointer)
				}
			}
		}
	}
	f, err := b.store.AddFile(ctx, a.ID, d.Token, engine.NewFile{Attachment: "lease", Name: "kontrakt.pdf", ContentType: "application/pdf",
		Content: bytes.NewReader([]byte("%PDF-1.4 husleiekontrakt"))})
	if err != nil {
		t.Fatal(err)
	}
	if err := send(map[string]any{"lease": map[string]any{"status": "uploaded",
		"files": []any{map[string]any{"id": f.ID, "name": f.Name, "contentType": f.ContentType, "size": f.Size}}}}); err != nil {
		t.Fatalf("sending the lease: %v", err)
	}
	if got, _ := b.store.Application(ctx, a.ID); got.Status != engine.StatusInReview || got.RequestedDocuments != "" {
		t.Fatalf("after the lease: %s %q", got.Status, got.RequestedDocuments)
	}
	// A retry of that send (a lost answer, a second tab) gets its receipt,
	// though the answers still would not pass today (code review).
	lease := map[string]any{"lease": map[string]any{"status": "uploaded",
		"files": []any{map[string]any{"id": f.ID, "name": f.Name, "contentType": f.ContentType, "size": f.Size}}}}
	if err := send(lease); err != nil {
		t.Fatalf("the retry of the send: %v", err)
	}
	// Nor does the lenient check tell anyone without the token whether
	// documents are asked for: a wrong token gets the whole validation.
	b2, d2 := b.flagged(t, "0301")
	if err := b.store.Casework.RequestDocuments(ctx, casework.CaseAction{User: kari, ApplicationID: b2.ID, Version: b2.Version, Form: b.form},
		"Send husleiekontrakten.", []string{"lease"}); err != nil {
		t.Fatal(err)
	}
	bad := map[string]any{}
	json.Unmarshal(then, &bad)
	bad["attachments"] = map[string]any{"lease": map[string]any{"status": "uploaded"}}
	body, _ := json.Marshal(bad)
	_, err = b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d2.ID, Token: "not-the-token", Kommune: "0301"})
	var fe *engine.ValidationError
	if !errors.As(err, &fe) || !slices.ContainsFunc(fe.Errors, func(e forms.FieldError) bool { return e.Pointer == "/housing/rent" }) {
		t.Errorf("a stranger's invalid send: %v, want the whole validation", err)
	}
}
