package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/web"
)

// unknownKeys is an object of n members the form does not know, each
// `"unknown00000":1` (with n = 60,000 about 1 MB: the security review's L2).
func unknownKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"message":"a: b: c"`)
	for i := range n {
		fmt.Fprintf(&b, `,"unknown%05d":1`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// TestManyKeysCostLittleAndAnswerLittle: a body of 60,000 unknown keys is
// refused before it is decoded; one of 999 is validated, and the answer lists
// the first forms.MaxErrors errors and says there were more.
func TestManyKeysCostLittleAndAnswerLittle(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	key := with(jsonCT, "Idempotency-Key", "many-keys-key-000001")
	for _, path := range []string{"/api/v1/forms/bostotte/validate", "/api/v1/forms/bostotte/submissions"} {
		r := b.do(t, "POST", path, key, unknownKeys(60000))
		if r.status != 400 || r.body["type"] != web.ProblemBase+"too-many-members" || len(r.raw) > 1000 {
			t.Fatalf("%s with 60,000 unknown keys: %d, %d bytes: %.300s", path, r.status, len(r.raw), r.raw)
		}
	}

	r := b.do(t, "POST", "/api/v1/forms/bostotte/validate", jsonCT, unknownKeys(999))
	if errs, _ := r.body["errors"].([]any); r.status != 200 || len(errs) != forms.MaxErrors || r.body["truncated"] != true || len(r.raw) > 32<<10 {
		t.Fatalf("validate 999 unknown keys: %d, %d errors, truncated %v, %d bytes", r.status, len(errs), r.body["truncated"], len(r.raw))
	}
	r = b.do(t, "POST", "/api/v1/forms/bostotte/submissions", key, unknownKeys(999))
	if errs, _ := r.body["errors"].([]any); r.status != 422 || len(errs) != forms.MaxErrors || r.body["truncated"] != true ||
		!strings.Contains(r.body["detail"].(string), "first 100") || len(r.raw) > 32<<10 {
		t.Fatalf("submit 999 unknown keys: %d, %d errors, truncated %v, %d bytes: %.300s", r.status, len(errs), r.body["truncated"], len(r.raw), r.raw)
	}

	// Colons inside strings and items of arrays are not members.
	r = b.do(t, "POST", "/api/v1/forms/bostotte/validate", jsonCT, []byte(`{"message":"`+strings.Repeat(":", 5000)+`","household":[`+strings.Repeat("{},", 1500)+`{}]}`))
	if r.status != 200 {
		t.Fatalf("colons in a string and 1,501 array items: %d %.300s", r.status, r.raw)
	}
	// A small answer that is not truncated does not mention it.
	r = b.do(t, "POST", "/api/v1/forms/bostotte/validate", jsonCT, b.body)
	if r.status != 200 || r.body["valid"] != true || strings.Contains(r.raw, "truncated") {
		t.Fatalf("the example: %d %.300s", r.status, r.raw)
	}
}
