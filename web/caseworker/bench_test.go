package caseworker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web/caseworker"
)

// BenchmarkQueuePage renders a kommune's queue of 2,000 exceptions (200
// rows shown, every one counted), and one application, as a caseworker's
// browser asks for them. The ratio to compare is page / application view.
//
//	go test ./web/caseworker/ -run '^$' -bench . -benchtime 200x
func BenchmarkQueuePage(b *testing.B) {
	bundle := setup(b, enginetest.SQLite(b), caseworker.Config{})
	u := bundle.user(b, "kari@oslo.kommune.no", false, "0301")
	var last engine.Application
	for range 2000 {
		last, _ = bundle.flagged(b, "0301")
	}
	sess, err := bundle.store.Accounts.CreateSession(context.Background(), u.ID, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	client := bundle.srv.Client()
	get := func(b *testing.B, path string) {
		req, _ := http.NewRequest("GET", bundle.srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "__Host-skjema-session", Value: sess.Token})
		res, err := client.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%s: %v %v", path, res.Status, err)
		}
		res.Body.Close()
	}
	b.Run("queue", func(b *testing.B) {
		for b.Loop() {
			get(b, "/caseworker/")
		}
	})
	b.Run("application", func(b *testing.B) {
		for b.Loop() {
			get(b, "/caseworker/applications/"+last.ID)
		}
	})
}
