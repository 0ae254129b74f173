package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestAgencyHearsOfTheKommunesChanges: the batch item carries every answer
// the kommune corrected (field, old and new value, reason, when) and the
// approving caseworker's note (issue #13 item 9); an application that went
// straight through carries an empty list.
func TestAgencyHearsOfTheKommunesChanges(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a, _ := b.flagged(t, "0301")
		c := casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form, Reason: "Husleien i kontrakten er 15 200"}
		if err := b.store.Casework.Correct(ctx, c, "/housing/rent", json.Number("15200")); err != nil {
			t.Fatal(err)
		}
		a, _ = b.store.Application(ctx, a.ID)
		c.Version, c.Reason = a.Version, "Kontrollert mot Folkeregisteret"
		if err := b.store.Casework.Approve(ctx, c); err != nil {
			t.Fatal(err)
		}
		// Approved without a note: the agency gets none (not the batch id).
		silent, _ := b.flagged(t, "0301")
		if err := b.store.Casework.Approve(ctx, casework.CaseAction{User: kari, ApplicationID: silent.ID, Version: silent.Version, Form: b.form}); err != nil {
			t.Fatal(err)
		}
		straight, err := b.submit(t, "straight-through-0123456789", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: straight.ID, Agency: "husbanken"}); err != nil {
			t.Fatal(err)
		}
		sealed, err := b.store.Batches.SealDue(ctx, batches.SealRequest{Size: 1, MaxAge: time.Hour})
		if err != nil || len(sealed) != 1 {
			t.Fatalf("seal: %v %v", sealed, err)
		}
		batch, _ := b.store.Batches.Batch(ctx, sealed[0].ID)
		var doc struct {
			Items []map[string]json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal([]byte(batch.Body), &doc); err != nil || len(doc.Items) != 3 {
			t.Fatalf("batch body: %v %s", err, batch.Body)
		}
		byRef := map[string]map[string]json.RawMessage{}
		for _, it := range doc.Items {
			var ref string
			json.Unmarshal(it["reference"], &ref)
			byRef[ref] = it
		}
		var changes []batches.KommuneChange
		json.Unmarshal(byRef[*a.Reference]["kommuneChanges"], &changes)
		if len(changes) != 1 || changes[0].Field != "/housing/rent" || changes[0].Old != 14500.0 || changes[0].New != 15200.0 ||
			changes[0].Reason != "Husleien i kontrakten er 15 200" || changes[0].At.IsZero() {
			t.Errorf("the corrected application's kommuneChanges: %s", byRef[*a.Reference]["kommuneChanges"])
		}
		if note := string(byRef[*a.Reference]["approvalNote"]); note != `"Kontrollert mot Folkeregisteret"` {
			t.Errorf("approval note %s, want the caseworker's", note)
		}
		if got := string(byRef[straight.Reference]["kommuneChanges"]); got != "[]" {
			t.Errorf("an application that went straight through: kommuneChanges %s, want []", got)
		}
		if _, ok := byRef[straight.Reference]["approvalNote"]; ok {
			t.Error("an application nobody approved has an approval note")
		}
		if note, ok := byRef[*silent.Reference]["approvalNote"]; ok {
			t.Errorf("an approval without a note sent the agency %s", note)
		}
	})
}

// TestRejectionNeedsAReason: an agency's rejection without a reason is
// refused, and nothing of that post is applied (issue #13 item 9).
func TestRejectionNeedsAReason(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		batchID, apps := b.deliveredBatch(t, "no-reason", 2)
		for _, reason := range []string{"", "  \n"} {
			post := []batches.ReceiptItem{
				{Reference: *apps[0].Reference, Outcome: batches.OutcomeAccepted},
				{Reference: *apps[1].Reference, Outcome: batches.OutcomeRejected, Reason: reason},
			}
			if _, err := b.store.Batches.RecordDelivery(ctx, batchID, "agency:husbanken", post); !errors.Is(err, batches.ErrNoReason) || !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("a rejection with reason %q: %v, want ErrNoReason", reason, err)
			}
		}
		for _, a := range apps {
			if got, _ := b.store.Application(ctx, a.ID); got.Status != engine.StatusDelivered {
				t.Errorf("after the refused post %s is %s, want delivered", a.ID, got.Status)
			}
		}
	})
}
