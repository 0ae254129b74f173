package forms

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkValidateFull validates the example application (applicant and four
// household members, rented home, one attachment) in full mode, as a submit
// does. BenchmarkValidateFullJSON includes decoding the request body, as the
// HTTP validate endpoint does.
func BenchmarkValidateFull(b *testing.B) {
	bundle := setup(b, Config{})
	doc := example(b)
	b.ReportAllocs()
	for b.Loop() {
		if res := bundle.form.Validate(doc, Options{Mode: Full, Lang: Bokmal}); !res.Valid {
			b.Fatal(res.Errors)
		}
	}
}

func BenchmarkValidateFullJSON(b *testing.B) {
	bundle := setup(b, Config{})
	data, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bundle.form.ValidateJSON(data, Options{Mode: Full}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateWithErrors is the partial validation of a document with a
// handful of mistakes, the common case while a citizen types.
func BenchmarkValidateWithErrors(b *testing.B) {
	bundle := setup(b, Config{})
	doc := example(b)
	set(doc, "/household/1/fodselsnummer", "20051551267")
	set(doc, "/payment/kontonummer", "1234")
	set(doc, "/housing/rent", nil)
	b.ReportAllocs()
	for b.Loop() {
		if res := bundle.form.Validate(doc, Options{Mode: Partial, Lang: Nynorsk, Passed: []string{"housing"}}); len(res.Errors) != 3 {
			b.Fatal(res.Errors)
		}
	}
}

// FuzzValidateJSON: no input may panic, and every error names a field with a
// pointer and a message.
func FuzzValidateJSON(f *testing.F) {
	data, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, true)
	f.Add([]byte(`{"household":[1,{"relation":null}],"housing":{"type":"house","hasLoan":"yes"}}`), false)
	f.Add([]byte(`{"applicant":{"fodselsnummer":1e400}}`), true)
	f.Add([]byte(`{"a":{"b":{"c":[[[[{}]]]]}}}`), false)
	r, err := Load(Config{})
	if err != nil {
		f.Fatal(err)
	}
	form, _ := r.Form("bostotte")
	f.Fuzz(func(t *testing.T, data []byte, full bool) {
		mode := Partial
		if full {
			mode = Full
		}
		res, err := form.ValidateJSON(data, Options{Mode: mode, Lang: English, Passed: []string{"applicant", "household"}})
		if err != nil {
			return
		}
		for _, e := range res.Errors {
			if e.Message == "" || e.Code == "" {
				t.Fatalf("incomplete error %+v", e)
			}
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
	})
}

// unknownKeysBody is the review's L2 attack: with n = 60,000, a body of about
// 1 MB whose top level holds keys the schema does not know
// (additionalProperties is false), which once cost most of a second of CPU
// and answered 5 MB of errors.
func unknownKeysBody(n int) []byte {
	var buf strings.Builder
	buf.WriteString(`{"applicant":{"givenName":"Kari"}`)
	for i := range n {
		fmt.Fprintf(&buf, `,"unknown%05d":1`, i)
	}
	buf.WriteString("}")
	return []byte(buf.String())
}

// BenchmarkValidateUnknownKeys validates (with decoding, as the HTTP
// validate endpoint does) a body with 60,000 unknown top-level keys.
func BenchmarkValidateUnknownKeys(b *testing.B) {
	bundle := setup(b, Config{})
	data := unknownKeysBody(60000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := bundle.form.ValidateJSON(data, Options{Mode: Full})
		if err != nil {
			b.Fatal(err)
		}
		if res.Valid {
			b.Fatal("a body of unknown keys passed")
		}
	}
}
