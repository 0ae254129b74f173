package forms

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestEveryShippedFormHasAValidExample loads the definitions that ship in
// the binary and validates each form's example application
// (examples/<form>/application.json) in every language: an example the
// README, the end-to-end tests and a kommune's own trials submit must never
// drift from its form.
func TestEveryShippedFormHasAValidExample(t *testing.T) {
	t.Parallel()
	r, err := Load(Config{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, f := range r.Forms() {
		t.Run(f.ID, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("..", "examples", f.ID, "application.json"))
			if err != nil {
				t.Fatalf("every shipped form needs an example application: %v", err)
			}
			for _, lang := range Langs {
				var doc map[string]any
				if err := json.Unmarshal(b, &doc); err != nil {
					t.Fatal(err)
				}
				res := f.Validate(doc, Options{Mode: Full, Lang: lang})
				if !res.Valid {
					t.Fatalf("%s: the example is not valid: %+v %+v", lang, res.Errors, res.Screening)
				}
				for _, c := range res.Checklist {
					if c.Label == "" {
						t.Errorf("%s: attachment %s has no label", lang, c.ID)
					}
				}
			}
		})
	}
}
