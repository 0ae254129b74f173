package caseworker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/queue/queuetest"
	"github.com/skjema/skjema/web/caseworker"
)

// TestUnitCaseworkerSeesOnlyHerUnitsCases: in a kommune divided into
// units, the list, the case page and the filters follow the caseworker's
// unit (issue #16 item 5); an admin gives a new account its units.
func TestUnitCaseworkerSeesOnlyHerUnitsCases(t *testing.T) {
	t.Parallel()
	un, err := units.Parse([]byte(`{"0301": {"units": [
		{"id": "gamle-oslo", "name": "Bydel Gamle Oslo", "postnummer": ["0150"]},
		{"id": "frogner", "name": "Bydel Frogner", "postnummer": ["0250"]}]}}`), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, enginetest.SQLite(t), caseworker.Config{}, queuetest.Engine(enginetest.Units(un)))
	ctx := context.Background()
	for email, unit := range map[string]string{"gamle@oslo.kommune.no": "gamle-oslo", "frogner@oslo.kommune.no": "frogner"} {
		if _, err := b.store.Accounts.CreateUser(ctx, engine.NewUser{Email: email, Name: email, Kommuner: []string{"0301"},
			Units: []units.Ref{{Kommune: "0301", Unit: unit}}, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	b.user(t, "admin@oslo.kommune.no", true, "0301")
	a, _ := b.flagged(t, "0301") // the example lives at 0150: Gamle Oslo
	ref := ">" + *a.Reference + "<"
	casePage := "/caseworker/applications/" + a.ID

	gamle := b.signedIn(t, "gamle@oslo.kommune.no")
	if p := gamle.do("GET", "/caseworker/", nil); !strings.Contains(p.body, ref) {
		t.Fatalf("Gamle Oslo's list lacks her case: %d", p.status)
	}
	if p := gamle.do("GET", casePage, nil); p.status != http.StatusOK || !strings.Contains(p.body, "Bydel Gamle Oslo") {
		t.Fatalf("Gamle Oslo's case page: %d, unit shown: %v", p.status, strings.Contains(p.body, "Bydel Gamle Oslo"))
	}
	// Her case can be given to a colleague who could work on it, never to
	// another unit's.
	if p := gamle.do("GET", casePage, nil); strings.Contains(p.body, `>frogner@oslo.kommune.no</option>`) || !strings.Contains(p.body, `>admin@oslo.kommune.no</option>`) {
		t.Fatal("the case's assign list offers the wrong colleagues")
	}

	frogner := b.signedIn(t, "frogner@oslo.kommune.no")
	if p := frogner.do("GET", "/caseworker/?scope=all", nil); strings.Contains(p.body, ref) {
		t.Fatal("Frogner's list shows Gamle Oslo's case")
	}
	if p := frogner.do("GET", casePage, nil); p.status != http.StatusNotFound {
		t.Fatalf("Frogner opens Gamle Oslo's case: %d", p.status)
	}
	if p := frogner.do("GET", "/caseworker/search?q="+url.QueryEscape(*a.Reference), nil); strings.Contains(p.body, ref) {
		t.Fatal("Frogner's search finds Gamle Oslo's case")
	}

	// The whole kommune's admin sees it, and narrows the list by unit.
	admin := b.signedIn(t, "admin@oslo.kommune.no")
	p := admin.do("GET", "/caseworker/?unit=gamle-oslo", nil)
	if !strings.Contains(p.body, ref) || !strings.Contains(p.body, `id="f-unit"`) {
		t.Fatalf("narrowed to Gamle Oslo: case shown %v, unit filter %v", strings.Contains(p.body, ref), strings.Contains(p.body, `id="f-unit"`))
	}
	if p := admin.do("GET", "/caseworker/?unit=frogner", nil); strings.Contains(p.body, ref) {
		t.Fatal("narrowed to Frogner, the list shows Gamle Oslo's case")
	}
	if p := admin.do("GET", "/caseworker/statistics?unit=frogner", nil); p.status != http.StatusOK || !strings.Contains(p.body, `id="unit"`) {
		t.Fatalf("statistics by unit: %d", p.status)
	}

	// An admin gives a new account its units, and is told of one that is
	// not the kommune's.
	if p := admin.post("/caseworker/users", url.Values{"name": {"Per"}, "email": {"per@oslo.kommune.no"}, "kommuner": {"0301"}, "units": {"sagene"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("a unit the kommune does not have: %d", p.status)
	}
	if p := admin.post("/caseworker/users", url.Values{"name": {"Per"}, "email": {"per@oslo.kommune.no"}, "kommuner": {"0301"}, "units": {"frogner"}}); p.status != http.StatusCreated || !strings.Contains(p.body, "0301 (Bydel Frogner)") {
		t.Fatalf("an account of Frogner: %d", p.status)
	}
}
