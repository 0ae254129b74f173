package forms

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestErrorsAreCappedAndSayTheyWereTruncated: however many errors a body
// holds, the result lists the first MaxErrors in layout order, the same ones
// every time, and says there were more (the security review's L2).
func TestErrorsAreCappedAndSayTheyWereTruncated(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	manyItems := func() []byte {
		doc := example(t)
		items := make([]any, 5000)
		for i := range items {
			items[i] = 1
		}
		doc["household"] = items
		data, _ := json.Marshal(doc)
		return data
	}
	nestedUnknownKeys := func(n int) []byte {
		var buf strings.Builder
		buf.WriteString(`{"applicant":{"givenName":"Kari"`)
		for i := range n {
			fmt.Fprintf(&buf, `,"unknown%05d":1`, i)
		}
		buf.WriteString("}}")
		return []byte(buf.String())
	}
	tests := []struct {
		name    string
		body    []byte
		unknown string // the unknown keys' pointers start with this
	}{
		{"500 unknown top-level keys", unknownKeysBody(500), "/unknown"},
		{"5,000 unknown keys in a known object", nestedUnknownKeys(5000), "/applicant/unknown"},
		{"5,000 household members that are not objects", manyItems(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []FieldError
			for range 3 {
				res, err := b.form.ValidateJSON(tt.body, Options{Mode: Full})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Errors) != MaxErrors || !res.Truncated || res.Valid {
					t.Fatalf("%d errors, truncated %v, valid %v; want %d, true, false", len(res.Errors), res.Truncated, res.Valid, MaxErrors)
				}
				if before != nil && fmt.Sprint(before) != fmt.Sprint(res.Errors) {
					t.Fatalf("another run listed other errors:\n%v\n%v", before, res.Errors)
				}
				before = res.Errors
				// The unknown keys listed are the first by name.
				next := 0
				for _, e := range res.Errors {
					if tt.unknown != "" && strings.HasPrefix(e.Pointer, tt.unknown) {
						if want := fmt.Sprintf("%s%05d", tt.unknown, next); e.Pointer != want || e.Code != "unknown" {
							t.Fatalf("error %+v, want the unknown key %s", e, want)
						}
						next++
					}
				}
				if tt.unknown != "" && next == 0 {
					t.Fatalf("no unknown key is listed: %v", res.Errors)
				}
				out, _ := json.Marshal(res)
				if !strings.Contains(string(out), `"truncated":true`) || len(out) > 32<<10 {
					t.Fatalf("the answer is %d bytes and does not say it was truncated: %.200s", len(out), out)
				}
			}
		})
	}

	res := b.form.Validate(example(t), Options{Mode: Full})
	if res.Truncated {
		t.Error("the valid example is marked truncated")
	}
	out, _ := json.Marshal(res)
	if strings.Contains(string(out), "truncated") {
		t.Errorf("an untruncated result mentions truncation: %s", out)
	}
}
