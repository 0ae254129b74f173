package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/letters/letterstest"
)

// TestCopyOfWhatSheSent: the receipt's PDF (issue #15 item 7). No copy
// before the submit; after it, her resume token downloads the PDF with the
// reference and her answers under the form's labels, in the language
// asked for; no one else's token does; and once the application has left
// her hands, the token no longer opens it (security review H1).
func TestCopyOfWhatSheSent(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
		id, token := d.body["id"].(string), d.body["token"].(string)
		copyOf := func(token, query string) response {
			h := map[string]string{}
			if token != "" {
				h["Authorization"] = "Bearer " + token
			}
			return b.do(t, "GET", "/api/v1/drafts/"+id+"/copy"+query, h, nil)
		}
		if r := copyOf(token, ""); r.status != http.StatusConflict || r.body["type"] != "https://skjema.no/problems/not-submitted" {
			t.Fatalf("a copy of a draft: %d %s", r.status, r.raw)
		}
		// One of her household is registered elsewhere: a caseworker looks
		// at it first, and it stays in the kommune's hands meanwhile.
		var doc map[string]any
		json.Unmarshal(b.body, &doc)
		doc["household"].([]any)[0].(map[string]any)["registeredElsewhere"] = true
		body, _ := json.Marshal(doc)
		res := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", id, "Authorization", "Bearer "+token), body)
		if res.status != http.StatusCreated {
			t.Fatalf("submit: %d %s", res.status, res.raw)
		}
		ref := res.body["reference"].(string)
		ctx := context.Background()
		waitFor(t, func() bool { a, _ := b.store.Application(ctx, id); return a.Status == engine.StatusInReview })
		r := copyOf(token, "")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || r.header.Get("Cache-Control") != "no-store" ||
			!strings.Contains(r.header.Get("Content-Disposition"), ref+".pdf") {
			t.Fatalf("the copy: %d %v", r.status, r.header)
		}
		text := letterstest.Text(t, []byte(r.raw))
		for _, w := range []string{"Søknad om bostøtte", "Kopi av søknaden", "Vår referanse " + ref, "Husleie", "14 500", "Vedlegg"} {
			if !strings.Contains(text, w) {
				t.Errorf("the copy lacks %q:\n%s", w, text)
			}
		}
		if en := letterstest.Text(t, []byte(copyOf(token, "?lang=en").raw)); !strings.Contains(en, "Copy of the application") {
			t.Errorf("the English copy:\n%s", en)
		}
		other := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`)).body["token"].(string)
		if r := copyOf(other, ""); r.status != http.StatusNotFound {
			t.Errorf("another's token: %d", r.status)
		}
		if r := copyOf("", ""); r.status != http.StatusUnauthorized {
			t.Errorf("no token: %d", r.status)
		}
		kari := caseworkerFor(t, b.store)
		a, _ := b.store.Application(ctx, id)
		f, _ := b.forms.Form("bostotte")
		if err := b.store.Casework.Approve(ctx, casework.CaseAction{User: kari, ApplicationID: id, Version: a.Version, Form: f}); err != nil {
			t.Fatal(err)
		}
		// Out of her hands, but the receipt is still on her screen: the token
		// reads the copy for an hour (engine's TestTheReceiptsTokenReadsTheCopyForAnHour
		// has the hour end).
		if r := copyOf(token, ""); r.status != http.StatusOK {
			t.Errorf("the token just after it left her hands: %d %s", r.status, r.raw)
		}
	})
}

// TestCopyOfAReturnedApplicationIsWhatSheSent: returned to her, she changes
// the rent in her draft; until she sends it again, her copy (and the
// caseworker's) is still what she sent, not what she is writing (code
// review: the copy said "Sendt" over answers never sent).
func TestCopyOfAReturnedApplicationIsWhatSheSent(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	ctx := context.Background()
	d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
	id, token := d.body["id"].(string), d.body["token"].(string)
	var doc map[string]any
	json.Unmarshal(b.body, &doc)
	doc["household"].([]any)[0].(map[string]any)["registeredElsewhere"] = true
	body, _ := json.Marshal(doc)
	if res := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", id, "Authorization", "Bearer "+token), body); res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.raw)
	}
	waitFor(t, func() bool { a, _ := b.store.Application(ctx, id); return a.Status == engine.StatusInReview })
	kari := caseworkerFor(t, b.store)
	a, _ := b.store.Application(ctx, id)
	f, _ := b.forms.Form("bostotte")
	if err := b.store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: kari, ApplicationID: id, Version: a.Version, Form: f},
		"Hva er husleien fra desember?", nil); err != nil {
		t.Fatal(err)
	}
	doc["housing"].(map[string]any)["rent"] = 16800
	edited, _ := json.Marshal(doc)
	if _, err := b.store.SaveDraft(ctx, id, token, edited, 0); err != nil {
		t.Fatal(err)
	}
	copyText := func() string {
		r := b.do(t, "GET", "/api/v1/drafts/"+id+"/copy", map[string]string{"Authorization": "Bearer " + token}, nil)
		if r.status != http.StatusOK {
			t.Fatalf("the copy: %d %s", r.status, r.raw)
		}
		return letterstest.Text(t, []byte(r.raw))
	}
	if text := copyText(); !strings.Contains(text, "14 500") || strings.Contains(text, "16 800") {
		t.Errorf("the copy of what she sent shows what she is writing:\n%s", text)
	}
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: f, Body: edited, IdempotencyKey: id, Token: token, Kommune: "0301"}); err != nil {
		t.Fatal(err)
	}
	if text := copyText(); !strings.Contains(text, "16 800") {
		t.Errorf("sent again, the copy is not what she sent:\n%s", text)
	}
}
