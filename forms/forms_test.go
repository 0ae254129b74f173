package forms

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/schemas"
)

type testBundle struct {
	form *Form
}

func setup(t testing.TB, cfg Config) *testBundle {
	t.Helper()
	r, err := Load(cfg)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	f, ok := r.Form("bostotte")
	if !ok {
		t.Fatal("bostotte is not in the registry")
	}
	return &testBundle{form: f}
}

// example returns a fresh copy of the complete example application (four
// household members, rented home), which the core issue's README submits too.
func example(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// set writes a value at a pointer, creating objects on the way; a nil value
// deletes.
func set(doc map[string]any, ptr string, v any) {
	parts := jsondoc.Split(ptr)
	parent, _ := jsondoc.Lookup(doc, parts[:len(parts)-1])
	if parent == nil {
		parent, _ = jsondoc.EnsureObject(doc, parts[:len(parts)-1])
	}
	switch p := parent.(type) {
	case map[string]any:
		if v == nil {
			delete(p, parts[len(parts)-1])
		} else {
			p[parts[len(parts)-1]] = v
		}
	case []any:
		var i int
		json.Unmarshal([]byte(parts[len(parts)-1]), &i)
		p[i] = v
	}
}

func errorAt(res Result, ptr string) (FieldError, bool) {
	for _, e := range res.Errors {
		if e.Pointer == ptr {
			return e, true
		}
	}
	return FieldError{}, false
}

func TestExampleApplicationIsValidInEveryLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	for _, lang := range Langs {
		res := b.form.Validate(example(t), Options{Mode: Full, Lang: lang})
		if !res.Valid {
			t.Fatalf("%s: example is not valid: %+v %+v", lang, res.Errors, res.Screening)
		}
	}
}

func TestFieldErrorsNameTheFieldInTheCitizensLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	tests := []struct {
		name     string
		ptr      string
		value    any
		wantCode string
		want     map[Lang]string
	}{
		{
			name: "household member's fødselsnummer with a wrong check digit", ptr: "/household/1/fodselsnummer", value: "20051551267",
			wantCode: "fodselsnummer.checksum",
			want: map[Lang]string{
				Bokmal:  "Fødselsnummer til husstandsmedlem 2 stemmer ikke. Sjekk at du har skrevet alle de 11 sifrene riktig",
				Nynorsk: "Fødselsnummer til husstandsmedlem 2 stemmer ikkje. Sjekk at du har skrive alle dei 11 sifra rett",
				English: "National identity number of household member 2 is not right. Check that you have written all 11 digits correctly",
			},
		},
		{
			name: "applicant's fødselsnummer with a date that does not exist", ptr: "/applicant/fodselsnummer", value: "29020156889",
			wantCode: "fodselsnummer.date",
			want:     map[Lang]string{Bokmal: "Fødselsnummer har en fødselsdato som ikke finnes"},
		},
		{
			name: "synthetic number refused in production", ptr: "/applicant/fodselsnummer", value: "10915596784",
			wantCode: "fodselsnummer.synthetic",
			want:     map[Lang]string{English: "National identity number is a test number and cannot be used"},
		},
		{
			name: "kontonummer with a wrong check digit", ptr: "/payment/kontonummer", value: "1503.12.34563",
			wantCode: "kontonummer.checksum",
			want:     map[Lang]string{Nynorsk: "Kontonummer for utbetaling er ikkje gyldig. Sjekk at du har skrive det rett"},
		},
		{
			name: "missing given name", ptr: "/applicant/givenName", value: "   ",
			wantCode: "required",
			want:     map[Lang]string{Bokmal: "Fornavn må fylles ut", Nynorsk: "Førenamn må fyllast ut", English: "Given name is required"},
		},
		{
			name: "unanswered yes/no question", ptr: "/housing/heatingIncluded", value: nil,
			wantCode: "required",
			want:     map[Lang]string{Bokmal: "Strøm eller oppvarming i boutgiftene: velg et svar"}, // the name now covers felleskostnader too
		},
		{
			name: "relation outside the list", ptr: "/household/0/relation", value: "cousin",
			wantCode: "enum",
			want:     map[Lang]string{Bokmal: "Velg hvem husstandsmedlem 1 er for deg"},
		},
		{
			// As the question asks it ("Hvem er personen for deg?"), not by
			// a name she never saw ("Relasjon"; review F6).
			name: "relation not chosen", ptr: "/household/1/relation", value: nil,
			wantCode: "required",
			want: map[Lang]string{Bokmal: "Velg hvem husstandsmedlem 2 er for deg", Nynorsk: "Vel kven husstandsmedlem 2 er for deg",
				English: "Choose who household member 2 is to you"},
		},
		{
			name: "negative rent", ptr: "/housing/rent", value: -5,
			wantCode: "minimum",
			want:     map[Lang]string{English: "Rent cannot be less than 0"},
		},
		{
			name: "rent with decimals", ptr: "/housing/rent", value: 100.5,
			wantCode: "integer",
			want:     map[Lang]string{Bokmal: "Skriv husleie i hele kroner, uten øre, for eksempel 9500"},
		},
		{
			// How to write it, not "the wrong type" (review F6).
			name: "rent in words", ptr: "/housing/rent", value: "ni tusen",
			wantCode: "type",
			want: map[Lang]string{Bokmal: "Skriv husleie i hele kroner, bare med tall, for eksempel 9500",
				English: "Write rent in whole kroner, in figures only, for example 9500"},
		},
		{
			name: "an e-mail address without @", ptr: "/applicant/email", value: "kari.example.no",
			wantCode: "email.invalid",
			want:     map[Lang]string{Bokmal: "Skriv e-postadresse slik: navn@eksempel.no"},
		},
		{
			name: "declaration not confirmed", ptr: "/declaration/truthful", value: false,
			wantCode: "const",
			want:     map[Lang]string{Bokmal: "Du må bekrefte at opplysningene er riktige og fullstendige"},
		},
		{
			name: "a member the form does not have", ptr: "/applicant/nickname", value: "Kari",
			wantCode: "unknown",
			want:     map[Lang]string{English: "«applicant.nickname» is not part of the form"},
		},
		{
			name: "organisation number of the lender", ptr: "/housing/lenderOrgnr", value: "974760674",
			wantCode: "", // hidden: a renter has no loan, so nothing is said about it
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, lang := range Langs {
				doc := example(t)
				set(doc, tt.ptr, tt.value)
				res := b.form.Validate(doc, Options{Mode: Full, Lang: lang})
				e, found := errorAt(res, tt.ptr)
				if tt.wantCode == "" {
					if found {
						t.Fatalf("%s: unexpected error %+v", lang, e)
					}
					continue
				}
				if !found || e.Code != tt.wantCode {
					t.Fatalf("%s: error at %s = %+v (found %v), want code %s; all: %+v", lang, tt.ptr, e, found, tt.wantCode, res.Errors)
				}
				if want, ok := tt.want[lang]; ok && e.Message != want {
					t.Errorf("%s: message = %q, want %q", lang, e.Message, want)
				}
				if res.Valid {
					t.Errorf("%s: a document with errors is reported valid", lang)
				}
			}
		})
	}
}

func TestNoLibraryTextReachesTheCitizen(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	doc := map[string]any{
		"applicant": map[string]any{"fodselsnummer": 12345, "givenName": strings.Repeat("x", 101), "phone": "x"},
		"household": []any{"not an object", map[string]any{"relation": 3}},
		"housing":   map[string]any{"type": "castle"},
		"income":    map[string]any{"netWealth": "lots"},
		"extra":     true,
	}
	for _, lang := range Langs {
		res := b.form.Validate(doc, Options{Mode: Full, Lang: lang})
		if len(res.Errors) < 10 {
			t.Fatalf("%s: want many errors, got %+v", lang, res.Errors)
		}
		for _, e := range res.Errors {
			for _, english := range []string{"missing property", "expected", "got", "does not match", "must be >=", "additionalProperties"} {
				if strings.Contains(e.Message, english) {
					t.Errorf("%s: library text in %+v", lang, e)
				}
			}
			if e.Message == "" || e.Code == "" || !strings.HasPrefix(e.Pointer, "/") {
				t.Errorf("%s: incomplete error %+v", lang, e)
			}
		}
	}
}

func TestPartialMode(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})

	t.Run("an empty document has nothing to say before any page is passed", func(t *testing.T) {
		res := b.form.Validate(map[string]any{}, Options{Mode: Partial})
		if len(res.Errors) != 0 || !res.Valid {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})
	t.Run("missing answers on a passed page are reported, on later pages not", func(t *testing.T) {
		doc := map[string]any{"eligibility": map[string]any{"conscript": false, "student": false, "institution": false}}
		res := b.form.Validate(doc, Options{Mode: Partial, Passed: []string{"eligibility", "applicant"}})
		var got []string
		for _, e := range res.Errors {
			got = append(got, e.Pointer)
		}
		want := "/applicant/givenName,/applicant/familyName,/applicant/fodselsnummer,/applicant/phone"
		if strings.Join(got, ",") != want {
			t.Fatalf("errors at %v, want %s (in layout order)", got, want)
		}
	})
	t.Run("a wrong value on a later page is reported at once", func(t *testing.T) {
		doc := map[string]any{"payment": map[string]any{"kontonummer": "1234"}}
		res := b.form.Validate(doc, Options{Mode: Partial})
		if e, ok := errorAt(res, "/payment/kontonummer"); !ok || e.Code != "kontonummer.length" || len(res.Errors) != 1 {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})
	t.Run("full mode reports every missing answer", func(t *testing.T) {
		res := b.form.Validate(map[string]any{}, Options{Mode: Full})
		for _, ptr := range []string{"/eligibility/conscript", "/applicant/fodselsnummer", "/address/kommunenummer", "/housing/type", "/income/netWealth", "/declaration/truthful"} {
			if e, ok := errorAt(res, ptr); !ok || e.Code != "required" {
				t.Errorf("no required error at %s: %+v", ptr, res.Errors)
			}
		}
	})
	// Issue #13 item 4: the kontonummer is optional (Husbanken pays by giro
	// or card without one [P-utbetaling][K-konto]), and register data is
	// fetched under bustøttelova § 8, not by consent [L-§8][P-personvern].
	t.Run("no kontonummer and no consent is a complete application", func(t *testing.T) {
		doc := example(t)
		delete(doc, "payment")
		delete(doc["declaration"].(map[string]any), "consent")
		if res := b.form.Validate(doc, Options{Mode: Full}); !res.Valid {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})
	t.Run("a consent from a draft saved before is accepted", func(t *testing.T) {
		doc := example(t)
		doc["declaration"].(map[string]any)["consent"] = true
		if res := b.form.Validate(doc, Options{Mode: Full}); !res.Valid {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})
	t.Run("a kontonummer of no bank is refused", func(t *testing.T) {
		doc := example(t)
		doc["payment"] = map[string]any{"kontonummer": "0000.00.00000"}
		if e, ok := errorAt(b.form.Validate(doc, Options{Mode: Full}), "/payment/kontonummer"); !ok || e.Code != "kontonummer.register" {
			t.Fatalf("error = %+v, want kontonummer.register", e)
		}
	})
}

func TestHiddenFieldsAreNeverRequiredAndAreDropped(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	tests := []struct {
		name       string
		edit       map[string]any
		wantGone   []string
		notWanted  []string // pointers that must carry no error
		wantErrors []string
	}{
		{
			name:      "a home owner's rent is hidden and dropped",
			edit:      map[string]any{"/housing/type": "house", "/housing/hasLoan": false},
			wantGone:  []string{"/housing/rent", "/housing/heatingIncluded", "/attachments/lease"},
			notWanted: []string{"/housing/rent", "/housing/heatingIncluded", "/housing/interest", "/attachments/lease"},
		},
		{
			name:       "a loan makes its costs required",
			edit:       map[string]any{"/housing/type": "house", "/housing/hasLoan": true},
			wantErrors: []string{"/housing/interest", "/housing/instalments", "/attachments/loanPlan"},
			// No source asks for the lender's organisasjonsnummer (issue #13 item 3).
			notWanted: []string{"/housing/lenderOrgnr"},
		},
		{
			name:      "a household member's other incomes are asked per person, only when she has some ([V-inntekt])",
			edit:      map[string]any{"/household/0/otherIncome": false, "/household/0/capitalIncome": 5000},
			wantGone:  []string{"/household/0/capitalIncome"},
			notWanted: []string{"/household/0/capitalIncome"},
		},
		{
			name:      "heating is asked of pensioners only (forskrift § 2 d [L-fsk])",
			edit:      map[string]any{"/housing/pensioner": false, "/housing/heatingIncluded": true},
			wantGone:  []string{"/housing/heatingIncluded"},
			notWanted: []string{"/housing/heatingIncluded"},
		},
		{
			name:       "a pensioner in a borettslag is asked about heating in the shared costs (forskrift § 2 d)",
			edit:       map[string]any{"/housing": map[string]any{"type": "cooperative", "sharedCosts": 3000, "hasLoan": false, "pensioner": true}},
			wantErrors: []string{"/housing/heatingIncluded"},
		},
		{
			name:       "a specially adapted home needs its description and the document [V-dok]",
			edit:       map[string]any{"/housing/adapted": true},
			wantErrors: []string{"/housing/adaptedDescription", "/attachments/adapted"},
		},
		{
			name:      "a loan answered then hidden by a change of housing type is dropped with its costs",
			edit:      map[string]any{"/housing/hasLoan": true, "/housing/interest": 3000},
			wantGone:  []string{"/housing/hasLoan", "/housing/interest"},
			notWanted: []string{"/housing/instalments", "/housing/lenderOrgnr"},
		},
		{
			name:      "the Lånekassen question is hidden for non-students",
			edit:      map[string]any{"/eligibility/studentLanekassen": true},
			wantGone:  []string{"/eligibility/studentLanekassen"},
			notWanted: []string{"/eligibility/studentLanekassen"},
		},
		{
			name:       "the Lånekassen question is required for students",
			edit:       map[string]any{"/eligibility/student": true},
			wantErrors: []string{"/eligibility/studentLanekassen"},
		},
		{
			name:      "other incomes are hidden when the citizen has none",
			edit:      map[string]any{"/income/otherIncome": false, "/income/foreignIncome": 5000},
			wantGone:  []string{"/income/capitalIncome", "/income/foreignIncome"},
			notWanted: []string{"/income/foreignCountry", "/attachments/foreignIncome"},
		},
		{
			name:       "foreign income needs its country (dependentRequired)",
			edit:       map[string]any{"/income/foreignIncome": 5000},
			wantErrors: []string{"/income/foreignCountry"},
			// Husbanken's documentation list asks no proof of foreign income [V-dok].
			notWanted: []string{"/attachments/foreignIncome"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := example(t)
			for p, v := range tt.edit {
				set(doc, p, v)
			}
			res := b.form.Validate(doc, Options{Mode: Full})
			for _, p := range tt.wantGone {
				if _, ok := jsondoc.Lookup(res.Document, jsondoc.Split(p)); ok {
					t.Errorf("%s is still in the prepared document", p)
				}
			}
			for _, p := range tt.notWanted {
				if e, ok := errorAt(res, p); ok {
					t.Errorf("hidden field has an error: %+v", e)
				}
			}
			for _, p := range tt.wantErrors {
				if _, ok := errorAt(res, p); !ok {
					t.Errorf("no error at %s; errors: %+v", p, res.Errors)
				}
			}
			if len(tt.wantErrors) == 0 && !res.Valid {
				t.Errorf("want valid, got %+v", res.Errors)
			}
		})
	}
}

// TestHiddenWinsOverASchemaThatRequiresIt: a definition whose schema always
// requires rent, while its layout hides rent from home owners, must still not
// ask a home owner for rent. The layout is what the citizen sees.
func TestHiddenWinsOverASchemaThatRequiresIt(t *testing.T) {
	t.Parallel()
	fsys := copyBostotte(t)
	schema := strings.Replace(string(fsys["bostotte/schema.json"].Data), `"required": ["type"]`, `"required": ["type", "rent"]`, 1)
	fsys["bostotte/schema.json"] = &fstest.MapFile{Data: []byte(schema)}
	b := setup(t, Config{Builtin: fsys})
	doc := example(t)
	set(doc, "/housing/type", "house")
	set(doc, "/housing/hasLoan", false)
	if res := b.form.Validate(doc, Options{Mode: Full}); !res.Valid {
		t.Fatalf("a hidden field was required: %+v", res.Errors)
	}
	set(doc, "/housing/type", "rented")
	set(doc, "/housing/rent", nil)
	if _, ok := errorAt(b.form.Validate(doc, Options{Mode: Full}), "/housing/rent"); !ok {
		t.Fatal("a visible required field was not reported")
	}
}

func copyBostotte(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range []string{"schema.json", "layout.json", "rules.json", "texts.nb.json", "texts.nn.json", "texts.en.json"} {
		b, err := schemas.FS.ReadFile("bostotte/" + name)
		if err != nil {
			t.Fatal(err)
		}
		fsys["bostotte/"+name] = &fstest.MapFile{Data: b}
	}
	return fsys
}

func TestPrepareNormalisesAndLeavesTheInputAlone(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	doc := example(t)
	set(doc, "/payment/kontonummer", " 1503 12 34562 ")
	set(doc, "/housing/rent", "14 500")
	set(doc, "/applicant/email", "")
	res := b.form.Validate(doc, Options{Mode: Full})
	if !res.Valid {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if got, _ := jsondoc.Lookup(res.Document, jsondoc.Split("/payment/kontonummer")); got != "15031234562" {
		t.Errorf("kontonummer = %v, want bare digits", got)
	}
	if got, _ := jsondoc.Lookup(res.Document, jsondoc.Split("/housing/rent")); got != json.Number("14500") {
		t.Errorf("rent = %#v, want the number 14500", got)
	}
	if _, ok := jsondoc.Lookup(res.Document, jsondoc.Split("/applicant/email")); ok {
		t.Error("an empty optional answer should be dropped")
	}
	if got, _ := jsondoc.Lookup(doc, jsondoc.Split("/payment/kontonummer")); got != " 1503 12 34562 " {
		t.Errorf("Validate changed its input: %v", got)
	}
}

func TestChecklist(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	upload := map[string]any{"status": "uploaded", "files": []any{map[string]any{"id": "f1", "name": "a.pdf", "contentType": "application/pdf", "size": 100}}}
	later := map[string]any{"status": "later"}
	tests := []struct {
		name string
		edit map[string]any
		want string // id:status, in rule order
	}{
		{"kommunal rental: nothing", nil, ""},
		{"rented home: the lease, uploaded", map[string]any{"/housing/type": "rented", "/attachments/lease": upload}, "lease:provided"},
		{"rented home: the lease missing", map[string]any{"/housing/type": "rented"}, "lease:missing"},
		{"borettslag with a loan: shared costs and loan plan",
			map[string]any{"/housing/type": "cooperative", "/housing/sharedCosts": 3200, "/housing/hasLoan": true, "/housing/interest": 4000, "/housing/instalments": 2500, "/housing/lenderOrgnr": "974760673", "/attachments": map[string]any{"sharedCostsStatement": later}},
			"loanPlan:missing,sharedCostsStatement:later"},
		{"enebolig with a loan: the loan plan",
			map[string]any{"/housing/type": "house", "/housing/hasLoan": true, "/housing/interest": 4000, "/housing/instalments": 2500, "/housing/lenderOrgnr": "974760673", "/attachments": map[string]any{"loanPlan": upload}},
			"loanPlan:provided"},
		{"enebolig without a loan: nothing", map[string]any{"/housing/type": "house", "/housing/hasLoan": false}, ""},
		{"foreign income asks no proof ([V-dok] does not)", map[string]any{"/housing/type": "rented", "/attachments/lease": upload, "/income/foreignIncome": 1000, "/income/foreignCountry": "Sverige"}, "lease:provided"},
		{"enebolig with eiendomsskatt: its documentation [V-dok]", map[string]any{"/housing/type": "house", "/housing/hasLoan": false, "/housing/propertyTax": 4800}, "propertyCosts:missing"},
		{"a specially adapted home: its description [V-dok]", map[string]any{"/housing/adapted": true, "/housing/adaptedDescription": "Rullestoltilpasset bad, finansiert med tilskudd fra kommunen"}, "adapted:missing"},
		{"a student in arbeidsrettet tiltak: the vedtak [V-dok]",
			map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "arbeidskvalifisering"}, "labourProgramme:missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := example(t)
			for p, v := range tt.edit {
				set(doc, p, v)
			}
			res := b.form.Validate(doc, Options{Mode: Full})
			var got []string
			for _, c := range res.Checklist {
				got = append(got, c.ID+":"+c.Status)
				if c.Label == "" {
					t.Errorf("checklist item %s has no label", c.ID)
				}
				_, hasErr := errorAt(res, "/attachments/"+c.ID)
				if hasErr != (c.Status == "missing") {
					t.Errorf("%s is %s, but error reported = %v", c.ID, c.Status, hasErr)
				}
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("checklist = %v, want %s", got, tt.want)
			}
			partial := b.form.Validate(doc, Options{Mode: Partial, Passed: []string{"eligibility"}})
			for _, e := range partial.Errors {
				if e.Code == "attachment.missing" {
					t.Errorf("partial mode before the attachments page reports %+v", e)
				}
			}
		})
	}
}

func TestScreening(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	tests := []struct {
		name string
		edit map[string]any
		want string
	}{
		// The sources are ../shared/domain/bostotte-startlan-sources.md's keys.
		{"eligible", nil, ""},
		{"in førstegangstjeneste is not eligible (bustøttelova § 4)", map[string]any{"/eligibility/conscript": true}, "conscript"},
		{"student with Lånekassen, no exception and no child under 18 is not eligible (§ 4 [L-bsl])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "none", "/eligibility/childUnder18": false}, "student"},
		{"student with Lånekassen and a child under 18 at home is eligible (§ 4, [P-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "none", "/eligibility/childUnder18": true}, ""},
		{"student in arbeidskvalifisering is eligible (§ 4 [L-bsl])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "arbeidskvalifisering",
			"/attachments/labourProgramme": map[string]any{"status": "later"}}, ""},
		{"student with AAP is eligible ([K-student][EN-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "aap"}, ""},
		{"student with uføretrygd is eligible ([K-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "uforetrygd"}, ""},
		{"student with introduksjonsstønad is eligible ([K-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "introduksjonsstonad"}, ""},
		{"student with kvalifiseringsstønad is eligible ([K-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "kvalifiseringsstonad"}, ""},
		{"pupil in grunnskole is eligible ([K-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "grunnskole"}, ""},
		{"adult over 25 with voksenrett is eligible ([K-student])", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": true, "/eligibility/studentException": "voksenrett"}, ""},
		{"student without Lånekassen may apply", map[string]any{"/eligibility/student": true, "/eligibility/studentLanekassen": false}, ""},
		{"an applicant with only a D-nummer is not eligible ([V-2.2.1])", map[string]any{"/applicant/fodselsnummer": "45059010046"}, "dnummer"},
		{"institution resident paying by income is not eligible (§ 4)", map[string]any{"/eligibility/institution": true}, "institution"},
		{"a bokollektiv without health or social reasons is not eligible (§ 5 [L-§5-2016])", map[string]any{"/housing": map[string]any{"type": "shared", "sharedKind": "none", "rent": 5000, "pensioner": false},
			"/attachments/lease": map[string]any{"status": "later"}}, "sharedNoReason"},
		{"a bokollektiv the kommune approved is eligible (§ 5)", map[string]any{"/housing": map[string]any{"type": "shared", "sharedKind": "kommune", "rent": 5000, "pensioner": false},
			"/attachments/lease": map[string]any{"status": "later"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := example(t)
			for p, v := range tt.edit {
				set(doc, p, v)
			}
			for _, lang := range Langs {
				res := b.form.Validate(doc, Options{Mode: Full, Lang: lang})
				var got []string
				for _, r := range res.Screening.Reasons {
					got = append(got, r.ID)
					if r.Title == "" || r.Explanation == "" {
						t.Errorf("%s: reason %s lacks its texts", lang, r.ID)
					}
				}
				if strings.Join(got, ",") != tt.want || res.Screening.Eligible != (tt.want == "") {
					t.Fatalf("%s: screening = %+v, want %q", lang, res.Screening, tt.want)
				}
				if len(res.Errors) != 0 {
					t.Errorf("%s: screening must not be a field error: %+v", lang, res.Errors)
				}
				if res.Valid != (tt.want == "") {
					t.Errorf("%s: valid = %v for an applicant who is eligible = %v", lang, res.Valid, tt.want == "")
				}
			}
		})
	}
}

func TestRegistersCheckAddressAndTheClock(t *testing.T) {
	t.Parallel()
	day := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	regs := nid.NewRegisters(
		[]nid.Kommune{{Number: "0301", Name: "Oslo"}, {Number: "4601", Name: "Bergen"}, {Number: "5401", Name: "Tromsø", ValidTo: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
		[]nid.Poststed{{Postnummer: "0150", Poststed: "OSLO", Kommunenummer: "0301"}, {Postnummer: "5003", Poststed: "BERGEN", Kommunenummer: "4601"}},
	)
	b := setup(t, Config{Registers: regs, Now: func() time.Time { return day }})
	tests := []struct {
		name, post, kommune, ptr, code string
	}{
		{"Oslo address", "0150", "0301", "", ""},
		{"Bergen postnummer in Oslo", "5003", "0301", "/address/postnummer", "postnummer.kommune"},
		{"unknown postnummer", "0001", "0301", "/address/postnummer", "postnummer.unknown"},
		{"unknown kommune", "0150", "9999", "/address/kommunenummer", "kommunenummer.unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := example(t)
			set(doc, "/address/postnummer", tt.post)
			set(doc, "/address/kommunenummer", tt.kommune)
			res := b.form.Validate(doc, Options{Mode: Full})
			if tt.ptr == "" {
				if !res.Valid {
					t.Fatalf("errors: %+v", res.Errors)
				}
				return
			}
			if e, ok := errorAt(res, tt.ptr); !ok || e.Code != tt.code {
				t.Fatalf("errors = %+v, want %s at %s", res.Errors, tt.code, tt.ptr)
			}
		})
	}
	// Issue #13 item 7: the citizen never types the kommune. It comes with
	// the request (the widget's kommune), fills the address, and the
	// postnummer must lie in it, with a message that says what to do.
	t.Run("the kommune is the widget's, not typed", func(t *testing.T) {
		doc := example(t)
		delete(doc["address"].(map[string]any), "kommunenummer")
		res := b.form.Validate(doc, Options{Mode: Full, Kommune: "0301"})
		if !res.Valid {
			t.Fatalf("errors: %+v", res.Errors)
		}
		if got, _ := jsondoc.Lookup(res.Document, jsondoc.Split("/address/kommunenummer")); got != "0301" {
			t.Fatalf("the stored address names kommune %v, want the widget's 0301", got)
		}
		set(doc, "/address/postnummer", "5003")
		e, ok := errorAt(b.form.Validate(doc, Options{Mode: Full, Kommune: "0301"}), "/address/postnummer")
		// Where the postnummer lies, and which kommune she is in (review F6).
		if want := "Postnummer 5003 ligger i Bergen, ikke i Oslo (0301). Sjekk postnummeret. Bor du i en annen kommune, søker du der"; !ok ||
			e.Code != "postnummer.kommune" || e.Message != want {
			t.Fatalf("a Bergen address in Oslo's form: %+v, want postnummer.kommune: %s", e, want)
		}
	})
	t.Run("a fødselsnummer written with a space, a dot or a dash", func(t *testing.T) {
		for _, written := range []string{"120385 12356", "120385.12356", "120385-12356"} {
			doc := example(t)
			set(doc, "/applicant/fodselsnummer", written)
			res := b.form.Validate(doc, Options{Mode: Full, Kommune: "0301"})
			if got, _ := jsondoc.Lookup(res.Document, jsondoc.Split("/applicant/fodselsnummer")); !res.Valid || got != "12038512356" {
				t.Errorf("%q: valid %v, stored as %v; errors %+v", written, res.Valid, got, res.Errors)
			}
		}
		doc := example(t)
		set(doc, "/applicant/fodselsnummer", "1203 8512356")
		if e, _ := errorAt(b.form.Validate(doc, Options{Mode: Full}), "/applicant/fodselsnummer"); e.Code != "fodselsnummer.digits" {
			t.Errorf("a space elsewhere: %+v", e)
		}
	})
	t.Run("an expired kommunenummer, by the clock", func(t *testing.T) {
		later := setup(t, Config{Registers: regs, Now: func() time.Time { return day.AddDate(2, 0, 0) }})
		doc := example(t)
		set(doc, "/address/kommunenummer", "5401")
		set(doc, "/address/postnummer", "9999") // not in this register: reported, no cross-check
		if e, _ := errorAt(b.form.Validate(doc, Options{}), "/address/kommunenummer"); e.Code != "" {
			t.Errorf("5401 was valid in 2023: %+v", e)
		}
		if e, _ := errorAt(later.form.Validate(doc, Options{}), "/address/kommunenummer"); e.Code != "kommunenummer.expired" {
			t.Errorf("5401 expired in 2024, got %+v", e)
		}
	})
}

func TestValidateJSONRefusesWhatIsNotAnObject(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	for _, in := range []string{"", "[]", "null", "{", `{"a":1} {}`, "\"x\""} {
		if _, err := b.form.ValidateJSON([]byte(in), Options{}); err == nil {
			t.Errorf("ValidateJSON(%q) accepted it", in)
		}
	}
}

func TestParseLang(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Lang{
		"": Bokmal, "nn": Nynorsk, "nn-NO,nn;q=0.9,en;q=0.5": Nynorsk, "en-GB": English,
		"de,en;q=0.5": English, "no": Bokmal, "sv": Bokmal, "NB-no": Bokmal,
	} {
		if got := ParseLang(in); got != want {
			t.Errorf("ParseLang(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestCheckFindsBrokenDefinitions proves the text and layout checks can fail:
// a copy of bostøtte with a text missing in nynorsk, one empty in English, a
// layout field without a label and a condition on a field that is not there
// is refused, and each problem is named.
func TestCheckFindsBrokenDefinitions(t *testing.T) {
	t.Parallel()
	fsys := copyBostotte(t)
	editTexts := func(lang string, edit func(map[string]string)) {
		var m map[string]string
		json.Unmarshal(fsys["bostotte/texts."+lang+".json"].Data, &m)
		edit(m)
		b, _ := json.Marshal(m)
		fsys["bostotte/texts."+lang+".json"] = &fstest.MapFile{Data: b}
	}
	editTexts("nn", func(m map[string]string) { delete(m, "field.applicant.phone.label") })
	editTexts("en", func(m map[string]string) { m["error.required"] = " " })
	for _, lang := range []string{"nb", "nn", "en"} {
		editTexts(lang, func(m map[string]string) { delete(m, "field.address.street.label") })
	}
	layout := strings.Replace(string(fsys["bostotte/layout.json"].Data), `"field": "/housing/hasLoan"`, `"field": "/housing/hasLone"`, 1)
	fsys["bostotte/layout.json"] = &fstest.MapFile{Data: []byte(layout)}

	_, err := Load(Config{Builtin: fsys})
	if err == nil {
		t.Fatal("a broken definition loaded")
	}
	for _, want := range []string{
		"texts.nn.json: field.applicant.phone.label is missing",
		"texts.en.json: error.required is missing or empty",
		"texts.nb.json: field.address.street.label is missing or empty",
		"condition reads /housing/hasLone",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error does not say %q:\n%v", want, err)
		}
	}
}
