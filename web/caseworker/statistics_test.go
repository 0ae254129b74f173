package caseworker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web/caseworker"
)

// TestStatisticsPage: the leaders' page renders its charts as inline SVG
// with their text alternatives and the table of every figure, counts only
// the signed-in caseworker's kommuner and the period chosen, and shows no
// personal data.
func TestStatisticsPage(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setup(t, dsn, caseworker.Config{})
		kari := b.user(t, "kari@oslo.kommune.no", false, "0301")
		b.user(t, "per@bergen.kommune.no", false, "4601")
		// Oslo: one application in review that Kari rejects, one straight
		// to a batch.
		flagged, _ := b.flagged(t, "0301")
		if err := b.store.Casework.Reject(ctx, casework.CaseAction{User: kari, ApplicationID: flagged.ID, Version: flagged.Version, Form: b.form, Reason: "Ikke bosatt her"}); err != nil {
			t.Fatal(err)
		}
		straight, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: "straight-through-0123456789", Kommune: "0301"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: straight.ID, Agency: "husbanken"}); err != nil {
			t.Fatal(err)
		}

		oslo := b.signedIn(t, "kari@oslo.kommune.no")
		p := oslo.do("GET", "/caseworker/statistics", nil)
		if p.status != http.StatusOK {
			t.Fatalf("statistics: %d %s", p.status, p.body)
		}
		for _, want := range []string{
			`<a class="ds-link" href="/caseworker/statistics">Statistikk</a>`, // in the navigation
			`<svg viewBox="0 0 720 260" role="img" aria-labelledby="applications-title applications-desc"`,
			`<title id="applications-title">Søknader per måned</title>`,
			`<desc id="applications-desc">Stablede søyler`,
			`class="cw-bar-digital"`,
			`<caption id="tall-caption">Tall per måned</caption>`,
			`<dt>Søknader</dt><dd>2 (2 digitale, 0 på papir)</dd>`,
			`<dt>Rett gjennom</dt><dd>50 % av 2 rutede søknader</dd>`,
			`<dt>Avslag</dt><dd>0 fra etaten, 1 fra kommunen</dd>`,
			`<td>En person i husstanden er registrert på en annen adresse</td><td>1</td>`,
		} {
			if !strings.Contains(p.body, want) {
				t.Errorf("Oslo's statistics lack %s", want)
			}
		}
		// No personal data: not the applicant, not the caseworker's words.
		for _, personal := range []string{"12038512356", "Nordmann", "Ikke bosatt her"} {
			if strings.Contains(p.body, personal) {
				t.Errorf("the statistics show %q", personal)
			}
		}
		if strings.Contains(p.body, "<script") {
			t.Error("the statistics page carries script")
		}

		// Bergen's caseworker counts none of Oslo's.
		bergen := b.signedIn(t, "per@bergen.kommune.no")
		p = bergen.do("GET", "/caseworker/statistics", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, `<dd>0 (0 digitale, 0 på papir)</dd>`) || strings.Contains(p.body, "annen adresse</td>") {
			t.Errorf("Bergen's statistics count Oslo's applications: %d", p.status)
		}

		// A period before the applications counts none; a month that is not
		// one of the choices falls back to the default period.
		month := calendar.MonthOf(time.Now().AddDate(0, -14, 0)).String()
		p = oslo.do("GET", "/caseworker/statistics?from="+month+"&to="+month, nil)
		if !strings.Contains(p.body, `<dd>0 (0 digitale, 0 på papir)</dd>`) || !strings.Contains(p.body, `<option value="`+month+`" selected>`) {
			t.Errorf("the period %s counts what came later", month)
		}
		if p = oslo.do("GET", "/caseworker/statistics?from=tomorrow&to=2026-13", nil); p.status != http.StatusOK || !strings.Contains(p.body, `<dd>2 (2 digitale`) {
			t.Errorf("a made-up period: %d", p.status)
		}
	})
}
