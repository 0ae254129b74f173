package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// signedIn starts and exchanges a session for the person, as the web's
// callback and the widget do.
func signedIn(t *testing.T, s *engine.Store, pid, level string) string {
	t.Helper()
	ctx := context.Background()
	code, err := s.Citizens.Begin(ctx, citizens.SignIn{PID: pid, Level: level, Locale: "nb", IDToken: "id-token", Binding: citizens.Binding("tab")})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Citizens.Exchange(ctx, code, "tab")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

// TestCitizenSessionLifetimes: the one-time code lives two minutes and is
// spent by its exchange; a session ends after 30 minutes without use and
// after two hours in any case, as ID-porten's own; ended ones are purged.
func TestCitizenSessionLifetimes(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		clock := &testClock{now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
		b := setupWith(t, dsn, enginetest.Clock(clock.Now))
		ctx := context.Background()
		pid := nidtest.Fodselsnummer(1)

		// A code sent to another tab (login CSRF: the security review's 1)
		// signs no one in there, and is spent.
		sent, _ := b.store.Citizens.Begin(ctx, citizens.SignIn{PID: pid, Level: string(forms.Substantial), Binding: citizens.Binding("attacker's tab")})
		if _, err := b.store.Citizens.Exchange(ctx, sent, "victim's tab"); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("another tab's code: %v, want ErrUnauthorized", err)
		}
		if _, err := b.store.Citizens.Exchange(ctx, sent, "attacker's tab"); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("the code after another tab tried it: %v, want it spent", err)
		}

		late, _ := b.store.Citizens.Begin(ctx, citizens.SignIn{PID: pid, Level: string(forms.Substantial), Binding: citizens.Binding("tab")})
		clock.Set(clock.Now().Add(citizens.CodeLifetime + time.Second))
		if _, err := b.store.Citizens.Exchange(ctx, late, "tab"); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("a code after %s: %v, want ErrUnauthorized", citizens.CodeLifetime, err)
		}

		token := signedIn(t, b.store, pid, string(forms.Substantial))
		for range 5 { // used every 20 minutes: alive for 100 minutes
			clock.Set(clock.Now().Add(20 * time.Minute))
			if _, err := b.store.Citizens.Citizen(ctx, token); err != nil {
				t.Fatalf("used every 20 minutes, at %s: %v", clock.Now().Format("15:04"), err)
			}
		}
		clock.Set(clock.Now().Add(21 * time.Minute)) // 2 h 1 min after the sign-in
		if _, err := b.store.Citizens.Citizen(ctx, token); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("after two hours: %v, want ErrUnauthorized", err)
		}

		idle := signedIn(t, b.store, pid, string(forms.Substantial))
		clock.Set(clock.Now().Add(citizens.Idle + time.Second))
		if _, err := b.store.Citizens.Citizen(ctx, idle); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("after %s without use: %v, want ErrUnauthorized", citizens.Idle, err)
		}
		// Saving her draft is use: a citizen filling in the form for an hour,
		// the widget saving as she goes, is not signed out as idle.
		working := signedIn(t, b.store, pid, string(forms.Substantial))
		d, err := b.store.CreateCitizenDraft(ctx, working, forms.Substantial, "bostotte", b.form.Version, "0301", nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			clock.Set(clock.Now().Add(20 * time.Minute))
			if _, err := b.store.SaveDraft(ctx, d.ID, working, json.RawMessage(`{}`), 0); err != nil {
				t.Fatalf("saving her draft at %s: %v", clock.Now().Format("15:04"), err)
			}
		}
		if _, err := b.store.Citizens.Citizen(ctx, working); err != nil {
			t.Fatalf("signed out after an hour of saving: %v", err)
		}
		clock.Set(clock.Now().Add(citizens.Idle + time.Second))
		n, err := b.store.Citizens.Purge(ctx)
		if err != nil || n != 4 {
			t.Fatalf("purged %d (%v), want the 4 ended", n, err)
		}
	})
}

// TestSignInDecidesTheApplicant: a signed-in submit is hers and names her;
// below the form's level it is refused; without sign-in the route the
// installation chose applies, and the paper route is always open.
func TestSignInDecidesTheApplicant(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		kari := nidtest.Fodselsnummer(7)

		closed := setupWith(t, dsn, enginetest.Anonymous(engine.AnonymousClosed))
		_, err := closed.store.Submit(ctx, engine.SubmitRequest{Form: closed.form, Body: closed.body, IdempotencyKey: "anonymous-0123456789"})
		if !errors.Is(err, engine.ErrSignInRequired) {
			t.Fatalf("closed route, no sign-in: %v, want ErrSignInRequired", err)
		}
		token := signedIn(t, closed.store, kari, string(forms.Substantial))
		d, err := closed.store.CreateCitizenDraft(ctx, token, closed.form.Layout.SignIn, "bostotte", closed.form.Version, "0301", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := closed.store.OpenWithToken(ctx, d.ID, token); err != nil {
			t.Fatalf("her own draft with her session: %v", err)
		}
		rc, err := closed.store.Submit(ctx, engine.SubmitRequest{Form: closed.form, Body: closed.body, IdempotencyKey: d.ID, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := closed.store.Application(ctx, rc.ID)
		if a.Identified != string(forms.Substantial) || a.OwnerHash == nil || !strings.Contains(a.Data, kari) {
			t.Fatalf("signed-in submit: identified %q, owner %v, data %s", a.Identified, a.OwnerHash, a.Data)
		}

		// Gone to the agency: her session reads her copy of what she sent;
		// the draft's resume token, a link that may travel, opens nothing
		// of an application she owns (security review of the sign-in, 3).
		if _, err := closed.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: rc.ID, Agency: "husbanken"}); err != nil {
			t.Fatal(err)
		}
		if a, err := closed.store.OpenWithToken(ctx, rc.ID, token); err != nil || !strings.Contains(a.Data, kari) {
			t.Fatalf("her copy with her session: %v %q", err, a.Data)
		}
		if _, err := closed.store.OpenWithToken(ctx, rc.ID, d.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("her application with the draft's resume token: %v, want ErrNotFound", err)
		}

		// A form that needs high, and a session at substantial.
		high := *closed.form
		high.Layout.SignIn = forms.High
		_, err = closed.store.Submit(ctx, engine.SubmitRequest{Form: &high, Body: closed.body, IdempotencyKey: "high-0123456789abcdef", Token: token})
		if !errors.Is(err, engine.ErrSignInLevel) {
			t.Fatalf("substantial for a form that needs high: %v, want ErrSignInLevel", err)
		}

		// The three stores share the database: each submit has a key of its own.
		review := setupWith(t, dsn, enginetest.Anonymous(engine.AnonymousReview))
		rc, err = review.store.Submit(ctx, engine.SubmitRequest{Form: review.form, Body: review.body, IdempotencyKey: "anonymous-review-0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		if got := routeReasons(t, review.store, rc.ID); got != engine.ReasonUnidentified {
			t.Fatalf("anonymous for review: reasons %q, want %q", got, engine.ReasonUnidentified)
		}
		open := setupWith(t, dsn, enginetest.Anonymous(engine.AnonymousOpen))
		rc, err = open.store.Submit(ctx, engine.SubmitRequest{Form: open.form, Body: nidtest.WithApplicant(open.body, 8), IdempotencyKey: "anonymous-open-0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := open.store.Application(ctx, rc.ID); routeReasons(t, open.store, rc.ID) != "" || a.Identified != "" {
			t.Fatalf("anonymous, open: reasons %q, identified %q", routeReasons(t, open.store, rc.ID), a.Identified)
		}
	})
}

// routeReasons are the reasons the routing rules gave at submit.
func routeReasons(t *testing.T, s *engine.Store, id string) string {
	t.Helper()
	var reasons string
	if err := s.WriteForTest(context.Background(), func(tx engine.Tx) error {
		return tx.Get(context.Background(), &reasons, `SELECT route_reasons FROM applications WHERE id = ?`, id)
	}); err != nil {
		t.Fatal(err)
	}
	return reasons
}

// TestTheReasonsReachHer: Mine søknader holds every word the kommune sent
// her about an application: the message of each return and the reason of a
// rejection (forvaltningsloven §§ 24–27; operator review finding 1, where
// a rejection's reason reached no one).
func TestTheReasonsReachHer(t *testing.T) {
	t.Parallel()
	b := setupWith(t, enginetest.SQLite(t), enginetest.Anonymous(engine.AnonymousClosed))
	ctx := context.Background()
	token := signedIn(t, b.store, nidtest.Fodselsnummer(21), string(forms.Substantial))
	c, _ := b.store.Citizens.Citizen(ctx, token)
	rc, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: "reasons-0123456789", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: rc.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
		t.Fatal(err)
	}
	kari, err := b.store.Accounts.CreateUser(ctx, engine.NewUser{Email: "kari@oslo.kommune.no", Name: "Kari", Kommuner: []string{"0301"}, Password: "korrekt hest batteri stift"})
	if err != nil {
		t.Fatal(err)
	}
	act := func() casework.CaseAction {
		a, _ := b.store.Application(ctx, rc.ID)
		return casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form}
	}
	if err := b.store.Casework.ReturnToCitizen(ctx, act(), "Send husleiekontrakten.", nil); err != nil {
		t.Fatal(err)
	}
	fixed := bytes.Replace(b.body, []byte("14500"), []byte("14600"), 1) // her answer to the return
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: fixed, IdempotencyKey: "reasons-0123456789", Token: token}); err != nil {
		t.Fatal(err)
	}
	reject := act()
	reject.Reason = "Du er ikke registrert bosatt i kommunen."
	if err := b.store.Casework.Reject(ctx, reject); err != nil {
		t.Fatal(err)
	}
	mine, err := b.store.Citizens.Applications(ctx, c)
	if err != nil || len(mine) != 1 {
		t.Fatalf("Mine søknader: %v %+v", err, mine)
	}
	var got []string
	for _, m := range mine[0].Messages {
		got = append(got, m.Kind+": "+m.Text)
	}
	want := "returned: Send husleiekontrakten. | rejected: Du er ikke registrert bosatt i kommunen."
	if strings.Join(got, " | ") != want {
		t.Fatalf("messages %q, want %q", strings.Join(got, " | "), want)
	}
}
