package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
	"golang.org/x/crypto/bcrypt"
)

// TestAccounts: users with their kommuner, local passwords checked by
// bcrypt, sessions that expire; the same answer for every failed sign-in.
func TestAccounts(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).UnixNano())
		store, err := engine.Open(ctx, engine.Config{Database: dsn, PasswordCost: bcrypt.MinCost, Clock: func() time.Time { return time.Unix(0, now.Load()) }})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		const password = "korrekt hest batteri stift"
		u, err := store.CreateUser(ctx, engine.NewUser{Email: "Kari.Saksbehandler@Oslo.kommune.no", Name: "Kari Saksbehandler", Kommuner: []string{"0301", "0301", "3201"}, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "kari.saksbehandler@oslo.kommune.no" || len(u.Kommuner) != 2 || !u.Sees("0301") || u.Sees("4601") || u.Admin {
			t.Fatalf("created %+v", u)
		}
		for _, bad := range []engine.NewUser{
			{Email: "kari.saksbehandler@oslo.kommune.no", Name: "Again", Kommuner: []string{"0301"}, Password: password},
			{Email: "not an address", Name: "X", Kommuner: []string{"0301"}, Password: password},
			{Email: "x@example.no", Name: "X", Kommuner: []string{"0301"}, Password: "short"},
			{Email: "x@example.no", Name: "X", Kommuner: []string{"Oslo"}, Password: password},
			{Email: "x@example.no", Name: "X", Password: password}, // a caseworker of no kommune
		} {
			if _, err := store.CreateUser(ctx, bad); !errors.Is(err, engine.ErrInvalid) && !errors.Is(err, engine.ErrConflict) {
				t.Errorf("CreateUser(%+v) = %v, want refused", bad, err)
			}
		}

		got, err := store.Authenticate(ctx, " KARI.saksbehandler@oslo.kommune.no", password)
		if err != nil || got.ID != u.ID || len(got.Kommuner) != 2 {
			t.Fatalf("sign-in: %+v %v", got, err)
		}
		for _, c := range [][2]string{{u.Email, password + "x"}, {"nobody@oslo.kommune.no", password}, {u.Email, ""}} {
			if _, err := store.Authenticate(ctx, c[0], c[1]); !errors.Is(err, engine.ErrUnauthorized) {
				t.Errorf("Authenticate(%q, …) = %v, want ErrUnauthorized", c[0], err)
			}
		}
		if byID, err := store.UserByIdentity(ctx, engine.ProviderLocal, u.Email); err != nil || byID.ID != u.ID {
			t.Fatalf("by identity: %+v %v", byID, err)
		}

		sess, err := store.CreateSession(ctx, u.ID, 8*time.Hour)
		if err != nil || len(sess.Token) < 40 || sess.CSRF == "" {
			t.Fatalf("session: %+v %v", sess, err)
		}
		su, csrf, err := store.SessionUser(ctx, sess.Token)
		if err != nil || su.ID != u.ID || csrf != sess.CSRF {
			t.Fatalf("session user: %+v %q %v", su, csrf, err)
		}
		if _, _, err := store.SessionUser(ctx, sess.Token+"x"); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("a wrong token: %v", err)
		}
		now.Add(int64(8*time.Hour + time.Second))
		if _, _, err := store.SessionUser(ctx, sess.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("an expired session: %v", err)
		}
		again, _ := store.CreateSession(ctx, u.ID, time.Hour)
		if err := store.EndSession(ctx, again.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.SessionUser(ctx, again.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("after sign-out: %v", err)
		}
	})
}
