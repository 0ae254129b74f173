package engine_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestStatistics: the leaders' figures, counted from applications that went
// the whole road through the engine on one day in March 2026 (and one in
// April), on both databases:
//
//	A digital, straight to a batch, delivered after 1 h, accepted
//	B digital, in review 2 h, approved, delivered after 5 h
//	C paper, straight to a batch, delivered after 1 h, rejected by the
//	  agency; the caseworker confirms the rejection 3 h later
//	D digital, in review for two reasons, rejected by the kommune after 3 h
//	E digital, in review and still there
//	F Bergen's, straight through: not Oslo's caseworker's to count
//	G digital, April, straight to a batch, not delivered yet
func TestStatistics(t *testing.T) {
	t.Parallel()
	oslo := calendar.Oslo
	at := func(day, hour int) time.Time { return time.Date(2026, time.March, day, hour, 0, 0, 0, oslo) }
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := &testClock{now: at(2, 10)}
		b := setupWith(t, dsn, enginetest.Clock(clock.Now))
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		per := b.caseworker(t, "per@bergen.kommune.no", "4601")
		// Bergen's applicant lives in Bergen.
		bergenBody := bytes.Replace(b.body, []byte(`"postnummer": "0150", "kommunenummer": "0301"`), []byte(`"postnummer": "5003", "kommunenummer": "4601"`), 1)
		submit := func(key, kommune string, registrar *engine.User) string {
			t.Helper()
			body := b.body
			if kommune == "4601" {
				body = bergenBody
			}
			r, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: key + "-0123456789abcdef", Kommune: kommune, Registrar: registrar})
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		route := func(id string, reasons ...string) string {
			t.Helper()
			res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken", Reasons: reasons})
			if err != nil {
				t.Fatal(err)
			}
			return res.Batch.ID
		}
		deliver := func(batchID string, receipts ...batches.ReceiptItem) {
			t.Helper()
			if _, _, err := b.store.Batches.SealBatch(ctx, batchID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.Batches.RecordDelivery(ctx, batchID, "system:deliver", receipts); err != nil {
				t.Fatal(err)
			}
		}
		action := func(id, reason string) casework.CaseAction {
			t.Helper()
			a, err := b.store.Application(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return casework.CaseAction{User: kari, ApplicationID: id, Version: a.Version, Form: b.form, Reason: reason}
		}
		reference := func(id string) string {
			a, _ := b.store.Application(ctx, id)
			return *a.Reference
		}

		appA, appB, appC := submit("a", "0301", nil), submit("b", "0301", nil), submit("c", "0301", &kari)
		appD, appE, appF := submit("d", "0301", nil), submit("e", "0301", nil), submit("f", "4601", nil)
		first := route(appA)
		route(appC)
		route(appB, "costsAboveCeiling")
		route(appD, "duplicate", "costsAboveCeiling")
		route(appE, "registeredElsewhere")
		route(appF)
		clock.Set(at(2, 11))
		deliver(first, batches.ReceiptItem{Reference: reference(appA), Outcome: batches.OutcomeAccepted},
			batches.ReceiptItem{Reference: reference(appC), Outcome: batches.OutcomeRejected, Reason: "  Inntekten er\tover grensen "})
		clock.Set(at(2, 12))
		if err := b.store.Casework.Approve(ctx, action(appB, "")); err != nil {
			t.Fatal(err)
		}
		clock.Set(at(2, 13))
		if err := b.store.Casework.Reject(ctx, action(appD, "Søkeren har søkt før")); err != nil {
			t.Fatal(err)
		}
		clock.Set(at(2, 14))
		if err := b.store.Casework.Reject(ctx, action(appC, "Etaten har rett")); err != nil {
			t.Fatal(err)
		}
		clock.Set(at(2, 15))
		var second string
		sealed, err := b.store.Batches.SealDue(ctx, batches.SealRequest{Size: 1, MaxAge: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sealed {
			if s.Kommune == "0301" {
				second = s.ID
			}
		}
		if second == "" {
			t.Fatalf("B's batch was not sealed: %+v", sealed)
		}
		if _, err := b.store.Batches.RecordDelivery(ctx, second, "system:deliver", []batches.ReceiptItem{{Reference: reference(appB), Outcome: batches.OutcomeAccepted}}); err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2026, time.April, 10, 9, 0, 0, 0, oslo))
		route(submit("g", "0301", nil))

		stats := func(f casework.StatisticsFilter) casework.Statistics {
			t.Helper()
			s, err := b.store.Casework.Statistics(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		march := casework.Figures{Month: "2026-03", Digital: 4, Paper: 1, Routed: 5, StraightThrough: 1,
			ToDelivery:       casework.Durations{N: 3, Sum: 7 * time.Hour, Median: time.Hour, P90: 5 * time.Hour},
			InQueue:          casework.Durations{N: 3, Sum: 8 * time.Hour, Median: 3 * time.Hour, P90: 3 * time.Hour},
			RejectedByAgency: 1, RejectedByKommune: 1,
			Rejections: []casework.Rejection{
				{By: casework.RejectedByAgency, Reason: "Inntekten er over grensen", N: 1},
				{By: casework.RejectedByKommune, Reason: "costsAboveCeiling", N: 1},
				{By: casework.RejectedByKommune, Reason: "duplicate", N: 1},
			}}
		april := casework.Figures{Month: "2026-04", Digital: 1, Routed: 1, StraightThrough: 1}
		got := stats(casework.StatisticsFilter{Kommuner: kari.Kommuner, From: calendar.Month{Year: 2026, Month: time.February}, To: calendar.Month{Year: 2026, Month: time.April}})
		want := []casework.Figures{{Month: "2026-02"}, march, april}
		if !reflect.DeepEqual(got.Months, want) {
			t.Errorf("Oslo's months:\n got %+v\nwant %+v", got.Months, want)
		}
		if got.Total.Applications() != 6 || got.Total.Routed != 6 || got.Total.StraightThrough != 2 || got.Total.ToDelivery != march.ToDelivery {
			t.Errorf("Oslo's total: %+v", got.Total)
		}
		if share, ok := got.Months[1].StraightThroughShare(); !ok || share != 0.2 {
			t.Errorf("March's share straight through: %v, %v; want 0.2", share, ok)
		}
		if _, ok := got.Months[0].StraightThroughShare(); ok {
			t.Error("February, with nothing routed, has a share")
		}

		// The period bounds what is counted; another kommune's caseworker
		// counts only hers.
		if got := stats(casework.StatisticsFilter{Kommuner: kari.Kommuner, From: calendar.Month{Year: 2026, Month: time.April}, To: calendar.Month{Year: 2026, Month: time.April}}); !reflect.DeepEqual(got.Months, []casework.Figures{april}) {
			t.Errorf("April alone: %+v", got.Months)
		}
		bergen := stats(casework.StatisticsFilter{Kommuner: per.Kommuner, From: calendar.Month{Year: 2026, Month: time.March}, To: calendar.Month{Year: 2026, Month: time.March}})
		if len(bergen.Months) != 1 || bergen.Months[0].Digital != 1 || bergen.Months[0].Routed != 1 || bergen.Months[0].Paper != 0 {
			t.Errorf("Bergen's March: %+v", bergen.Months)
		}
		if none := stats(casework.StatisticsFilter{From: calendar.Month{Year: 2026, Month: time.March}, To: calendar.Month{Year: 2026, Month: time.March}}); none.Total.Applications() != 0 {
			t.Errorf("no kommuner counts %+v", none.Total)
		}

		// The operator's view: every kommune apart.
		all := stats(casework.StatisticsFilter{AllKommuner: true, ByKommune: true, From: calendar.Month{Year: 2026, Month: time.March}, To: calendar.Month{Year: 2026, Month: time.April}})
		var kommuner []string
		for _, f := range all.Months {
			kommuner = append(kommuner, f.Kommune+" "+f.Month)
		}
		if want := []string{"0301 2026-03", "0301 2026-04", "4601 2026-03", "4601 2026-04"}; !reflect.DeepEqual(kommuner, want) {
			t.Errorf("by kommune: %v, want %v", kommuner, want)
		}
		if oslo := all.Months[0]; oslo.Applications() != 5 || oslo.StraightThrough != 1 || oslo.InQueue != march.InQueue {
			t.Errorf("Oslo's March by kommune: %+v", oslo)
		}

		for _, bad := range []casework.StatisticsFilter{
			{Kommuner: kari.Kommuner},
			{Kommuner: kari.Kommuner, From: calendar.Month{Year: 2026, Month: time.April}, To: calendar.Month{Year: 2026, Month: time.March}},
			{Kommuner: kari.Kommuner, From: calendar.Month{Year: 2016, Month: time.April}, To: calendar.Month{Year: 2026, Month: time.March}},
		} {
			if _, err := b.store.Casework.Statistics(ctx, bad); !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("period %v–%v: %v, want ErrInvalid", bad.From, bad.To, err)
			}
		}
	})
}
