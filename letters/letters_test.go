package letters_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/letters"
	"github.com/skjema/skjema/letters/letterstest"
)

var decidedAt = time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC)

func oslo() letters.Sender {
	return letters.Sender{Name: "Oslo kommune", Unit: "Boligkontoret", Address: []string{"Postboks 1", "0037 Oslo"},
		Web: "www.oslo.kommune.no", AppealBody: "Klagenemnda for startlån"}
}

func TestDecisionLetterSaysTheDecisionAndHowToAppeal(t *testing.T) {
	for _, c := range []struct {
		name string
		d    letters.Decision
		want []string
	}{
		{"a grant in bokmål", letters.Decision{Sender: oslo(), Lang: forms.Bokmal, Reference: "SL-2026-000012", Title: "Vedtak om startlån",
			To: []string{"Kari Nordmann", "Ola Nordmann"}, At: decidedAt, Granted: true, Amount: 2400000, RatePercent: "4.5", TermYears: 30,
			LegalBasis: "Vedtaket er gjort etter forskrift om startlån § 3.", DecidedBy: "Frida Fullmakt", RecommendedBy: "Sara Saksbehandler"},
			[]string{"Oslo kommune", "Postboks 1", "0037 Oslo", "Dato 2. desember 2026", "Vår referanse SL-2026-000012",
				"Til Kari Nordmann, Ola Nordmann", "Vedtak om startlån", "Oslo kommune har innvilget søknaden din.",
				"Lån 2 400 000 kr", "Rente 4,5 %", "Nedbetalingstid 30 år", "forskrift om startlån § 3",
				"innen tre uker fra det kom fram til deg (forvaltningsloven §§ 28 og 29)", "Send klagen til Oslo kommune, Postboks 1, 0037 Oslo",
				"Klagenemnda for startlån", "forvaltningsloven §§ 18 og 19",
				"Vedtaket er gjort av Frida Fullmakt etter innstilling fra Sara Saksbehandler", "Side 1 av 1"}},
		{"a refusal in nynorsk", letters.Decision{Sender: letters.Sender{Name: "Bø kommune"}, Lang: forms.Nynorsk, Reference: "SL-2026-000013",
			At: decidedAt, Reasons: []string{"Søkjaren kan få eit tilstrekkeleg lån i ein vanleg bank"}, Grounds: "Banken har gitt deg tilbod om lån.",
			DecidedBy: "Frida Fullmakt", RecommendedBy: "Sara Saksbehandler"},
			[]string{"Bø kommune", "Vedtak", "Bø kommune har avslått søknaden din.", "Grunngiving", "Vedtaket byggjer på dette:",
				"Søkjaren kan få eit tilstrekkeleg lån i ein vanleg bank", "Banken har gitt deg tilbod om lån.",
				"innan tre veker", "Send klaga til Bø kommune.", "klageorganet i kommunen", "Med helsing"}},
		{"a grant in English", letters.Decision{Sender: oslo(), Lang: forms.English, Reference: "SL-2026-000014", At: decidedAt, Granted: true,
			Amount: 900000, RatePercent: "5", TermYears: 25},
			[]string{"Date 2 December 2026", "Our reference SL-2026-000014", "Oslo kommune has granted your application.", "Interest rate 5%",
				"Repayment period 25 years", "within three weeks", "Page 1 of 1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := letters.DecisionLetter(c.d)
			if err != nil {
				t.Fatal(err)
			}
			text := letterstest.Text(t, b)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("the letter lacks %q", w)
				}
			}
			if t.Failed() {
				t.Log(text)
			}
			again, _ := letters.DecisionLetter(c.d)
			if !bytes.Equal(b, again) {
				t.Error("the same decision gave another letter")
			}
		})
	}
	if _, err := letters.DecisionLetter(letters.Decision{Lang: forms.Bokmal}); err == nil {
		t.Error("a letter with no sender, reference or date was written")
	}
}

func TestCopyHoldsEveryAnswerAndFile(t *testing.T) {
	long := make([]forms.Row, 0, 120)
	for i := range 120 { // more than a page: the copy goes on to the next
		long = append(long, forms.Row{Label: "Inntekt " + string(rune('A'+i%26)), Value: "1 000"})
	}
	c := letters.Copy{Lang: forms.Bokmal, Title: "Søknad om bostøtte", Reference: "BOS-2026-000123", Kommune: "Bergen",
		SubmittedAt: decidedAt, Month: "2027-01",
		Sections: []forms.Section{
			{Title: "Om deg", Rows: []forms.Row{{Label: "Fornavn", Value: "Åse"}, {Label: "Telefon"}, {Label: "E-post", Optional: true}}},
			{Title: "Husstanden", Rows: []forms.Row{{Label: "Husstandsmedlem 1", Heading: true}, {Label: "Fornavn til husstandsmedlem 1", Value: "Øystein"}}},
			{Title: "Inntekter", Rows: long},
		},
		Files: []letters.File{{Attachment: "Husleiekontrakt", Name: "kontrakt.pdf", Size: 1_450_000}},
	}
	b, err := letters.CopyOf(c)
	if err != nil {
		t.Fatal(err)
	}
	text := letterstest.Text(t, b)
	for _, w := range []string{"Søknad om bostøtte", "Kopi av søknaden", "Vår referanse BOS-2026-000123", "Sendt 2. desember 2026 kl. 14.05",
		"Kommune Bergen", "Gjelder måned januar 2027", "Om deg", "Fornavn Åse", "Telefon Ikke svart", "E-post Ikke oppgitt (valgfritt)", "Husstandsmedlem 1",
		"Fornavn til husstandsmedlem 1 Øystein", "Vedlegg", "Husleiekontrakt kontrakt.pdf (1,4 MB)", "Side 2 av"} {
		if !strings.Contains(text, w) {
			t.Errorf("the copy lacks %q", w)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
	if _, err := letters.CopyOf(letters.Copy{}); err == nil {
		t.Error("a copy with no reference was written")
	}
}

func TestParseSendersIsStrict(t *testing.T) {
	heads, err := letters.ParseSenders([]byte(`{"0301": {"name": "Oslo kommune", "address": ["Postboks 1", "0037 Oslo"], "appealBody": "Klagenemnda"}}`), nil, decidedAt)
	if err != nil || heads["0301"].Name != "Oslo kommune" || heads["0301"].Address[1] != "0037 Oslo" || heads["0301"].AppealBody != "Klagenemnda" {
		t.Fatalf("ParseSenders = %+v, %v", heads, err)
	}
	for _, bad := range []string{
		`[]`,
		`{"0301": {"name": "Oslo kommune", "adress": []}}`, // a misspelt member
		`{"301": {"name": "Oslo kommune"}}`,
		`{"0301": {"unit": "Boligkontoret"}}`,
		`{"0301": {"name": "Oslo kommune", "address": ["Postboks 1", " "]}}`,
		`{"0301": {"name": "Oslo kommune"}} {}`,
	} {
		if _, err := letters.ParseSenders([]byte(bad), nil, decidedAt); err == nil {
			t.Errorf("ParseSenders(%s) took it", bad)
		}
	}
}

func TestFormCopyOfStartlan(t *testing.T) {
	r, err := forms.Load(forms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := r.Form("startlan")
	raw, err := os.ReadFile("../examples/startlan/application.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	doc["attachments"].(map[string]any)["payslips"] = map[string]any{"status": "uploaded",
		"files": []any{map[string]any{"id": "f1", "name": "lønnsslipp-oktober.pdf", "contentType": "application/pdf", "size": 48213.0}}}
	for _, lang := range forms.Langs {
		data, _ := json.Marshal(doc)
		b, err := letters.FormCopy(f, data, letters.Copy{Lang: lang, Reference: "SL-2026-000001", Kommune: "Oslo", SubmittedAt: decidedAt})
		if err != nil {
			t.Fatal(err)
		}
		text := letterstest.Text(t, b)
		for _, w := range []string{f.Text(lang, "form.title"), "SL-2026-000001", "Kari", "Nordmann", "Ola", f.Text(lang, "page.coApplicants.title"),
			f.Text(lang, "attachment.payslips.label") + " lønnsslipp-oktober.pdf (48 kB)"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the copy lacks %q", lang, w)
			}
		}
	}
}

// Anything a citizen can type reaches the PDF: an emoji, a character beyond
// the Basic Multilingual Plane, a control character or invalid UTF-8 must
// give a letter, not an error (the case would answer 500 and the decision
// could not be made).
func TestLettersTakeAnyText(t *testing.T) {
	odd := []string{"Åse 😀", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "tab\there\x00nul", "bad \xff\xfe bytes", "ﬁ ligature and \u202e bidi", "👨‍👩‍👧 family"}
	for _, s := range odd {
		b, err := letters.CopyOf(letters.Copy{Lang: forms.Bokmal, Title: s, Reference: "BOS-2026-000123", Kommune: s, SubmittedAt: decidedAt,
			Sections: []forms.Section{{Title: s, Rows: []forms.Row{{Label: s, Value: s}}}},
			Files:    []letters.File{{Attachment: s, Name: s, Size: 10}}})
		if err != nil {
			t.Errorf("CopyOf(%q): %v", s, err)
			continue
		}
		if text := letterstest.Text(t, b); !strings.Contains(text, "BOS-2026-000123") {
			t.Errorf("CopyOf(%q) lost the reference: %s", s, text)
		}
		d := letters.Decision{Sender: oslo(), Lang: forms.Bokmal, Reference: "SL-2026-000012", Title: s, To: []string{s}, At: decidedAt,
			Reasons: []string{s}, Grounds: s, DecidedBy: s, RecommendedBy: s}
		if _, err := letters.DecisionLetter(d); err != nil {
			t.Errorf("DecisionLetter(%q): %v", s, err)
		}
	}
	b, err := letters.CopyOf(letters.Copy{Lang: forms.Bokmal, Reference: "BOS-2026-000124", SubmittedAt: decidedAt,
		Sections: []forms.Section{{Title: "Om deg", Rows: []forms.Row{{Label: "Fornavn", Value: "Åse 😀 Ærlig"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if text := letterstest.Text(t, b); !strings.Contains(text, "Åse") || !strings.Contains(text, "Ærlig") {
		t.Errorf("the letters around an emoji are lost: %s", text)
	}
}

func FuzzCopyOf(f *testing.F) {
	f.Add("Åse 😀")
	f.Add("\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := letters.CopyOf(letters.Copy{Lang: forms.Bokmal, Reference: "BOS-2026-000123", SubmittedAt: decidedAt,
			Sections: []forms.Section{{Title: s, Rows: []forms.Row{{Label: s, Value: s}}}}}); err != nil {
			t.Errorf("CopyOf(%q): %v", s, err)
		}
	})
}

// BenchmarkDecisionLetter: the letter is written inside the decision's
// transaction, so its time is time the SQLite writer is held.
func BenchmarkDecisionLetter(b *testing.B) {
	d := letters.Decision{Sender: oslo(), Lang: forms.Bokmal, Reference: "SL-2026-000012", Title: "Vedtak om startlån",
		To: []string{"Kari Nordmann", "Ola Nordmann"}, At: decidedAt, Granted: true, Amount: 2400000, RatePercent: "4.5", TermYears: 30,
		LegalBasis: "Vedtaket er gjort etter forskrift om startlån § 3.", DecidedBy: "Frida Fullmakt", RecommendedBy: "Sara Saksbehandler"}
	for b.Loop() {
		if _, err := letters.DecisionLetter(d); err != nil {
			b.Fatal(err)
		}
	}
}
