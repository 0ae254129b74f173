package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms/nid"
)

// TestAccounts: users with their kommuner, local passwords checked by
// bcrypt, sessions that expire; the same answer for every failed sign-in.
func TestAccounts(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).UnixNano())
		store := enginetest.Open(t, dsn, enginetest.Clock(func() time.Time { return time.Unix(0, now.Load()) })).Store
		const password = "korrekt hest batteri stift"
		u, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "Kari.Saksbehandler@Oslo.kommune.no", Name: "Kari Saksbehandler", Kommuner: []string{"0301", "0301", "3201"}, Password: password})
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
			if _, err := store.Accounts.CreateUser(ctx, bad); !errors.Is(err, engine.ErrInvalid) && !errors.Is(err, engine.ErrConflict) {
				t.Errorf("CreateUser(%+v) = %v, want refused", bad, err)
			}
		}

		got, err := store.Accounts.Authenticate(ctx, " KARI.saksbehandler@oslo.kommune.no", password)
		if err != nil || got.ID != u.ID || len(got.Kommuner) != 2 {
			t.Fatalf("sign-in: %+v %v", got, err)
		}
		for _, c := range [][2]string{{u.Email, password + "x"}, {"nobody@oslo.kommune.no", password}, {u.Email, ""}} {
			if _, err := store.Accounts.Authenticate(ctx, c[0], c[1]); !errors.Is(err, engine.ErrUnauthorized) {
				t.Errorf("Authenticate(%q, …) = %v, want ErrUnauthorized", c[0], err)
			}
		}
		if byID, err := store.Accounts.UserByIdentity(ctx, engine.ProviderLocal, u.Email); err != nil || byID.ID != u.ID {
			t.Fatalf("by identity: %+v %v", byID, err)
		}

		sess, err := store.Accounts.CreateSession(ctx, u.ID, 8*time.Hour)
		if err != nil || len(sess.Token) < 40 || sess.CSRF == "" {
			t.Fatalf("session: %+v %v", sess, err)
		}
		su, csrf, err := store.Accounts.SessionUser(ctx, sess.Token)
		if err != nil || su.ID != u.ID || csrf != sess.CSRF {
			t.Fatalf("session user: %+v %q %v", su, csrf, err)
		}
		if _, _, err := store.Accounts.SessionUser(ctx, sess.Token+"x"); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("a wrong token: %v", err)
		}
		now.Add(int64(8*time.Hour + time.Second))
		if _, _, err := store.Accounts.SessionUser(ctx, sess.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("an expired session: %v", err)
		}
		again, _ := store.Accounts.CreateSession(ctx, u.ID, time.Hour)
		if err := store.Accounts.EndSession(ctx, again.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.Accounts.SessionUser(ctx, again.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("after sign-out: %v", err)
		}
	})
}

// TestAdminsManageOnlyTheirKommunesAccounts: an admin lists, makes,
// disables and enables only accounts whose kommuner are all among hers;
// any other account is ErrNotFound, as one that does not exist. An admin of
// no kommune manages nothing: she is not an operator of the installation.
func TestAdminsManageOnlyTheirKommunesAccounts(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		store := enginetest.Open(t, dsn).Store
		const password = "korrekt hest batteri stift"
		user := func(email string, admin bool, kommuner ...string) engine.User {
			t.Helper()
			u, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: email, Name: email, Admin: admin, Kommuner: kommuner, Password: password})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		osloAdmin := user("admin@oslo.kommune.no", true, "0301")
		bergenAdmin := user("admin@bergen.kommune.no", true, "4601")
		kari := user("kari@oslo.kommune.no", false, "0301")
		both := user("felles@iks.no", false, "0301", "4601")
		nowhere := user("drift@iks.no", true) // an admin of no kommune

		emails := func(admin engine.User) []string {
			t.Helper()
			accounts, err := store.Accounts.Accounts(ctx, admin)
			if err != nil {
				t.Fatalf("accounts of %s: %v", admin.Email, err)
			}
			out := []string{}
			for _, a := range accounts {
				out = append(out, a.Email)
			}
			return out
		}
		for _, tt := range []struct {
			admin engine.User
			want  []string
		}{
			{bergenAdmin, []string{"admin@bergen.kommune.no"}},
			{osloAdmin, []string{"admin@oslo.kommune.no", "kari@oslo.kommune.no"}},
			{nowhere, []string{}},
		} {
			if got := emails(tt.admin); !slices.Equal(got, tt.want) {
				t.Errorf("%s lists %v, want %v", tt.admin.Email, got, tt.want)
			}
		}
		if _, err := store.Accounts.Accounts(ctx, kari); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("a caseworker lists the accounts: %v", err)
		}

		for _, tt := range []struct {
			name string
			by   engine.User
			nu   engine.NewUser
		}{
			{"Bergen makes an Oslo caseworker", bergenAdmin, engine.NewUser{Kommuner: []string{"0301"}}},
			{"Bergen makes a caseworker of Bergen and Oslo", bergenAdmin, engine.NewUser{Kommuner: []string{"4601", "0301"}}},
			{"Bergen makes an Oslo admin", bergenAdmin, engine.NewUser{Admin: true, Kommuner: []string{"0301"}}},
			{"Bergen makes an admin of no kommune", bergenAdmin, engine.NewUser{Admin: true}},
			{"an admin of no kommune makes an Oslo caseworker", nowhere, engine.NewUser{Kommuner: []string{"0301"}}},
			{"a caseworker makes a colleague", kari, engine.NewUser{Kommuner: []string{"0301"}}},
		} {
			tt.nu.Email, tt.nu.Name, tt.nu.Password = "spion@example.no", "Spion", password
			if _, err := store.Accounts.CreateAccount(ctx, tt.by, tt.nu); !errors.Is(err, engine.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", tt.name, err)
			}
		}
		if _, err := store.Accounts.Authenticate(ctx, "spion@example.no", password); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("a refused account signs in: %v", err)
		}
		berit, err := store.Accounts.CreateAccount(ctx, bergenAdmin, engine.NewUser{Email: "berit@bergen.kommune.no", Name: "Berit", Kommuner: []string{"4601"}, Password: password})
		if err != nil || berit.Sees("0301") {
			t.Fatalf("Bergen makes a Bergen caseworker: %+v %v", berit, err)
		}

		for _, tt := range []struct {
			name string
			by   engine.User
			id   string
		}{
			{"Bergen disables Oslo's caseworker", bergenAdmin, kari.ID},
			{"Bergen disables Oslo's admin", bergenAdmin, osloAdmin.ID},
			{"Bergen disables an account of Bergen and Oslo", bergenAdmin, both.ID},
			{"Oslo disables an account of Bergen and Oslo", osloAdmin, both.ID},
			{"Bergen disables an admin of no kommune", bergenAdmin, nowhere.ID},
			{"an admin of no kommune disables Oslo's caseworker", nowhere, kari.ID},
			{"a caseworker disables her admin", kari, osloAdmin.ID},
			{"Bergen disables no one", bergenAdmin, "no-such-account"},
		} {
			for _, disabled := range []bool{true, false} {
				if err := store.Accounts.SetDisabled(ctx, tt.by, tt.id, disabled); !errors.Is(err, engine.ErrNotFound) {
					t.Errorf("%s (disabled=%v): %v, want ErrNotFound", tt.name, disabled, err)
				}
			}
		}
		for _, email := range []string{kari.Email, osloAdmin.Email, both.Email, nowhere.Email} {
			if _, err := store.Accounts.Authenticate(ctx, email, password); err != nil {
				t.Errorf("%s after refused disables: %v", email, err)
			}
		}

		if err := store.Accounts.SetDisabled(ctx, osloAdmin, kari.ID, true); err != nil {
			t.Fatalf("Oslo disables Oslo's caseworker: %v", err)
		}
		if _, err := store.Accounts.Authenticate(ctx, kari.Email, password); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("a disabled account signs in: %v", err)
		}
		if accounts, _ := store.Accounts.Accounts(ctx, osloAdmin); len(accounts) != 2 || !accounts[1].Disabled {
			t.Fatalf("Oslo's list after disabling: %+v", accounts)
		}
		if err := store.Accounts.SetDisabled(ctx, osloAdmin, kari.ID, false); err != nil {
			t.Fatalf("Oslo enables her again: %v", err)
		}
		if _, err := store.Accounts.Authenticate(ctx, kari.Email, password); err != nil {
			t.Fatalf("enabled again: %v", err)
		}
	})
}

// TestStartPasswordMustBeChanged: a password an admin hands out, at a new
// account or a reset, is a start password the user must change; changing
// it clears that. A reset is scoped like every account change, ends the
// user's sessions and replaces her password.
func TestStartPasswordMustBeChanged(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		store := enginetest.Open(t, dsn).Store
		const start, mine, reset = "et startpassord fra admin", "mitt eget lange passord", "et nytt startpassord her"
		oslo, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "admin@oslo.kommune.no", Name: "Admin", Admin: true, Kommuner: []string{"0301"}, Password: mine})
		if err != nil || oslo.MustChangePassword {
			t.Fatalf("the operator's account with a chosen password: %+v %v", oslo, err)
		}
		bergen, _ := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "admin@bergen.kommune.no", Name: "Admin", Admin: true, Kommuner: []string{"4601"}, Password: mine})
		kari, err := store.Accounts.CreateAccount(ctx, oslo, engine.NewUser{Email: "kari@oslo.kommune.no", Name: "Kari", Kommuner: []string{"0301"}, Password: start})
		if err != nil || !kari.MustChangePassword {
			t.Fatalf("an account an admin made: %+v %v", kari, err)
		}
		if u, err := store.Accounts.Authenticate(ctx, kari.Email, start); err != nil || !u.MustChangePassword {
			t.Fatalf("signing in with the start password: %+v %v", u, err)
		}
		sess, _ := store.Accounts.CreateSession(ctx, kari.ID, time.Hour)
		if u, _, err := store.Accounts.SessionUser(ctx, sess.Token); err != nil || !u.MustChangePassword {
			t.Fatalf("her session: %+v %v", u, err)
		}
		if accounts, _ := store.Accounts.Accounts(ctx, oslo); len(accounts) != 2 || accounts[0].MustChangePassword || !accounts[1].MustChangePassword {
			t.Fatalf("the accounts do not say who has a start password: %+v", accounts)
		}
		if err := store.Accounts.ChangePassword(ctx, kari.ID, start, mine, sess.Token); err != nil {
			t.Fatal(err)
		}
		if u, _, err := store.Accounts.SessionUser(ctx, sess.Token); err != nil || u.MustChangePassword {
			t.Fatalf("after changing it: %+v %v", u, err)
		}

		if err := store.Accounts.ResetPassword(ctx, bergen, kari.ID, reset); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("Bergen resets Oslo's caseworker: %v, want ErrNotFound", err)
		}
		if err := store.Accounts.ResetPassword(ctx, oslo, "no-such-account", reset); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("a reset of no one: %v, want ErrNotFound", err)
		}
		if err := store.Accounts.ResetPassword(ctx, oslo, kari.ID, "kort"); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a short start password: %v, want ErrInvalid", err)
		}
		if _, err := store.Accounts.Authenticate(ctx, kari.Email, mine); err != nil {
			t.Fatalf("refused resets changed her password: %v", err)
		}
		if err := store.Accounts.ResetPassword(ctx, oslo, kari.ID, reset); err != nil {
			t.Fatalf("Oslo resets Oslo's caseworker: %v", err)
		}
		if _, _, err := store.Accounts.SessionUser(ctx, sess.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("her session after a reset: %v, want ended", err)
		}
		if _, err := store.Accounts.Authenticate(ctx, kari.Email, mine); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("her old password after a reset: %v", err)
		}
		if u, err := store.Accounts.Authenticate(ctx, kari.Email, reset); err != nil || !u.MustChangePassword {
			t.Fatalf("the reset start password: %+v %v", u, err)
		}
	})
}

// TestAccountChangesAreAudited: an admin's changes to an account (created,
// disabled, enabled, password reset) and its owner's password change are
// each one event of the account's log, with who did it; a refused change
// writes none. Every caseworker write is audited, an admin's too.
func TestAccountChangesAreAudited(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		store := enginetest.Open(t, dsn).Store
		admin, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "admin@oslo.kommune.no", Name: "Admin", Admin: true, Kommuner: []string{"0301"}, Password: "et langt passord her"})
		if err != nil {
			t.Fatal(err)
		}
		bergen, _ := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "admin@bergen.kommune.no", Name: "Bergen", Admin: true, Kommuner: []string{"4601"}, Password: "et langt passord her"})
		kari, err := store.Accounts.CreateAccount(ctx, admin, engine.NewUser{Email: "kari@oslo.kommune.no", Name: "Kari", Kommuner: []string{"0301"}, Password: "startpassord 123"})
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []error{
			store.Accounts.SetDisabled(ctx, admin, kari.ID, true),
			store.Accounts.SetDisabled(ctx, admin, kari.ID, false),
			store.Accounts.ResetPassword(ctx, admin, kari.ID, "nytt startpassord 1"),
			store.Accounts.ChangePassword(ctx, kari.ID, "nytt startpassord 1", "mitt eget passord 2", ""),
		} {
			if step != nil {
				t.Fatal(step)
			}
		}
		if err := store.Accounts.SetDisabled(ctx, bergen, kari.ID, true); err == nil {
			t.Fatal("Bergen's admin disabled an Oslo account")
		}
		events, err := store.Accounts.AccountEvents(ctx, kari.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.Actor+" "+e.Action)
		}
		want := []string{admin.Actor() + " create", admin.Actor() + " disable", admin.Actor() + " enable",
			admin.Actor() + " reset-password", kari.Actor() + " change-password"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") || events[0].Detail != "caseworker of 0301" {
			t.Fatalf("events %q (first detail %q), want %q", got, events[0].Detail, want)
		}
		if first, _ := store.Accounts.AccountEvents(ctx, admin.ID); len(first) != 1 || first[0].Actor != "operator" || first[0].Detail != "admin of 0301" {
			t.Fatalf("the command line's account: %+v", first)
		}
	})
}

// TestAccountKommunerAreInTheRegister: with the kommune register loaded, an
// account is given only kommunenumre in force today, from the command line
// and from an admin alike, and a number that is no kommune is said to be
// so before it is said not to be the admin's; without the register, only
// a number's form is checked.
func TestAccountKommunerAreInTheRegister(t *testing.T) {
	t.Parallel()
	merged := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	reg := nid.NewRegisters([]nid.Kommune{{Number: "0301", Name: "Oslo"}, {Number: "4601", Name: "Bergen", ValidFrom: merged},
		{Number: "1201", Name: "Bergen", ValidTo: merged}}, nil)
	ctx := context.Background()
	store := enginetest.Open(t, enginetest.SQLite(t), enginetest.Registers(reg)).Store
	const password = "korrekt hest batteri stift"
	admin, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "admin@oslo.kommune.no", Name: "Admin", Admin: true, Kommuner: []string{"0301"}, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		kommune, reason string
	}{
		{"9999", nid.ReasonUnknown},
		{"1201", nid.ReasonExpired},
		{"Oslo", nid.ReasonDigits},
	} {
		nu := engine.NewUser{Email: "ny@oslo.kommune.no", Name: "Ny", Kommuner: []string{"0301", tt.kommune}, Password: password}
		for name, create := range map[string]func() error{
			"the operator": func() error { _, err := store.Accounts.CreateUser(ctx, nu); return err },
			"Oslo's admin": func() error { _, err := store.Accounts.CreateAccount(ctx, admin, nu); return err },
		} {
			err := create()
			var ke *accounts.KommuneError
			if !errors.As(err, &ke) || ke.Number != tt.kommune || ke.Reason != tt.reason || !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("%s gives %s: %v, want a KommuneError %s", name, tt.kommune, err, tt.reason)
			}
		}
	}
	if _, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "berit@bergen.kommune.no", Name: "Berit", Kommuner: []string{"4601"}, Password: password}); err != nil {
		t.Fatalf("a kommune in force: %v", err)
	}

	bare := enginetest.Open(t, enginetest.SQLite(t)).Store
	if _, err := bare.Accounts.CreateUser(ctx, engine.NewUser{Email: "x@example.no", Name: "X", Kommuner: []string{"9999"}, Password: password}); err != nil {
		t.Fatalf("without the register, four digits are a kommunenummer: %v", err)
	}
}

// TestExternalSignIn: a kommune's own login provisions the account of its
// subject at the first sign-in and sets its kommuner, admin role and
// decision role from the claims at every one, each change an account event; no kommune, a
// disabled account and another account's address are refused; the account
// has no password and is listed with its provider.
func TestExternalSignIn(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		store := enginetest.Open(t, dsn).Store
		const issuer = "https://login.microsoftonline.com/oslo/v2.0"
		gm, err := accounts.ParseGroupMap([]byte(`{"claim": "groups", "map": {
			"g-saksbehandler": {"kommuner": ["0301"]},
			"g-admin": {"kommuner": ["0301"], "admin": true},
			"g-bergen": {"kommuner": ["4601"]},
			"g-fullmakt": {"kommuner": ["0301"], "decides": ["0301"]}}}`), nil, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		signIn := func(sub, email string, groups ...string) (engine.User, error) {
			return store.Accounts.SignInExternal(ctx, accounts.External{Provider: issuer, Subject: sub, Email: email, Name: "Kari Nordmann", Grant: gm.Grant(groups)})
		}
		kari, err := signIn("sub-kari", "Kari.Nordmann@oslo.kommune.no", "g-saksbehandler", "an-unmapped-group")
		if err != nil || kari.Admin || !slices.Equal(kari.Kommuner, []string{"0301"}) || kari.Email != "kari.nordmann@oslo.kommune.no" || kari.HasPassword {
			t.Fatalf("the first sign-in: %+v %v", kari, err)
		}
		again, err := signIn("sub-kari", "kari.nordmann@oslo.kommune.no", "g-saksbehandler", "g-admin")
		if err != nil || again.ID != kari.ID || !again.Admin {
			t.Fatalf("made admin at the kommune: %+v %v", again, err)
		}
		// Admin of Oslo does not make her admin of Bergen too.
		if both, err := signIn("sub-kari", "kari.nordmann@oslo.kommune.no", "g-admin", "g-bergen"); err != nil || both.Admin || len(both.Kommuner) != 2 {
			t.Fatalf("admin of one of two kommuner: %+v %v", both, err)
		}
		if same, err := signIn("sub-kari", "kari.nordmann@oslo.kommune.no", "g-admin", "g-bergen"); err != nil || same.ID != kari.ID {
			t.Fatalf("the same sign-in again: %+v %v", same, err)
		}
		sess, _ := store.Accounts.CreateSession(ctx, kari.ID, time.Hour)
		if _, err := signIn("sub-kari", "kari.nordmann@oslo.kommune.no", "an-unmapped-group"); !errors.Is(err, accounts.ErrNoKommune) {
			t.Fatalf("her groups taken away: %v, want ErrNoKommune", err)
		}
		if _, _, err := store.Accounts.SessionUser(ctx, sess.Token); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("her session after her groups were taken away: %v", err)
		}
		if u, err := store.Accounts.User(ctx, kari.ID); err != nil || len(u.Kommuner) != 0 || u.Admin {
			t.Fatalf("her account after her groups were taken away: %+v %v", u, err)
		}
		events, _ := store.Accounts.AccountEvents(ctx, kari.ID)
		var got []string
		for _, e := range events {
			got = append(got, e.Actor+" "+e.Action+": "+e.Detail)
		}
		actor := accounts.ProviderActor(issuer)
		want := []string{actor + " create: caseworker of 0301", actor + " grant: admin of 0301 (was caseworker of 0301)",
			actor + " grant: caseworker of 0301, 4601 (was admin of 0301)", actor + " grant: no kommune (was caseworker of 0301, 4601)"}
		if !slices.Equal(got, want) {
			t.Fatalf("events\n%q\nwant\n%q", got, want)
		}

		// A double click: two first sign-ins of one person at once make one account.
		ids := make(chan string, 4)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := signIn("sub-siri", "siri@oslo.kommune.no", "g-saksbehandler")
				if err != nil {
					t.Errorf("a first sign-in at once with others: %v", err)
				}
				ids <- u.ID
			}()
		}
		wg.Wait()
		close(ids)
		first := <-ids
		for id := range ids {
			if id != first {
				t.Fatalf("one person, two accounts: %s and %s", first, id)
			}
		}
		if _, err := signIn("sub-per", "per@oslo.kommune.no"); !errors.Is(err, accounts.ErrNoKommune) {
			t.Fatalf("a first sign-in with no group: %v, want ErrNoKommune", err)
		}
		if _, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "lokal@oslo.kommune.no", Name: "Lokal", Kommuner: []string{"0301"}, Password: "et langt passord her"}); err != nil {
			t.Fatal(err)
		}
		if _, err := signIn("sub-lokal", "LOKAL@oslo.kommune.no", "g-admin"); !errors.Is(err, accounts.ErrEmailTaken) {
			t.Fatalf("a provider's user with a local account's address: %v, want ErrEmailTaken", err)
		}
		if _, err := signIn("sub-uten", "", "g-admin"); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("no e-mail address: %v, want ErrInvalid", err)
		}

		admin, _ := store.Accounts.CreateUser(ctx, engine.NewUser{Email: "admin@oslo.kommune.no", Name: "Admin", Admin: true, Kommuner: []string{"0301"}, Password: "et langt passord her"})
		ola, err := signIn("sub-ola", "ola@oslo.kommune.no", "g-saksbehandler")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Accounts.SetDisabled(ctx, admin, ola.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := signIn("sub-ola", "ola@oslo.kommune.no", "g-saksbehandler"); !errors.Is(err, accounts.ErrDisabled) {
			t.Fatalf("a disabled account: %v, want ErrDisabled", err)
		}
		if _, err := store.Accounts.Authenticate(ctx, "ola@oslo.kommune.no", ""); !errors.Is(err, engine.ErrUnauthorized) {
			t.Fatalf("a provider's user with the local sign-in: %v", err)
		}
		all, err := store.Accounts.AllAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		signIns := map[string][]string{}
		for _, a := range all {
			signIns[a.Email] = a.SignIn
		}
		if !slices.Equal(signIns["ola@oslo.kommune.no"], []string{issuer}) || !slices.Equal(signIns["lokal@oslo.kommune.no"], []string{engine.ProviderLocal}) || len(all) != 5 {
			t.Fatalf("all accounts' sign-in: %v", signIns)
		}

		// The decision role follows her groups as her kommuner do: given
		// with the group, taken away without it, each an account event.
		frida, err := signIn("sub-frida", "frida@oslo.kommune.no", "g-saksbehandler", "g-fullmakt")
		if err != nil || !frida.DecidesIn("0301") {
			t.Fatalf("signed in with the decision role's group: %+v %v", frida, err)
		}
		if u, err := signIn("sub-frida", "frida@oslo.kommune.no", "g-saksbehandler"); err != nil || u.DecidesIn("0301") || !u.Sees("0301") {
			t.Fatalf("signed in without it: %+v %v", u, err)
		}
		events, _ = store.Accounts.AccountEvents(ctx, frida.ID)
		got = nil
		for _, e := range events {
			got = append(got, e.Actor+" "+e.Action+": "+e.Detail)
		}
		want = []string{actor + " create: caseworker of 0301, with the decision role in 0301",
			actor + " grant: caseworker of 0301 (was caseworker of 0301, with the decision role in 0301)"}
		if !slices.Equal(got, want) {
			t.Fatalf("events\n%q\nwant\n%q", got, want)
		}
		// An admin does not give it by hand: her next sign-in would undo it.
		if err := store.Accounts.SetDecides(ctx, admin, frida.ID, true); !errors.Is(err, accounts.ErrGroupsDecide) || !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("an admin gives the decision role to an account of the kommune's login: %v, want ErrGroupsDecide", err)
		}
	})
}

// TestGroupMaps: what a group map file may say, and what the values of a
// claim grant.
func TestGroupMaps(t *testing.T) {
	t.Parallel()
	reg := nid.NewRegisters([]nid.Kommune{{Number: "0301", Name: "Oslo"}}, nil)
	for _, tt := range []struct{ name, raw, want string }{
		{"no claim", `{"map": {"g": {"kommuner": ["0301"]}}}`, "names no claim"},
		{"an empty map", `{"claim": "groups", "map": {}}`, "grants nothing"},
		{"a value with no kommune", `{"claim": "groups", "map": {"g": {"admin": true}}}`, `"g" grants no kommune`},
		{"a kommune not in the register", `{"claim": "groups", "map": {"g": {"kommuner": ["9999"]}}}`, "9999 is not in the kommune register"},
		{"a name for a number", `{"claim": "groups", "map": {"g": {"kommuner": ["Oslo"]}}}`, "not a kommunenummer"},
		{"an unknown member", `{"claim": "groups", "map": {"g": {"kommuner": ["0301"], "unit": "x"}}}`, "unknown field"},
		{"the decision role in a kommune the value does not grant", `{"claim": "groups", "map": {"g": {"kommuner": ["0301"]}, "g-fullmakt": {"kommuner": ["0301"], "decides": ["4601"]}}}`,
			`"g-fullmakt": invalid: "decides" names kommune 4601, not one of "kommuner" (0301)`},
		{"not JSON", `claim=groups`, "not a group map"},
	} {
		if _, err := accounts.ParseGroupMap([]byte(tt.raw), reg, nil, time.Now()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	reg = nid.NewRegisters([]nid.Kommune{{Number: "0301", Name: "Oslo"}, {Number: "4601", Name: "Bergen"}}, nil)
	gm, err := accounts.ParseGroupMap([]byte(`{"claim": "roles", "map": {"Skjema.Saksbehandler": {"kommuner": ["0301"]}, "Skjema.Admin": {"kommuner": ["0301"], "admin": true},
		"Skjema.Fullmakt": {"kommuner": ["0301", "4601"], "decides": ["4601"]}}}`), reg, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		values []string
		want   string
	}{
		{nil, "no kommune"},
		{[]string{"Skjema.Saksbehandler"}, "caseworker of 0301"},
		{[]string{"Skjema.Admin"}, "admin of 0301"},
		{[]string{"Skjema.Saksbehandler", "Skjema.Admin", "Other"}, "admin of 0301"},
		{[]string{"skjema.admin"}, "no kommune"}, // values are matched exactly
		{[]string{"Skjema.Saksbehandler", "Skjema.Fullmakt"}, "caseworker of 0301, 4601, with the decision role in 4601"},
	} {
		if got := gm.Grant(tt.values).String(); got != tt.want {
			t.Errorf("Grant(%q) = %s, want %s", tt.values, got, tt.want)
		}
	}
}
