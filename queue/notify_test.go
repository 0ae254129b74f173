package queue_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/engine/notices"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid/nidtest"
	"github.com/skjema/skjema/notify"
	"github.com/skjema/skjema/notify/smtptest"
	"github.com/skjema/skjema/queue"
	"github.com/skjema/skjema/queue/queuetest"
)

// noticesOf waits until every notice of the application is settled and
// answers them.
func noticesOf(t *testing.T, s *engine.Store, id string, want int) []notices.Notice {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := s.Notices.Of(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		settled := 0
		for _, n := range list {
			if n.State != notices.Pending {
				settled++
			}
		}
		if len(list) >= want && settled == len(list) {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("notices of %s: %+v, want %d settled", id, list, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTheCitizenHearsBack: she is told by e-mail, in her language, that
// her application was received and that the kommune needs more from her;
// a relay that is down delays a notice but loses none and sends none
// twice; without an address nothing is sent, and the notice says why.
func TestTheCitizenHearsBack(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		relay := smtptest.Serve(t)
		email, err := notify.NewEmail(notify.SMTPConfig{Addr: relay.Addr, From: "Oslo kommune <ikke-svar@oslo.kommune.no>", TLS: notify.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		qb := queuetest.Open(t, dsn, queuetest.Started(), queuetest.Engine(enginetest.Anonymous(engine.AnonymousReview)),
			queuetest.Queue(func(c *queue.Config) {
				c.Notifier, c.ReadURL, c.RetryPolicy = email, "https://www.oslo.kommune.no/bostotte/", fastRetry{}
			}))
		ctx := context.Background()
		f, _ := qb.Forms.Form("bostotte")
		body := nidtest.WithApplicant(readExample(t), 11)

		// Submitted in nynorsk; unidentified, so it waits for a caseworker.
		rc, err := qb.Store.Submit(ctx, engine.SubmitRequest{Form: f, Body: body, IdempotencyKey: "notice-key-0123456789", Lang: forms.Nynorsk})
		if err != nil {
			t.Fatal(err)
		}
		got := relay.Wait(t, 1, 10*time.Second)[0]
		if got.Header.Get("Subject") != f.Text(forms.Nynorsk, "notice.subject") || !strings.Contains(got.Body, f.Text(forms.Nynorsk, "notice.received")) ||
			got.To[0] != "kari.nordmann@example.no" {
			t.Fatalf("the receipt's notice: %q to %v:\n%s", got.Header.Get("Subject"), got.To, got.Body)
		}

		// The relay is down when the kommune returns it: the notice waits.
		relay.SetRefuse(true)
		kari, err := qb.Store.Accounts.CreateUser(ctx, engine.NewUser{Email: "kari@oslo.kommune.no", Name: "Kari", Kommuner: []string{"0301"}, Password: "korrekt hest batteri stift"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "in review", func() bool {
			a, _ := qb.Store.Application(ctx, rc.ID)
			return a.Status == engine.StatusInReview
		})
		a, _ := qb.Store.Application(ctx, rc.ID)
		if err := qb.Store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: f},
			"Send oss husleigekontrakten.", nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			list, _ := qb.Store.Notices.Of(ctx, rc.ID)
			if len(list) == 2 && list[1].Attempts >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the refused notice was not tried again: %+v", list)
			}
			time.Sleep(20 * time.Millisecond)
		}
		relay.SetRefuse(false)
		list := noticesOf(t, qb.Store, rc.ID, 2)
		if list[0].Event != notices.Received || list[1].Event != notices.Returned || list[1].State != notices.Sent || list[1].Channel != "email" {
			t.Fatalf("notices %+v", list)
		}
		if n, _, err := qb.Store.Notices.Due(ctx, list[1].ID); err != nil || n.Owned {
			t.Fatalf("an application sent without sign-in is nobody's to read in Mine søknader: %+v, %v", n, err)
		}
		msgs := relay.Wait(t, 2, 10*time.Second)
		if !strings.Contains(msgs[1].Body, f.Text(forms.Nynorsk, "notice.returned")) || strings.Contains(msgs[1].Body, "husleigekontrakten") {
			t.Fatalf("the return's notice (no message of the kommune's in it):\n%s", msgs[1].Body)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(relay.Messages()); n != 2 {
			t.Fatalf("%d messages, want 2: none twice", n)
		}

		// No address: nothing is sent, and the notice says so.
		noMail := bytes.Replace(nidtest.WithApplicant(readExample(t), 12), []byte(`,
    "email": "kari.nordmann@example.no"`), nil, 1)
		rc2, err := qb.Store.Submit(ctx, engine.SubmitRequest{Form: f, Body: noMail, IdempotencyKey: "notice-key-2-0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		if list := noticesOf(t, qb.Store, rc2.ID, 1); list[0].State != notices.NoAddress {
			t.Fatalf("without an address: %+v", list)
		}
		if n := len(relay.Messages()); n != 2 {
			t.Fatalf("%d messages after one without an address, want 2", n)
		}
	})
}

// TestNoticesWithoutAChannel: an installation that sends none records
// each notice as not sent, and why.
func TestNoticesWithoutAChannel(t *testing.T) {
	t.Parallel()
	qb := queuetest.Open(t, enginetest.SQLite(t), queuetest.Started())
	f, _ := qb.Forms.Form("bostotte")
	rc, err := qb.Store.Submit(context.Background(), engine.SubmitRequest{Form: f, Body: readExample(t), IdempotencyKey: "no-channel-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	if list := noticesOf(t, qb.Store, rc.ID, 1); list[0].State != notices.NoChannel {
		t.Fatalf("%+v", list)
	}
}

func readExample(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
