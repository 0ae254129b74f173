// Package receiver plays an agency (Husbanken) for tests and demos: it
// verifies Skjema's push signatures and batch checksums, stores what it
// receives once per batch, and answers receipts: accepted, except items a
// rule rejects. It can be told to fail, refuse or be slow. It may log what
// it receives, never what an application says.
package receiver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/queue"
)

// Receiver is an http.Handler for pushed batches.
type Receiver struct {
	// Secret shared with Skjema for the signature.
	Secret string
	// Reject decides an item's outcome; nil accepts everything.
	Reject func(item batches.BatchItem) (reason string, reject bool)
	// Now is the clock signatures are checked against. Defaults to time.Now.
	Now func() time.Time
	// Log gets a line for every push: the batch id, how many items it
	// holds, whether its signature and checksum hold, and the receipts
	// answered. Never an item's data, which is personal (names,
	// fødselsnumre). Defaults to none.
	Log *slog.Logger

	mu      sync.Mutex
	mode    Mode
	delay   time.Duration
	batches map[string]bool
	items   map[string]int // reference → times stored
	pushes  int
}

// Mode is how the receiver behaves now.
type Mode int

const (
	Normal       Mode = iota
	Failing           // answers 500
	Refusing          // answers 422: a permanent refusal
	Receipting        // answers 200 without receipts (they come later)
	Down              // drops the connection without an answer
	Unauthorized      // answers 401, as to a push with the wrong secret
)

// SetMode changes behaviour; delay makes every answer that slow.
func (r *Receiver) SetMode(m Mode, delay time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mode, r.delay = m, delay
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	batchID := req.Header.Get(queue.HeaderBatchID)
	if err := queue.Verify(r.Secret, req.Header.Get(queue.HeaderSignature), body, now()); err != nil {
		r.log("push refused", "batch", batchID, "signature", err.Error(), "user_agent", req.UserAgent())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var doc struct {
		ID     string          `json:"id"`
		Count  int             `json:"count"`
		SHA256 string          `json:"sha256"`
		Items  json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.ID != batchID {
		r.log("push refused", "batch", batchID, "signature", "ok", "problem", "not a batch, or not the one Skjema-Batch-Id names")
		http.Error(w, "not a batch", http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(doc.Items)
	if hex.EncodeToString(sum[:]) != doc.SHA256 {
		r.log("push refused", "batch", doc.ID, "signature", "ok", "sha256", "mismatch")
		http.Error(w, "checksum mismatch", http.StatusBadRequest)
		return
	}
	var items []batches.BatchItem
	if err := json.Unmarshal(doc.Items, &items); err != nil || len(items) != doc.Count {
		r.log("push refused", "batch", doc.ID, "signature", "ok", "sha256", "ok", "count", doc.Count, "problem", "items do not match count")
		http.Error(w, "items do not match count", http.StatusBadRequest)
		return
	}

	r.mu.Lock()
	r.pushes++
	mode, delay := r.mode, r.delay
	r.mu.Unlock()
	received := []any{"batch", doc.ID, "items", len(items), "signature", "ok", "sha256", "ok", "user_agent", req.UserAgent()}
	switch mode {
	case Down:
		r.log("batch received; dropping the connection (mode down)", received...)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "down", http.StatusBadGateway)
		return
	case Failing:
		r.log("batch received; answering 500 (mode failing)", received...)
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	case Unauthorized:
		r.log("batch received; answering 401 (mode unauthorized)", received...)
		http.Error(w, "who are you?", http.StatusUnauthorized)
		return
	case Refusing:
		r.log("batch received; refusing it with 422 (mode refusing)", received...)
		http.Error(w, "we do not take this batch", http.StatusUnprocessableEntity)
		return
	}

	// Store first, answer after any delay: a slow answer means the agency
	// has the batch even if Skjema gives up waiting and sends it again.
	receipts := make([]batches.ReceiptItem, len(items))
	rejected := 0
	r.mu.Lock()
	if r.batches == nil {
		r.batches, r.items = map[string]bool{}, map[string]int{}
	}
	first := !r.batches[doc.ID]
	r.batches[doc.ID] = true
	for i, it := range items {
		if first {
			r.items[it.Reference]++ // stored once per batch, however often it comes
		}
		receipts[i] = batches.ReceiptItem{Reference: it.Reference, Outcome: batches.OutcomeAccepted}
		if r.Reject != nil {
			if reason, reject := r.Reject(it); reject {
				receipts[i] = batches.ReceiptItem{Reference: it.Reference, Outcome: batches.OutcomeRejected, Reason: reason}
				rejected++
			}
		}
	}
	r.mu.Unlock()
	received = append(received, "again", !first)
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			r.log("batch stored; Skjema stopped waiting before the answer (it will push it again)", received...)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if mode == Receipting {
		r.log("batch received; receipts later (mode receipting)", received...)
		w.Write([]byte(`{}`))
		return
	}
	r.log("batch received", append(received, "accepted", len(items)-rejected, "rejected", rejected)...)
	json.NewEncoder(w).Encode(queue.PushResponse{Receipts: receipts})
}

// log writes a line to r.Log, if set. Its callers pass ids, counts and
// check results only: nothing of an item's data.
func (r *Receiver) log(msg string, args ...any) {
	if r.Log != nil {
		r.Log.Info(msg, args...)
	}
}

// Stored is how many times each reference was stored (1 for every item if
// nothing was duplicated).
func (r *Receiver) Stored() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.items))
	for k, v := range r.items {
		out[k] = v
	}
	return out
}

// Pushes is how many pushes arrived with a valid signature.
func (r *Receiver) Pushes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushes
}

// Batches is how many distinct batches were stored.
func (r *Receiver) Batches() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}
