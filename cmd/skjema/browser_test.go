package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
	"github.com/skjema/skjema/identity/fregtest"
	"github.com/skjema/skjema/identity/idportentest"
	"github.com/skjema/skjema/letters/letterstest"
	"github.com/skjema/skjema/notify/smtptest"
)

// requireBrowser finds what the browser tests need: Node, the npm packages
// (npm ci) and Debian's Chromium. Without them the test is skipped, unless
// SKJEMA_TEST_BROWSER=require (CI sets it), when it fails.
func requireBrowser(t *testing.T) string {
	t.Helper()
	chromium := os.Getenv("SKJEMA_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat("../../node_modules/playwright-core"); err != nil {
		missing = append(missing, "node_modules (run npm ci)")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt install chromium)")
	}
	if len(missing) > 0 {
		if os.Getenv("SKJEMA_TEST_BROWSER") == "require" {
			t.Fatalf("browser tests need %s", strings.Join(missing, ", "))
		}
		t.Skipf("browser tests skipped: no %s", strings.Join(missing, ", "))
	}
	return chromium
}

// kommuneSite serves the example kommune pages (index.html with bostøtte,
// startlan.html with startlån) from another origin than Skjema's, as a
// kommune's own site would, with a strict CSP that allows the widget's
// server and nothing inline.
func kommuneSite(t *testing.T, addr, skjemaURL string) *httptest.Server {
	t.Helper()
	pages := map[string][]byte{}
	for _, name := range []string{"index.html", "startlan.html"} {
		page, err := os.ReadFile("../../examples/kommune-page/" + name)
		if err != nil {
			t.Fatal(err)
		}
		pages["/"+name] = []byte(strings.Replace(string(page), `src="/widget/skjema.js"`, `src="`+skjemaURL+`/widget/skjema.js"`, 1))
	}
	pages["/"] = pages["/index.html"]
	files := http.FileServer(http.Dir("../../examples/kommune-page"))
	site := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' "+skjemaURL+"; style-src 'self' "+skjemaURL+
			"; connect-src "+skjemaURL+"; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		if html, ok := pages[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(html)
			return
		}
		files.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	site.Listener.Close()
	site.Listener = ln
	site.Start()
	t.Cleanup(site.Close)
	return site
}

// runBrowserTests runs one browser test file with node and answers what it
// recorded (lib.mjs record: test name → reference).
func runBrowserTests(t *testing.T, file, dir string, env ...string) map[string]string {
	t.Helper()
	results := filepath.Join(dir, "results.json")
	cmd := exec.Command("node", "--test", "--test-reporter=spec", file)
	cmd.Dir = "../.."
	cmd.Env = append(append(os.Environ(), "RESULT_FILE="+results), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("browser tests:\n%s", out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
	raw, err := os.ReadFile(results)
	if err != nil {
		t.Fatalf("the browser tests wrote no results: %v", err)
	}
	var recorded map[string]string
	if err := json.Unmarshal(raw, &recorded); err != nil {
		t.Fatalf("results: %s %v", raw, err)
	}
	return recorded
}

// TestWidgetInBrowser runs browser/widget.test.mjs in headless Chromium
// against a real server: the citizen fills the whole form on a kommune's
// page (another origin, strict CSP), by mouse and by keyboard alone, with
// axe-core checking every state. Then the applications must be in the
// database.
func TestWidgetInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	// The kommune site's address must be known before the server starts
	// (it is an allowed origin): reserve it first.
	kommuneAddr := freeAddr(t)
	// The registers, so the widget shows the poststed after the postnummer
	// and the review names the kommune.
	regs := filepath.Join(dir, "registers")
	for kind, file := range map[string]string{"postnummer": "Postnummerregister-ansi.txt", "kommuner": "kommuner-ssb.csv"} {
		if err := run(context.Background(), []string{"registers", "import", "-dir", regs, kind, "../../forms/nid/testdata/" + file}, io.Discard, io.Discard); err != nil {
			t.Fatalf("import the %s register: %v", kind, err)
		}
	}
	n := startNode(t, dir, "-db", db, "-origins", "http://"+kommuneAddr, "-rate-limit", "0", "-dev", "-example-dir", "../../examples/kommune-page",
		"-registers", regs)
	site := kommuneSite(t, kommuneAddr, n.url)

	submitted := runBrowserTests(t, "browser/widget.test.mjs", dir, "SKJEMA_URL="+n.url, "KOMMUNE_URL="+site.URL, "CHROMIUM="+chromium)
	// The receipt's PDF holds the reference and her answers.
	copyPDF, err := os.ReadFile(submitted["copyPdf"])
	if err != nil {
		t.Fatalf("the receipt's copy was not downloaded: %v", err)
	}
	delete(submitted, "copyPdf")
	text := letterstest.Text(t, copyPDF)
	for _, w := range []string{"Søknad om bostøtte", submitted["mouse"], "Kari", "Lise", "150621 50189", "9 000 kr", "husleiekontrakt.pdf", "Oslo"} {
		if !strings.Contains(text, w) {
			t.Errorf("the receipt's copy lacks %q:\n%s", w, text)
		}
	}
	if len(submitted) < 2 {
		t.Fatalf("results: %v, want both flows' references", submitted)
	}
	if err := n.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	store := enginetest.Open(t, db).Store
	for name, ref := range submitted {
		r := store.SQLDB().QueryRowContext(context.Background(), `SELECT reference, status, CAST(data AS TEXT) FROM applications WHERE reference = ?`, ref)
		var row struct{ Reference, Status, Data string }
		if err := r.Scan(&row.Reference, &row.Status, &row.Data); err != nil {
			t.Fatalf("%s: the receipt's reference %s is not in the database: %v", name, ref, err)
		}
		var doc map[string]any
		json.Unmarshal([]byte(row.Data), &doc)
		household, _ := doc["household"].([]any)
		atts, _ := doc["attachments"].(map[string]any)
		// The mouse walk is a student with her spouse and a daughter of 5;
		// the keyboard walk lives with one other person.
		wantHousehold := map[string]int{"mouse": 2, "keyboard": 1}[name]
		eligibility, _ := doc["eligibility"].(map[string]any)
		if name == "mouse" && (eligibility["student"] != true || eligibility["childUnder18"] != true) {
			t.Fatalf("%s: the student's answers were not stored: %s", name, row.Data)
		}
		if row.Status == string(engine.StatusDraft) || len(household) != wantHousehold || atts["lease"] == nil {
			t.Fatalf("%s: stored application %s is not what was filled in: %s %s", name, ref, row.Status, row.Data)
		}
		if strings.Contains(row.Data, "Slettes") {
			t.Fatalf("%s: the removed household member was stored: %s", name, row.Data)
		}
	}
	t.Logf("applications submitted through the widget: %v", submitted)
}

// TestCaseworkerLoopInBrowser runs browser/caseworker.test.mjs: a flagged
// application goes from the caseworker's queue back to the citizen, who
// fixes it in the widget; the caseworker approves it and the example agency
// receiver gets it. Then the receiver and the audit log are checked.
func TestCaseworkerLoopInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	email, password := caseworkerAccount(t, db, true)
	rcv, agencies := pushAgency(t, dir, "loop")
	kommuneAddr := freeAddr(t)
	n := startNode(t, dir, "-db", db, "-agencies", agencies, "-batch-max-age", "500ms", "-seal-interval", "250ms",
		"-origins", "http://"+kommuneAddr, "-rate-limit", "0", "-dev", "-example-dir", "../../examples/kommune-page")
	site := kommuneSite(t, kommuneAddr, n.url)

	done := runBrowserTests(t, "browser/caseworker.test.mjs", dir, "SKJEMA_URL="+n.url, "KOMMUNE_URL="+site.URL, "CHROMIUM="+chromium,
		"CASEWORKER_EMAIL="+email, "CASEWORKER_PASSWORD="+password)
	if done["loop"] == "" {
		t.Fatalf("results: %v, want the loop's reference", done)
	}
	ref := done["loop"]
	if got := rcv.Stored()[ref]; got != 1 {
		t.Fatalf("the agency stored %s %d times, want once", ref, got)
	}
	if err := n.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := history(t, db, ref), "create submit route return resubmit approve deliver receipt"; got != want {
		t.Fatalf("the application's history: %s, want %s", got, want)
	}
}

// history is what was done to the application with a reference, in order,
// as its audit events name it, without the reads.
func history(t *testing.T, db, ref string) string {
	t.Helper()
	ctx := context.Background()
	store := enginetest.Open(t, db).Store
	var id string
	if err := store.SQLDB().QueryRowContext(ctx, `SELECT id FROM applications WHERE reference = ?`, ref).Scan(&id); err != nil {
		t.Fatal(err)
	}
	events, err := store.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		if e.Action != casework.ActionView && e.Action != casework.ActionViewAudit && e.Action != casework.ActionViewFile {
			actions = append(actions, e.Action)
		}
	}
	return strings.Join(actions, " ")
}

// TestCaseworkerTeamInBrowser runs browser/team.test.mjs: a refused batch
// comes back to the kommune, the caseworker takes a case, notes on it, and
// approves the three together once the agency is mended (the test's
// CONTROL_URL); each is then delivered exactly once, and the audit trail
// has her assignment and note.
func TestCaseworkerTeamInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	email, password := caseworkerAccount(t, db, false)
	rcv, agencies := pushAgency(t, dir, "team")
	rcv.SetMode(receiver.Refusing, 0)
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/normal" {
			rcv.SetMode(receiver.Normal, 0)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(control.Close)
	n := startNode(t, dir, "-db", db, "-agencies", agencies, "-batch-max-age", "500ms", "-seal-interval", "250ms", "-rate-limit", "0", "-dev")
	done := runBrowserTests(t, "browser/team.test.mjs", dir, "SKJEMA_URL="+n.url, "CHROMIUM="+chromium,
		"CASEWORKER_EMAIL="+email, "CASEWORKER_PASSWORD="+password, "CONTROL_URL="+control.URL)
	refs := strings.Split(done["team"], ",")
	if len(refs) != 3 {
		t.Fatalf("results: %v, want three references", done)
	}
	for _, ref := range refs {
		if got := rcv.Stored()[ref]; got != 1 {
			t.Fatalf("the agency stored %s %d times, want once", ref, got)
		}
	}
	if err := n.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := history(t, db, refs[0]), "create submit route delivery-failed assign note approve deliver receipt"; got != want {
		t.Fatalf("the first application's history: %s, want %s", got, want)
	}
}

// TestDecisionInBrowser runs browser/decision.test.mjs: a startlån
// application is recommended by one caseworker and decided by another with
// the decision role, never by the first.
func TestDecisionInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	recommender, password := caseworkerAccount(t, db, false)
	decider := "ola.fullmakt@oslo.kommune.no"
	store, err := engine.Open(context.Background(), engine.Config{Database: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Accounts.CreateUser(context.Background(), engine.NewUser{Email: decider, Name: "Ola Fullmakt", Kommuner: []string{"0301"},
		Password: password, Decides: true}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	n := startNode(t, dir, "-db", db, "-rate-limit", "0", "-dev")
	done := runBrowserTests(t, "browser/decision.test.mjs", dir, "SKJEMA_URL="+n.url, "CHROMIUM="+chromium,
		"RECOMMENDER_EMAIL="+recommender, "DECIDER_EMAIL="+decider, "CASEWORKER_PASSWORD="+password)
	if done["decision"] == "" {
		t.Fatalf("results: %v, want the decided reference", done)
	}
	if err := n.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := history(t, db, done["decision"]), "create submit route recommend decide"; got != want {
		t.Fatalf("the application's history: %s, want %s", got, want)
	}
}

// TestStartlanInBrowser runs browser/startlan.test.mjs: the citizen fills
// every page of startlån on the kommune's startlån page with the example
// application, axe-core on each page at two widths and in three languages,
// and sends it; then a caseworker asks for a document of another
// application, and the citizen sends it from the widget (ettersending).
// The form she filled must be stored as the example is, and the second
// application's history must end with the request and her sending.
func TestStartlanInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	email, password := caseworkerAccount(t, db, false)
	// The registers, so the widget shows the poststed of both the
	// example's postnumre (the test register has only the first).
	regs := filepath.Join(dir, "registers")
	postnumre, err := os.ReadFile("../../forms/nid/testdata/Postnummerregister-ansi.txt")
	if err != nil {
		t.Fatal(err)
	}
	postnumre = append(postnumre, "0570\tOSLO\t0301\tOSLO\tG\n"...)
	if err := os.WriteFile(filepath.Join(dir, "postnumre.txt"), postnumre, 0o644); err != nil {
		t.Fatal(err)
	}
	for kind, file := range map[string]string{"postnummer": filepath.Join(dir, "postnumre.txt"), "kommuner": "../../forms/nid/testdata/kommuner-ssb.csv"} {
		if err := run(context.Background(), []string{"registers", "import", "-dir", regs, kind, file}, io.Discard, io.Discard); err != nil {
			t.Fatalf("import the %s register: %v", kind, err)
		}
	}
	kommuneAddr := freeAddr(t)
	n := startNode(t, dir, "-db", db, "-origins", "http://"+kommuneAddr, "-rate-limit", "0", "-dev", "-example-dir", "../../examples/kommune-page",
		"-registers", regs)
	site := kommuneSite(t, kommuneAddr, n.url)
	done := runBrowserTests(t, "browser/startlan.test.mjs", dir, "SKJEMA_URL="+n.url, "KOMMUNE_URL="+site.URL+"/", "CHROMIUM="+chromium,
		"CASEWORKER_EMAIL="+email, "CASEWORKER_PASSWORD="+password)
	if done["walk"] == "" || done["documents"] == "" {
		t.Fatalf("results: %v, want the walked and the ettersending references", done)
	}
	if err := n.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := history(t, db, done["documents"]), "create submit route request-documents send-documents"; got != want {
		t.Fatalf("the ettersending application's history: %s, want %s", got, want)
	}
	// Both began as the example application, one typed into the widget and
	// one sent through the API; both have the payslips uploaded since. Apart
	// from the files, the widget stored what the API took.
	store := enginetest.Open(t, db).Store
	stored := map[string]map[string]any{}
	for _, name := range []string{"walk", "documents"} {
		var raw string
		if err := store.SQLDB().QueryRow(`SELECT CAST(data AS TEXT) FROM applications WHERE reference = ?`, done[name]).Scan(&raw); err != nil {
			t.Fatalf("%s: %s is not in the database: %v", name, done[name], err)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatal(err)
		}
		atts, _ := doc["attachments"].(map[string]any)
		payslips, _ := atts["payslips"].(map[string]any)
		files, _ := payslips["files"].([]any)
		if payslips["status"] != "uploaded" || len(files) != 1 || files[0].(map[string]any)["name"] != "lonnsslipper.pdf" {
			t.Fatalf("%s: the payslips are not the one file uploaded: %v", name, payslips)
		}
		delete(atts, "payslips")
		stored[name] = doc
	}
	if walked, sent := stored["walk"], stored["documents"]; !reflect.DeepEqual(walked, sent) {
		a, _ := json.MarshalIndent(walked, "", " ")
		b, _ := json.MarshalIndent(sent, "", " ")
		t.Fatalf("the application filled in the widget is not the example:\n%s\nthrough the API:\n%s", a, b)
	}
}

// TestSignInInBrowser runs browser/signin.test.mjs: on a kommune's page on
// another origin, in a Chromium that blocks third-party cookies, the
// citizen signs in at the local ID-porten (its TestID page), comes back
// signed in with her fødselsnummer filled in and locked, her name and
// household from the local Folkeregisteret, finds her draft
// under Mine søknader, and signs out of ID-porten too; axe checks the
// sign-in page, the signed-in form and Mine søknader.
func TestSignInInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	kommuneAddr, skjemaAddr := freeAddr(t), freeAddr(t)
	skjemaURL := "http://" + skjemaAddr
	op := idportentest.Serve(t, idportentest.Client{ID: "skjema", Secret: "s3cret",
		RedirectURIs: []string{skjemaURL + "/auth/idporten/callback"}, PostLogoutRedirectURIs: []string{skjemaURL + "/auth/idporten/signed-out"}})
	register, key := fregtest.Serve(t, "skjema")
	keyFile := filepath.Join(dir, "maskinporten.pem")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	n := startNodeAt(t, dir, skjemaAddr, "-db", filepath.Join(dir, "skjema.db"), "-origins", "http://"+kommuneAddr, "-rate-limit", "0",
		"-idporten-issuer", op.Issuer(), "-idporten-client-id", "skjema", "-idporten-client-secret", "s3cret", "-allow-synthetic",
		"-anonymous", "review", "-freg-url", register.Issuer(), "-maskinporten-issuer", register.Issuer(), "-maskinporten-client-id", "skjema",
		"-maskinporten-key", keyFile)
	site := kommuneSite(t, kommuneAddr, n.url)
	person := op.Persons()[0]
	got := runBrowserTests(t, "browser/signin.test.mjs", dir, "SKJEMA_URL="+n.url, "KOMMUNE_URL="+site.URL+"/", "CHROMIUM="+chromium,
		"PERSON_PID="+person.PID, "PERSON_NAME="+person.Name)
	if got["signed-in"] != person.PID {
		t.Fatalf("results: %v, want the signed-in person %s", got, person.PID)
	}
	if err := n.stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	store := enginetest.Open(t, filepath.Join(dir, "skjema.db")).Store
	var owned int
	if err := store.SQLDB().QueryRow(`SELECT COUNT(*) FROM applications WHERE owner_hash IS NOT NULL AND status = 'draft'`).Scan(&owned); err != nil || owned != 1 {
		t.Fatalf("drafts of a signed-in citizen: %d (%v), want the one she started", owned, err)
	}
}

// TestJourneyInBrowser runs browser/journey.test.mjs, #14's acceptance in
// a real browser: she signs in at the local ID-porten, her form is filled
// from the local Folkeregisteret, she submits; the caseworker returns it in
// her UI; the e-mail arrives at the local SMTP server; she signs in again
// in another browser context, reads the message in Mine søknader, fixes
// and resubmits; the caseworker approves it and the agency takes it.
func TestJourneyInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := requireBrowser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	email, password := caseworkerAccount(t, db, false)
	rcv, agencies := pushAgency(t, dir, "journey")
	relay := smtptest.Serve(t)
	mails := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var out []map[string]any
		for _, m := range relay.Messages() {
			out = append(out, map[string]any{"to": m.To, "subject": m.Header.Get("Subject"), "body": m.Body})
		}
		json.NewEncoder(w).Encode(out)
	}))
	defer mails.Close()

	kommuneAddr, skjemaAddr := freeAddr(t), freeAddr(t)
	skjemaURL := "http://" + skjemaAddr
	op := idportentest.Serve(t, idportentest.Client{ID: "skjema", Secret: "s3cret",
		RedirectURIs: []string{skjemaURL + "/auth/idporten/callback"}, PostLogoutRedirectURIs: []string{skjemaURL + "/auth/idporten/signed-out"}})
	register, key := fregtest.Serve(t, "skjema")
	keyFile := filepath.Join(dir, "maskinporten.pem")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	kommunePage := "http://" + kommuneAddr + "/"
	n := startNodeAt(t, dir, skjemaAddr, "-db", db, "-agencies", agencies, "-batch-max-age", "500ms", "-seal-interval", "250ms",
		"-origins", "http://"+kommuneAddr, "-rate-limit", "0", "-allow-synthetic", "-anonymous", "no",
		"-idporten-issuer", op.Issuer(), "-idporten-client-id", "skjema", "-idporten-client-secret", "s3cret",
		"-freg-url", register.Issuer(), "-maskinporten-issuer", register.Issuer(), "-maskinporten-client-id", "skjema", "-maskinporten-key", keyFile,
		"-smtp-addr", relay.Addr, "-smtp-from", "Oslo kommune <ikke-svar@oslo.kommune.no>", "-smtp-tls", "none", "-citizen-url", kommunePage)
	site := kommuneSite(t, kommuneAddr, n.url)
	person := op.Persons()[0]
	done := runBrowserTests(t, "browser/journey.test.mjs", dir, "SKJEMA_URL="+n.url, "KOMMUNE_URL="+site.URL+"/", "CHROMIUM="+chromium,
		"PERSON_PID="+person.PID, "CASEWORKER_EMAIL="+email, "CASEWORKER_PASSWORD="+password, "MAILS_URL="+mails.URL)
	ref := done["journey"]
	if ref == "" || rcv.Stored()[ref] != 1 {
		t.Fatalf("results %v; the agency stored %v, want her application once", done, rcv.Stored())
	}
}

// caseworkerAccount migrates the database a node will open and makes a
// caseworker of 0301 in it (an admin if admin), and answers her sign-in.
// The store is closed again: the node opens the database itself.
func caseworkerAccount(t *testing.T, db string, admin bool) (email, password string) {
	t.Helper()
	ctx := context.Background()
	store, err := engine.Open(ctx, engine.Config{Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	email, password = "kari.saksbehandler@oslo.kommune.no", "korrekt hest batteri stift"
	if _, err := store.Accounts.CreateUser(ctx, engine.NewUser{Email: email, Name: "Kari Saksbehandler", Admin: admin, Kommuner: []string{"0301"}, Password: password}); err != nil {
		t.Fatal(err)
	}
	return email, password
}

// pushAgency starts the example agency receiver for the test, and writes
// the agencies file that has husbanken pushed to it, signed with secret.
func pushAgency(t *testing.T, dir, secret string) (*receiver.Receiver, string) {
	t.Helper()
	rcv := &receiver.Receiver{Secret: secret}
	agency := httptest.NewServer(rcv)
	t.Cleanup(agency.Close)
	file := filepath.Join(dir, "agencies.json")
	if err := os.WriteFile(file, []byte(`{"husbanken":{"transport":"push","url":"`+agency.URL+`","secret":"`+secret+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return rcv, file
}
