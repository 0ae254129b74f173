package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web"
)

// TestOpenAPI holds the OpenAPI document to the server: every route is
// documented and every documented operation is a route, and real responses
// validate against the document's schemas.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	served := b.do(t, "GET", "/api/v1/openapi.json", nil, nil)
	if served.status != 200 || served.body["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d", served.status)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	json.Unmarshal([]byte(served.raw), &doc)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	routes := (&web.Server{}).Routes()
	sort.Strings(documented)
	sort.Strings(routes)
	if strings.Join(documented, "\n") != strings.Join(routes, "\n") {
		t.Fatalf("documented operations:\n%s\n\nroutes:\n%s", strings.Join(documented, "\n"), strings.Join(routes, "\n"))
	}

	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft2020)
	openapi, err := jsonschema.UnmarshalJSON(strings.NewReader(served.raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := compiler.AddResource("skjema:///openapi.json", openapi); err != nil {
		t.Fatal(err)
	}
	check := func(schema string, r response) {
		t.Helper()
		sch, err := compiler.Compile("skjema:///openapi.json#/components/schemas/" + schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(r.raw))
		if err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("a real response does not match %s: %v\n%s", schema, err, r.raw)
		}
	}
	form := b.do(t, "GET", "/api/v1/forms/bostotte", nil, nil)
	check("Definition", form)
	check("ValidationResult", b.do(t, "POST", "/api/v1/forms/bostotte/validate?mode=partial&pages=applicant", jsonCT, []byte(`{"applicant":{"fodselsnummer":"1"}}`)))
	draft := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte"}`))
	check("Draft", draft)
	auth := with(jsonCT, "Authorization", "Bearer "+draft.body["token"].(string))
	check("DraftView", b.do(t, "GET", "/api/v1/drafts/"+draft.body["id"].(string), auth, nil))
	receipt := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(auth, "Idempotency-Key", draft.body["id"].(string)), b.body)
	check("Receipt", receipt)
	check("StatusView", b.do(t, "GET", "/api/v1/submissions/"+receipt.body["id"].(string), auth, nil))
	bad := bytes.Replace(b.body, []byte("12038512356"), []byte("12038512357"), 1)
	check("Problem", b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "openapi-key-0123456789"), bad))

	key, err := b.store.Batches.CreateAgencyKey(context.Background(), "husbanken")
	if err != nil {
		t.Fatal(err)
	}
	check("BatchList", b.do(t, "GET", "/api/v1/agency/batches?status=delivered&limit=2", with(nil, "Authorization", "Bearer "+key), nil))

	file, err := os.ReadFile("openapi.json")
	if err != nil || !bytes.Equal(file, []byte(served.raw)) {
		t.Fatal("the served document is not openapi.json")
	}
}
