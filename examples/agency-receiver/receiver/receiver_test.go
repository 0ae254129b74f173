package receiver_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/examples/agency-receiver/receiver"
	"github.com/skjema/skjema/queue"
)

// items is one batch item whose data holds what must never reach a log.
const items = `[{"reference":"BOS-2026-000001","form":"bostotte","formVersion":"1","submittedAt":"2026-03-01T10:00:00Z",` +
	`"data":{"applicant":{"name":"Kari Nordmann","fodselsnummer":"12038512356"}},"channel":"digital","applicationMonth":"2026-03","kommuneChanges":[]}]`

// personal is what of the item's data a log line must not hold.
var personal = []string{"Kari", "Nordmann", "12038512356", "applicant"}

// TestReceiverLogsEachPushWithoutPersonalData: the demo receiver says what
// it received (batch, count, signature and checksum, receipts), so that
// someone running the README demo sees the push arrive, and never what the
// application says.
func TestReceiverLogsEachPushWithoutPersonalData(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)
	sum := sha256.Sum256([]byte(items))
	for _, c := range []struct {
		name      string
		sha256    string
		secret    string
		wantCode  int
		wantInLog []string
	}{
		{"a good push is logged with its receipts", hex.EncodeToString(sum[:]), "s3cret", 200,
			[]string{"batch received", "batch=b1", "items=1", "signature=ok", "sha256=ok", "accepted=1", "rejected=0", `user_agent="Skjema/test (+https://github.com/skjema/skjema)"`}},
		{"a checksum that does not hold is logged as a mismatch", strings.Repeat("0", 64), "s3cret", 400,
			[]string{"push refused", "batch=b1", "signature=ok", "sha256=mismatch"}},
		{"a wrong signature is logged as one", hex.EncodeToString(sum[:]), "another secret", 401,
			[]string{"push refused", "batch=b1", `signature="bad signature"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			r := &receiver.Receiver{Secret: "s3cret", Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(&logs, nil))}
			body := []byte(`{"id":"b1","agency":"husbanken","kommune":"0301","sealedAt":"2026-03-25T11:59:00Z","count":1,"sha256":"` +
				c.sha256 + `","items":` + items + `}`)
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "Skjema/test (+https://github.com/skjema/skjema)")
			req.Header.Set(queue.HeaderBatchID, "b1")
			req.Header.Set(queue.HeaderSignature, queue.Sign(c.secret, now, body))
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != c.wantCode {
				t.Fatalf("answered %d %s, want %d", rec.Code, rec.Body, c.wantCode)
			}
			for _, want := range c.wantInLog {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the log lacks %s:\n%s", want, logs.String())
				}
			}
			for _, secret := range personal {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("the log holds %q from the application's data:\n%s", secret, logs.String())
				}
			}
		})
	}
}
