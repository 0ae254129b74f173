package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/engine/units"
)

// osloUnits divide Oslo into two bydeler by a postnummer each; 0010 is in
// none of them.
const osloUnits = `{"0301": {"units": [
	{"id": "gamle-oslo", "name": "Bydel Gamle Oslo", "postnummer": ["0150"]},
	{"id": "frogner", "name": "Bydel Frogner", "postnummer": ["0250"]}]}}`

// applyAt submits the example in Oslo from an address at postnummer, under
// the family name given, and routes it to review.
func (b *testBundle) applyAt(t *testing.T, postnummer, family string) engine.Application {
	a, _ := b.applyAtDraft(t, postnummer, family)
	return a
}

// atPostnummer is the example's document with the address at postnummer.
func (b *testBundle) atPostnummer(t *testing.T, postnummer, family string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b.body, &doc); err != nil {
		t.Fatal(err)
	}
	doc["applicant"].(map[string]any)["familyName"] = family
	doc["address"].(map[string]any)["postnummer"] = postnummer
	body, _ := json.Marshal(doc)
	return body
}

func (b *testBundle) applyAtDraft(t *testing.T, postnummer, family string) (engine.Application, engine.Draft) {
	t.Helper()
	ctx := context.Background()
	body := b.atPostnummer(t, postnummer, family)
	d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
		t.Fatal(err)
	}
	a, err := b.store.Application(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a, d
}

func (b *testBundle) unitCaseworker(t *testing.T, email string, refs ...units.Ref) engine.User {
	t.Helper()
	u, err := b.store.Accounts.CreateUser(context.Background(), engine.NewUser{Email: email, Name: email, Kommuner: []string{"0301"}, Units: refs,
		Password: "et langt passord her"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func unitOf(a engine.Application) string {
	if a.Unit == nil {
		return ""
	}
	return *a.Unit
}

// TestUnitCaseworkerSeesOnlyHerUnit: Oslo handles bostøtte per bydel
// (issue #16 item 5). An application is given the unit of its address's
// postnummer; a caseworker of a unit sees, lists, searches, opens and acts
// on its applications only (another unit's is ErrNotFound, as another
// kommune's is), and a caseworker of no unit sees the whole kommune.
func TestUnitCaseworkerSeesOnlyHerUnit(t *testing.T) {
	t.Parallel()
	un, err := units.Parse([]byte(osloUnits), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setupWith(t, dsn, enginetest.Units(un))
		gamle := b.unitCaseworker(t, "gamle@oslo.kommune.no", units.Ref{Kommune: "0301", Unit: "gamle-oslo"})
		frogner := b.unitCaseworker(t, "frogner@oslo.kommune.no", units.Ref{Kommune: "0301", Unit: "frogner"})
		whole := b.unitCaseworker(t, "alle@oslo.kommune.no")
		inGamle, inFrogner, inNone := b.applyAt(t, "0150", "Hansen"), b.applyAt(t, "0250", "Hansen"), b.applyAt(t, "0010", "Hansen")
		if unitOf(inGamle) != "gamle-oslo" || unitOf(inFrogner) != "frogner" || inNone.Unit != nil {
			t.Fatalf("units at submit: %q, %q, %v", unitOf(inGamle), unitOf(inFrogner), inNone.Unit)
		}
		if u, err := b.store.Accounts.User(ctx, gamle.ID); err != nil || len(u.Units) != 1 || u.Units[0].String() != "0301/gamle-oslo" {
			t.Fatalf("her account's units: %+v, %v", u.Units, err)
		}

		list := func(u engine.User, f casework.Filter) []string {
			t.Helper()
			f.Kommuner, f.Units, f.Scope = u.Kommuner, u.Units, casework.ScopeAll
			l, err := b.store.Casework.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, it := range l.Items {
				ids = append(ids, it.ID)
			}
			if l.Matching != len(ids) {
				t.Fatalf("%d matching, %d listed", l.Matching, len(ids))
			}
			return ids
		}
		if got := list(gamle, casework.Filter{}); len(got) != 1 || got[0] != inGamle.ID {
			t.Fatalf("Gamle Oslo's list: %v", got)
		}
		if got := list(whole, casework.Filter{}); len(got) != 3 {
			t.Fatalf("the whole kommune's list: %v", got)
		}
		if got := list(whole, casework.Filter{Unit: "frogner"}); len(got) != 1 || got[0] != inFrogner.ID {
			t.Fatalf("filtered to Frogner: %v", got)
		}
		if got := list(whole, casework.Filter{Unit: casework.NoUnit}); len(got) != 1 || got[0] != inNone.ID {
			t.Fatalf("filtered to no unit: %v", got)
		}
		if got := list(gamle, casework.Filter{Unit: "frogner"}); len(got) != 0 {
			t.Fatalf("Gamle Oslo filtering to Frogner: %v", got)
		}
		found, err := b.store.Casework.Search(ctx, gamle, "Hansen", nil)
		if err != nil || len(found.Items) != 1 || found.Items[0].ID != inGamle.ID {
			t.Fatalf("Gamle Oslo's search: %+v, %v", found, err)
		}

		// Every read and act on another unit's application is ErrNotFound.
		for name, err := range map[string]error{
			"open": func() error {
				_, err := b.store.Casework.OpenCase(ctx, gamle, inFrogner.ID, casework.ActionView, "")
				return err
			}(),
			"form":   func() error { _, err := b.store.Casework.FormOf(ctx, gamle, inFrogner.ID); return err }(),
			"brief":  func() error { _, err := b.store.Casework.Brief(ctx, gamle, inNone.ID); return err }(),
			"notes":  func() error { _, err := b.store.Casework.Notes(ctx, gamle, inFrogner.ID); return err }(),
			"file":   func() error { _, _, err := b.store.Casework.CaseFile(ctx, gamle, inFrogner.ID, "x"); return err }(),
			"note":   b.store.Casework.AddNote(ctx, gamle, inFrogner.ID, "hei"),
			"assign": b.store.Casework.Assign(ctx, gamle, inFrogner.ID, gamle.ID),
			"approve": b.store.Casework.Approve(ctx, casework.CaseAction{User: gamle, ApplicationID: inFrogner.ID, Version: inFrogner.Version,
				Form: b.form}),
			"reject": b.store.Casework.Reject(ctx, casework.CaseAction{User: gamle, ApplicationID: inNone.ID, Version: inNone.Version, Form: b.form,
				Reason: "x"}),
		} {
			if !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("Gamle Oslo's %s of another unit's application: %v, want ErrNotFound", name, err)
			}
		}
		if _, err := b.store.Casework.OpenCase(ctx, gamle, inGamle.ID, casework.ActionView, ""); err != nil {
			t.Fatalf("Gamle Oslo opens her own: %v", err)
		}
		if _, err := b.store.Casework.OpenCase(ctx, whole, inFrogner.ID, casework.ActionView, ""); err != nil {
			t.Fatalf("the whole kommune's caseworker opens Frogner's: %v", err)
		}

		// A case goes only to someone who sees it.
		if err := b.store.Casework.Assign(ctx, whole, inGamle.ID, frogner.ID); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("Gamle Oslo's case given to Frogner: %v", err)
		}
		for _, to := range []engine.User{gamle, whole} {
			if err := b.store.Casework.Assign(ctx, whole, inGamle.ID, to.ID); err != nil {
				t.Fatalf("Gamle Oslo's case given to %s: %v", to.Email, err)
			}
		}

		// Statistics follow the units.
		m, _ := calendar.ParseMonth(inGamle.ApplicationMonth)
		stats := func(u engine.User, unit string) int {
			t.Helper()
			s, err := b.store.Casework.Statistics(ctx, casework.StatisticsFilter{Kommuner: u.Kommuner, Units: u.Units, Unit: unit, From: m, To: m})
			if err != nil {
				t.Fatal(err)
			}
			return s.Total.Applications()
		}
		if n, all, fr, none := stats(gamle, ""), stats(whole, ""), stats(whole, "frogner"), stats(whole, casework.NoUnit); n != 1 || all != 3 || fr != 1 || none != 1 {
			t.Fatalf("statistics: Gamle Oslo %d, all %d, Frogner %d, no unit %d", n, all, fr, none)
		}

		// A corrected postnummer moves the case to the unit of the new one.
		cur, _ := b.store.Application(ctx, inGamle.ID)
		if err := b.store.Casework.Correct(ctx, casework.CaseAction{User: whole, ApplicationID: inGamle.ID, Version: cur.Version, Form: b.form,
			Reason: "flyttet"}, "/address/postnummer", "0250"); err != nil {
			t.Fatal(err)
		}
		if moved, _ := b.store.Application(ctx, inGamle.ID); unitOf(moved) != "frogner" {
			t.Fatalf("after the correction the unit is %q", unitOf(moved))
		}
		if _, err := b.store.Casework.OpenCase(ctx, gamle, inGamle.ID, casework.ActionView, ""); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("Gamle Oslo opens the case that moved to Frogner: %v", err)
		}
		if got := list(frogner, casework.Filter{}); len(got) != 2 {
			t.Fatalf("Frogner's list after the move: %v", got)
		}

		// The citizen's resubmission from another address moves it too.
		returned, d := b.applyAtDraft(t, "0010", "Berg")
		if err := b.store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: whole, ApplicationID: returned.ID, Version: returned.Version, Form: b.form},
			"Stemmer adressen?", []string{"/address/postnummer"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.atPostnummer(t, "0150", "Berg"), IdempotencyKey: d.ID, Token: d.Token,
			Kommune: "0301"}); err != nil {
			t.Fatal(err)
		}
		if resubmitted, _ := b.store.Application(ctx, returned.ID); unitOf(resubmitted) != "gamle-oslo" || resubmitted.Status != engine.StatusInReview {
			t.Fatalf("resubmitted from 0150: unit %q, %s", unitOf(resubmitted), resubmitted.Status)
		}
	})
}

// TestAccountUnitsAreChecked: an account's units lie in its kommuner and,
// where the units file divides the kommune, are its units.
func TestAccountUnitsAreChecked(t *testing.T) {
	t.Parallel()
	un, err := units.Parse([]byte(osloUnits), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := setupWith(t, enginetest.SQLite(t), enginetest.Units(un))
	for _, refs := range [][]units.Ref{{{Kommune: "4601", Unit: "frogner"}}, {{Kommune: "0301", Unit: "sagene"}}} {
		if _, err := b.store.Accounts.CreateUser(context.Background(), engine.NewUser{Email: "x@oslo.kommune.no", Name: "X", Kommuner: []string{"0301"},
			Units: refs, Password: "et langt passord her"}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("units %v: %v, want ErrInvalid", refs, err)
		}
	}
}

// TestGroupMapGrantsUnits: a kommune's group may stand for a unit of it;
// a group of the whole kommune is not narrowed by a unit's group.
func TestGroupMapGrantsUnits(t *testing.T) {
	t.Parallel()
	un, err := units.Parse([]byte(osloUnits), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, raw, want string }{
		{"a unit of a kommune not granted", `{"claim": "groups", "map": {"g": {"kommuner": ["4601"], "units": ["0301/frogner"]}}}`, "not one of the account's"},
		{"a unit the file does not have", `{"claim": "groups", "map": {"g": {"kommuner": ["0301"], "units": ["0301/sagene"]}}}`, "not a unit of kommune 0301"},
		{"a unit without its kommune", `{"claim": "groups", "map": {"g": {"kommuner": ["0301"], "units": ["frogner"]}}}`, "kommunenummer/unit"},
	} {
		if _, err := accounts.ParseGroupMap([]byte(tt.raw), nil, un, time.Now()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	gm, err := accounts.ParseGroupMap([]byte(`{"claim": "groups", "map": {
		"g-frogner": {"kommuner": ["0301"], "units": ["0301/frogner"]},
		"g-gamle": {"kommuner": ["0301"], "units": ["0301/gamle-oslo"]},
		"g-oslo": {"kommuner": ["0301"]}}}`), nil, un, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		values []string
		want   string
	}{
		{[]string{"g-frogner"}, "caseworker of 0301 (units 0301/frogner)"},
		{[]string{"g-gamle", "g-frogner"}, "caseworker of 0301 (units 0301/frogner, 0301/gamle-oslo)"},
		{[]string{"g-frogner", "g-oslo"}, "caseworker of 0301"},
	} {
		if got := gm.Grant(tt.values).String(); got != tt.want {
			t.Errorf("%v grants %q, want %q", tt.values, got, tt.want)
		}
	}
	// At sign-in, the grant's units are set on her account, and changed
	// when her groups change.
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		store := enginetest.Open(t, dsn, enginetest.Units(un)).Store
		e := accounts.External{Provider: "https://login.example/", Subject: "s1", Email: "kari@oslo.kommune.no", Name: "Kari", Grant: gm.Grant([]string{"g-frogner"})}
		u, err := store.Accounts.SignInExternal(ctx, e)
		if err != nil || !u.SeesCase("0301", "frogner") || u.SeesCase("0301", "gamle-oslo") {
			t.Fatalf("signed in with Frogner's group: %+v, %v", u, err)
		}
		e.Grant = gm.Grant([]string{"g-oslo"})
		if u, err = store.Accounts.SignInExternal(ctx, e); err != nil || len(u.Units) != 0 || !u.SeesCase("0301", "gamle-oslo") {
			t.Fatalf("signed in with the kommune's group: %+v, %v", u, err)
		}
	})
}
