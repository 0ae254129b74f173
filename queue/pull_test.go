package queue_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/queue"
)

// TestPull: an agency that pulls lists sealed batches, fetches one (which
// records it as delivered), checks its checksum, and posts receipts; doing
// either twice is harmless, and another agency sees nothing of it.
func TestPull(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		// The batch is sealed once all 17 are in it, not by age: a slow
		// machine that routes for longer than a short MaxAge would seal two.
		b := setup(t, dsn, func(c *queue.Config) { c.Agencies = nil; c.BatchMaxAge = time.Hour })
		ctx := context.Background()
		subs := b.submitAll(t, 20)
		waitFor(t, 30*time.Second, "17 applications batched", func() bool { return b.statuses(t)[engine.StatusBatched] == 17 })
		if sealed, err := b.store.Batches.SealDue(ctx, batches.SealRequest{Size: 1, MaxAge: time.Hour}); err != nil || len(sealed) != 1 {
			t.Fatalf("seal: %v %v", sealed, err)
		}
		key, err := b.store.Batches.CreateAgencyKey(ctx, "husbanken")
		if err != nil {
			t.Fatal(err)
		}
		otherKey, _ := b.store.Batches.CreateAgencyKey(ctx, "lanekassen")
		call := func(method, path, key string, body []byte) (int, []byte) {
			req, _ := http.NewRequest(method, b.api+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			return res.StatusCode, raw
		}
		if status, _ := call("GET", "/api/v1/agency/batches", "skj_wrong", nil); status != 401 {
			t.Fatalf("a wrong key: %d", status)
		}
		status, raw := call("GET", "/api/v1/agency/batches?status=sealed", key, nil)
		var list struct {
			Batches []struct {
				ID        string `json:"id"`
				ItemCount int    `json:"itemCount"`
			} `json:"batches"`
			Next *string `json:"next"`
		}
		json.Unmarshal(raw, &list)
		if status != 200 || len(list.Batches) != 1 || list.Batches[0].ItemCount != 17 || list.Next != nil {
			t.Fatalf("list: %d %s", status, raw)
		}
		id := list.Batches[0].ID
		for _, bad := range []string{"limit=0", "limit=501", "limit=x", "after=nonsense"} {
			if status, raw := call("GET", "/api/v1/agency/batches?"+bad, key, nil); status != 400 {
				t.Fatalf("list with %s: %d %s", bad, status, raw)
			}
		}
		if status, _ := call("GET", "/api/v1/agency/batches/"+id, otherKey, nil); status != 404 {
			t.Fatalf("another agency fetched the batch: %d", status)
		}
		for range 2 {
			status, raw = call("GET", "/api/v1/agency/batches/"+id, key, nil)
			var doc batches.BatchDocument
			json.Unmarshal(raw, &doc)
			sum := sha256.Sum256(doc.Items)
			if status != 200 || doc.Count != 17 || hex.EncodeToString(sum[:]) != doc.SHA256 {
				t.Fatalf("fetch: %d, count %d, checksum ok %v", status, doc.Count, hex.EncodeToString(sum[:]) == doc.SHA256)
			}
		}
		if c := b.statuses(t); c[engine.StatusDelivered] != 17 {
			t.Fatalf("after the fetch: %v", c)
		}
		var receipts []batches.ReceiptItem
		for _, s := range subs {
			if !s.flagged {
				receipts = append(receipts, batches.ReceiptItem{Reference: s.reference, Outcome: batches.OutcomeAccepted})
			}
		}
		body, _ := json.Marshal(receipts)
		for i, want := range []batches.ReceiptResult{{Applied: 17}, {Applied: 0}} {
			status, raw := call("POST", "/api/v1/agency/batches/"+id+"/receipts", key, body)
			var got batches.ReceiptResult
			json.Unmarshal(raw, &got)
			if status != 200 || got.Applied != want.Applied || i == 1 && len(got.Skipped) != 17 {
				t.Fatalf("receipts, post %d: %d %s", i+1, status, raw)
			}
		}
		if c := b.statuses(t); c[engine.StatusAccepted] != 17 {
			t.Fatalf("after receipts: %v", c)
		}
		bad, _ := json.Marshal([]batches.ReceiptItem{{Reference: "BOS-1999-000001", Outcome: batches.OutcomeAccepted}})
		if status, raw := call("POST", "/api/v1/agency/batches/"+id+"/receipts", key, bad); status != 400 || !strings.Contains(string(raw), "not in batch") {
			t.Fatalf("a receipt for a stranger: %d %s", status, raw)
		}
		if status, _ := call("GET", "/api/v1/agency/batches?status=delivered", key, nil); status != 200 {
			t.Fatalf("list delivered: %d", status)
		}
	})
}
