package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/letters/letterstest"
	"github.com/skjema/skjema/web"
)

// A minimal PDF and PNG as far as content sniffing goes.
var (
	pdfContent = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	pngContent = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
)

// upload posts a file as the widget does: multipart, part "file".
func (b *testBundle) upload(t *testing.T, draft, token, attachment, name, declaredType string, content []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := map[string][]string{
		"Content-Disposition": {`form-data; name="file"; filename="` + name + `"`},
		"Content-Type":        {declaredType},
	}
	part, _ := mw.CreatePart(h)
	part.Write(content)
	mw.Close()
	return b.do(t, "POST", "/api/v1/drafts/"+draft+"/files?attachment="+attachment,
		map[string]string{"Authorization": "Bearer " + token, "Content-Type": mw.FormDataContentType()}, body.Bytes())
}

// TestAttachments: uploads are typed by their content, limited in size,
// bound to their draft; a submitted document may name only its own
// uploads; the sealed batch lists them and the agency can fetch them.
func TestAttachments(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		newDraft := func() (string, string) {
			d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte"}`))
			return d.body["id"].(string), d.body["token"].(string)
		}
		id, token := newDraft()
		otherID, otherToken := newDraft()

		// Refusals first: each a clear 4xx problem.
		for _, c := range []struct {
			name               string
			draft, token, att  string
			fileName, declared string
			content            []byte
			status             int
			problemType        string
		}{
			{"text that claims to be a PDF", id, token, "lease", "kontrakt.pdf", "application/pdf", []byte("just some text, no PDF at all"), 415, "unsupported-file-type"},
			{"an HTML page", id, token, "lease", "kontrakt.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>"), 415, "unsupported-file-type"},
			{"larger than 10 MiB", id, token, "lease", "stor.pdf", "application/pdf", append(append([]byte{}, pdfContent...), make([]byte, 10<<20)...), 413, "file-too-large"},
			{"empty", id, token, "lease", "tom.pdf", "application/pdf", nil, 400, "invalid-request"},
			{"unknown attachment", id, token, "passport", "pass.pdf", "application/pdf", pdfContent, 400, "invalid-request"},
			{"wrong token", id, otherToken, "lease", "kontrakt.pdf", "application/pdf", pdfContent, 404, "not-found"},
		} {
			r := b.upload(t, c.draft, c.token, c.att, c.fileName, c.declared, c.content)
			if r.status != c.status || r.body["type"] != "https://skjema.no/problems/"+c.problemType {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.raw, c.status, c.problemType)
			}
		}
		if r := b.do(t, "POST", "/api/v1/drafts/"+id+"/files?attachment=lease", with(jsonCT, "Authorization", "Bearer "+token), []byte(`{}`)); r.status != 400 {
			t.Errorf("JSON instead of multipart: %d %s", r.status, r.raw)
		}

		// The type comes from the content: a PNG sent as a PDF is a PNG,
		// named as one, and a path in the name is dropped.
		png := b.upload(t, id, token, "lease", `C:\Users\kari\side2.pdf`, "application/pdf", pngContent)
		if png.status != 201 || png.body["contentType"] != "image/png" || png.body["name"] != "side2.png" {
			t.Fatalf("png upload: %d %s", png.status, png.raw)
		}
		// A PDF named to open as an HTML application is saved as a PDF
		// (security review V5).
		if hta := b.upload(t, id, token, "lease", "husleiekontrakt.pdf.hta", "application/pdf", pdfContent); hta.status != 201 || hta.body["name"] != "husleiekontrakt.pdf" {
			t.Fatalf("hta upload: %d %s", hta.status, hta.raw)
		}
		pdf := b.upload(t, id, token, "lease", "husleiekontrakt.pdf", "application/octet-stream", pdfContent)
		if pdf.status != 201 || pdf.body["contentType"] != "application/pdf" || pdf.body["size"] != float64(len(pdfContent)) {
			t.Fatalf("pdf upload: %d %s", pdf.status, pdf.raw)
		}
		foreign := b.upload(t, otherID, otherToken, "lease", "annen.pdf", "application/pdf", pdfContent)
		if foreign.status != 201 {
			t.Fatalf("upload to the other draft: %d %s", foreign.status, foreign.raw)
		}
		if r := b.do(t, "DELETE", "/api/v1/drafts/"+id+"/files/"+foreign.body["id"].(string), map[string]string{"Authorization": "Bearer " + token}, nil); r.status != 404 {
			t.Fatalf("deleting another draft's file: %d %s", r.status, r.raw)
		}

		doc := func(files ...map[string]any) []byte {
			var d map[string]any
			json.Unmarshal(b.body, &d)
			d["housing"].(map[string]any)["type"] = "rented"
			list := []any{}
			for _, f := range files {
				list = append(list, map[string]any{"id": f["id"], "name": f["name"], "contentType": f["contentType"], "size": f["size"]})
			}
			d["attachments"] = map[string]any{"lease": map[string]any{"status": "uploaded", "files": list}}
			out, _ := json.Marshal(d)
			return out
		}
		submit := with(jsonCT, "Authorization", "Bearer "+token, "Idempotency-Key", id)
		// Naming the other draft's file is refused at that file.
		stolen := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", submit, doc(pdf.body, foreign.body))
		if stolen.status != 422 || !strings.Contains(stolen.raw, `"pointer":"/attachments/lease/files/1","code":"file.unknown"`) {
			t.Fatalf("submit naming a foreign file: %d %s", stolen.status, stolen.raw)
		}
		// Without a draft no file can be named.
		if r := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", with(jsonCT, "Idempotency-Key", "no-draft-but-files-0001"), doc(pdf.body)); r.status != 422 || !strings.Contains(r.raw, "file.unknown") {
			t.Fatalf("submit without a draft naming a file: %d %s", r.status, r.raw)
		}
		// The PNG is no longer named: submitting drops it.
		ok := b.do(t, "POST", "/api/v1/forms/bostotte/submissions", submit, doc(pdf.body))
		if ok.status != 201 {
			t.Fatalf("submit: %d %s", ok.status, ok.raw)
		}
		ctx := context.Background()
		files, err := b.store.Files(ctx, id)
		if err != nil || len(files) != 1 || files[0].ID != pdf.body["id"] {
			t.Fatalf("files after submit: %+v %v", files, err)
		}
		if r := b.upload(t, id, token, "lease", "sent.pdf", "application/pdf", pdfContent); r.status != 409 {
			t.Fatalf("upload after submit: %d %s", r.status, r.raw)
		}

		// Routed into a batch, sealed: the item lists the file; the agency
		// fetches it with its checksum.
		deadline := time.Now().Add(10 * time.Second)
		for {
			a, _ := b.store.Application(ctx, id)
			if a.Status == engine.StatusBatched {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("never batched: %s", a.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
		open, err := b.store.Batches.Batches(ctx, "husbanken", batches.BatchOpen)
		if err != nil || len(open) != 1 {
			t.Fatalf("open batches: %v %v", open, err)
		}
		if _, _, err := b.store.Batches.SealBatch(ctx, open[0].ID); err != nil {
			t.Fatal(err)
		}
		key, err := b.store.Batches.CreateAgencyKey(ctx, "husbanken")
		if err != nil {
			t.Fatal(err)
		}
		agency := map[string]string{"Authorization": "Bearer " + key}
		batch := b.do(t, "GET", "/api/v1/agency/batches/"+open[0].ID, agency, nil)
		if batch.status != 200 || !strings.Contains(batch.raw, `"files":[{"id":"`+pdf.body["id"].(string)+`","attachment":"lease","name":"husleiekontrakt.pdf","contentType":"application/pdf"`) {
			t.Fatalf("batch: %d %.2000s", batch.status, batch.raw)
		}
		req, _ := http.NewRequest("GET", b.url+"/api/v1/agency/files/"+pdf.body["id"].(string), nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, pdfContent) || res.Header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "husleiekontrakt.pdf") || res.Header.Get("Digest") != "sha-256="+files[0].SHA256 {
			t.Fatalf("agency file: %d %v %q", res.StatusCode, res.Header, got)
		}
		// Repr-Digest (RFC 9530) is what an agency checks the bytes with.
		sum := sha256.Sum256(got)
		if want := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"; res.Header.Get("Repr-Digest") != want {
			t.Fatalf("Repr-Digest %q, want %q: the SHA-256 of the bytes received", res.Header.Get("Repr-Digest"), want)
		}
		// Each read of personal data by the agency is audited: the batch
		// once per fetch for each of its applications, the file once.
		b.do(t, "GET", "/api/v1/agency/batches/"+open[0].ID, agency, nil)
		events, err := b.store.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		views, fileViews := 0, 0
		for _, e := range events {
			switch {
			case e.Actor == "agency:husbanken" && e.Action == "agency-view" && e.Detail == "batch "+open[0].ID:
				views++
			case e.Actor == "agency:husbanken" && e.Action == "agency-view-file" && e.Detail == pdf.body["id"]:
				fileViews++
			}
		}
		if views != 2 || fileViews != 1 {
			t.Fatalf("%d batch reads and %d file reads audited, want 2 and 1: %+v", views, fileViews, events)
		}
		// The item's human-readable copy is the citizen's PDF, with the
		// file listed; another agency's key does not reach it.
		a, _ := b.store.Application(ctx, id)
		cp := b.do(t, "GET", "/api/v1/agency/applications/"+*a.Reference+"/copy", agency, nil)
		if cp.status != 200 || cp.header.Get("Content-Type") != "application/pdf" || cp.header.Get("X-Content-Type-Options") != "nosniff" ||
			cp.header.Get("Cache-Control") != "no-store" || !strings.Contains(cp.header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("the agency's copy: %d %s", cp.status, cp.raw[:min(200, len(cp.raw))])
		}
		if text := letterstest.Text(t, []byte(cp.raw)); !strings.Contains(text, *a.Reference) || !strings.Contains(text, "husleiekontrakt.pdf") {
			t.Fatalf("the agency's copy says:\n%s", text)
		}
		other, _ := b.store.Batches.CreateAgencyKey(ctx, "nav")
		if r := b.do(t, "GET", "/api/v1/agency/applications/"+*a.Reference+"/copy", map[string]string{"Authorization": "Bearer " + other}, nil); r.status != 404 {
			t.Fatalf("another agency's copy: %d", r.status)
		}
		// A file not in a batch sealed for the agency does not exist for it.
		if r := b.do(t, "GET", "/api/v1/agency/files/"+foreign.body["id"].(string), agency, nil); r.status != 404 {
			t.Fatalf("agency reading a draft's file: %d", r.status)
		}
	})
}

// TestQuotasPerAddress: one address cannot start drafts or upload bytes
// without bound (security review V3): over its hourly budget it gets 429
// with Retry-After, and what it sent is not stored.
func TestQuotasPerAddress(t *testing.T) {
	t.Parallel()
	b := setupWith(t, enginetest.SQLite(t), nil, func(c *web.Config) {
		c.DraftsPerHour, c.UploadBytesPerHour = 3, 1<<20
	})
	var drafts []response
	for range 3 {
		d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
		if d.status != 201 {
			t.Fatalf("draft %d: %d %s", len(drafts)+1, d.status, d.raw)
		}
		drafts = append(drafts, d)
	}
	if d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`)); d.status != 429 || d.body["type"] != web.ProblemBase+"too-many-drafts" || d.header.Get("Retry-After") == "" {
		t.Fatalf("the 4th draft within the hour: %d %s %v", d.status, d.raw, d.header)
	}
	id, token := drafts[0].body["id"].(string), drafts[0].body["token"].(string)
	big := append(append([]byte{}, pdfContent...), bytes.Repeat([]byte("x"), 600<<10)...)
	if r := b.upload(t, id, token, "lease", "en.pdf", "application/pdf", big); r.status != 201 {
		t.Fatalf("the first 600 KiB: %d %s", r.status, r.raw)
	}
	if r := b.upload(t, id, token, "lease", "to.pdf", "application/pdf", big); r.status != 429 || r.body["type"] != web.ProblemBase+"upload-quota" {
		t.Fatalf("600 KiB more within the hour's 1 MiB: %d %s", r.status, r.raw)
	}
	files, err := b.store.Files(context.Background(), id)
	if err != nil || len(files) != 1 {
		t.Fatalf("%d files stored, want only the first (%v)", len(files), err)
	}
}

// TestUploadsInFlightPerAddress: one address may send at most four files at
// once; a fifth is refused at once, so trickled uploads from one address
// cannot hold the memory every upload shares (review of 2026-12-02).
func TestUploadsInFlightPerAddress(t *testing.T) {
	t.Parallel()
	b := setupWith(t, enginetest.SQLite(t), nil, func(c *web.Config) { c.UploadsPerAddress = 4 })
	d := b.do(t, "POST", "/api/v1/drafts", jsonCT, []byte(`{"form":"bostotte","kommune":"0301"}`))
	id, token := d.body["id"].(string), d.body["token"].(string)
	var writers []*io.PipeWriter
	var wg sync.WaitGroup
	for range 4 {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		mw := multipart.NewWriter(pw)
		req, _ := http.NewRequest("POST", b.url+"/api/v1/drafts/"+id+"/files?attachment=lease", pr)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		}()
		go func() {
			part, _ := mw.CreateFormFile("file", "sakte.pdf")
			part.Write(pdfContent[:8]) // and then nothing, for now
		}()
	}
	time.Sleep(300 * time.Millisecond) // the four are in their handlers, reading
	r := b.upload(t, id, token, "lease", "femte.pdf", "application/pdf", pdfContent)
	if r.status != 429 || r.body["type"] != web.ProblemBase+"too-many-uploads" || r.header.Get("Retry-After") == "" {
		t.Fatalf("a fifth upload at once: %d %s", r.status, r.raw)
	}
	for _, pw := range writers {
		pw.CloseWithError(errors.New("the client gave up"))
	}
	wg.Wait()
	// The server learns the others ended when their connections close.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := b.upload(t, id, token, "lease", "sjette.pdf", "application/pdf", pdfContent)
		if r.status == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an upload once the others ended: %d %s", r.status, r.raw)
		}
	}
}
