package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine/enginetest"
)

// TestREADMEFlow starts the real program on a fresh SQLite file and does
// what the README tells a newcomer: submit the example with curl's headers,
// get a receipt, read the status with the key as token.
func TestREADMEFlow(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard}
	t.Setenv("SKJEMA_DB", filepath.Join(dir, "skjema.db"))
	t.Setenv("SKJEMA_ADDR", "127.0.0.1:0")
	t.Setenv("SKJEMA_ANONYMOUS", "open") // as the README's curl section starts it
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.Contains(out.String(), "Skjema is running at "+m.URL()+"/") {
		t.Fatalf("serve printed %q, not its URL", out.String())
	}
	body, err := os.ReadFile("../../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	key := "3f2a9c1e-0b7d-4e55-9a61-example00001"
	req, _ := http.NewRequest("POST", m.URL()+"/api/v1/forms/bostotte/submissions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var receipt struct{ ID, Reference, Status string }
	json.NewDecoder(res.Body).Decode(&receipt)
	res.Body.Close()
	if res.StatusCode != 201 || !strings.HasPrefix(receipt.Reference, "BOS-") || receipt.Status != "submitted" {
		t.Fatalf("submit: %d %+v", res.StatusCode, receipt)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest("GET", m.URL()+"/api/v1/submissions/"+receipt.ID, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Status, Reference string }
		json.NewDecoder(res.Body).Decode(&st)
		res.Body.Close()
		if res.StatusCode == 200 && st.Reference == receipt.Reference && st.Status == "batched" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status: %d %+v", res.StatusCode, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRegistersImport: an imported postnummer register is checked, installed,
// and used by serve: a Bergen postnummer in Oslo is then refused.
func TestRegistersImport(t *testing.T) {
	dir := t.TempDir()
	regs := filepath.Join(dir, "registers")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"registers", "import", "-dir", regs, "postnummer", "../../forms/nid/testdata/Postnummerregister-ansi.txt"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "7 postnumre in") {
		t.Fatalf("import said %q", out.String())
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("not\ta register\n"), 0o644)
	if err := run(context.Background(), []string{"registers", "import", "-dir", regs, "postnummer", bad}, io.Discard, io.Discard); err == nil {
		t.Fatal("a broken register was imported")
	}
	m := &Main{Addr: "127.0.0.1:0", Database: filepath.Join(dir, "s.db"), RegistersDir: regs, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	body, _ := os.ReadFile("../../examples/bostotte/application.json")
	body = bytes.Replace(body, []byte(`"postnummer": "0150"`), []byte(`"postnummer": "5003"`), 1)
	res, err := http.Post(m.URL()+"/api/v1/forms/bostotte/validate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(raw), `"code":"postnummer.kommune"`) {
		t.Fatalf("the imported register is not used: %s", raw)
	}
}

func TestCommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "skjema ") ||
		!strings.Contains(out.String(), "built with "+runtime.Version()) {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	for _, dir := range []string{"../../schemas", "../../schemas/bostotte"} { // the forms, or one form
		out.Reset()
		if err := run(context.Background(), []string{"forms", "check", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "bostotte 20") {
			t.Fatalf("forms check %s: %q %v", dir, out.String(), err)
		}
	}
	// serve -h is help, not an error, under the command's own name.
	out.Reset()
	if err := run(context.Background(), []string{"serve", "-h"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "skjema serve") || !strings.Contains(out.String(), "-admin-addr") {
		t.Fatalf("serve -h: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"forms", "check", t.TempDir()}, io.Discard, io.Discard); err == nil {
		t.Fatal("forms check of an empty directory passed")
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); err == nil {
		t.Fatal("an unknown command passed")
	}
	db := filepath.Join(t.TempDir(), "m.db")
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "-db", db}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("migrate: %q %v", out.String(), err)
	}
}

// TestShutdownAnswersNotReadyFirst: Close first turns /readyz to 503 while
// still serving (for DrainDelay), then drains and stops, without error.
func TestShutdownAnswersNotReadyFirst(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags([]string{"-db", filepath.Join(t.TempDir(), "s.db"), "-addr", "127.0.0.1:0", "-drain-delay", "1s"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ready := func() int {
		res, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			return 0 // no longer listening
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := ready(); got != 200 {
		t.Fatalf("readyz before shutdown: %d", got)
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	sawDraining := false
	for deadline := time.Now().Add(900 * time.Millisecond); time.Now().Before(deadline) && !sawDraining; time.Sleep(20 * time.Millisecond) {
		sawDraining = ready() == 503
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	if !sawDraining {
		t.Fatal("readyz never answered 503 during shutdown")
	}
	if got := ready(); got != 0 {
		t.Fatalf("readyz after shutdown: %d", got)
	}
}

// TestServeRefusesABadDeadlineDay: -deadline-day 30 would put February's
// deadline in March; serve refuses to start and says why.
func TestServeRefusesABadDeadlineDay(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags([]string{"-db", filepath.Join(t.TempDir(), "d.db"), "-addr", "127.0.0.1:0", "-deadline-day", "30"}); err != nil {
		t.Fatal(err)
	}
	err := m.Run(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("serve started with deadline day 30")
	}
	if !strings.Contains(err.Error(), "deadline day 30") {
		t.Fatalf("serve refused with %q, which does not name the deadline day", err)
	}
}

// TestUsersAdd: an account from the command line, with a made password
// printed once that then signs in; a second with the same address refused.
func TestUsersAdd(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "u.db")
	var out bytes.Buffer
	if err := run(ctx, []string{"users", "add", "-db", db, "-name", "Kari Saksbehandler", "-kommuner", "0301,3201", "kari@oslo.kommune.no"}, &out, io.Discard); err != nil {
		t.Fatalf("users add: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.Contains(lines[0], "caseworker kari@oslo.kommune.no") || !strings.Contains(lines[0], "0301, 3201") || len(lines) != 3 {
		t.Fatalf("users add printed %q", out.String())
	}
	password := lines[2]
	if err := run(ctx, []string{"users", "add", "-db", db, "-name", "Again", "-kommuner", "0301", "kari@oslo.kommune.no"}, io.Discard, io.Discard); err == nil {
		t.Fatal("a second user with the same address was added")
	}
	// Flags may follow the e-mail address.
	if err := run(ctx, []string{"users", "add", "per@oslo.kommune.no", "-db", db, "-name", "Per", "-kommuner", "0301"}, io.Discard, io.Discard); err != nil {
		t.Errorf("users add EMAIL -name …: %v", err)
	}
	if err := run(ctx, []string{"users", "add", "-db", db, "kari@oslo.kommune.no"}, io.Discard, io.Discard); err == nil {
		t.Fatal("a user without a name was added")
	}
	store := enginetest.Open(t, db).Store
	if u, err := store.Accounts.Authenticate(ctx, "kari@oslo.kommune.no", password); err != nil || !u.Sees("3201") || !u.MustChangePassword {
		t.Fatalf("signing in with the printed password: %+v %v", u, err)
	}
}

// TestAgencyKeysCommand: add refuses a second key unless asked to rotate;
// an unknown agency is refused; list shows each key's state and never a
// key; revoke stops them (issue #18 item 2).
func TestAgencyKeysCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	cmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args[:2:2], append([]string{"-db", db}, args[2:]...)...), &out, io.Discard)
		return out.String(), err
	}
	out, err := cmd("agency", "add", "husbanken")
	if err != nil || !strings.Contains(out, "skj_husbanken_") {
		t.Fatalf("add: %v %q", err, out)
	}
	key := strings.TrimSpace(strings.Split(out, "\n")[1])
	if _, err := cmd("agency", "add", "husbanken"); err == nil || !strings.Contains(err.Error(), "-rotate") {
		t.Fatalf("a second add: %v, want a refusal that names -rotate", err)
	}
	if _, err := cmd("agency", "add", "lanekasen"); err == nil || !strings.Contains(err.Error(), "husbanken") {
		t.Fatalf("an unknown agency: %v, want a refusal that names the known ones", err)
	}
	if out, err := cmd("agency", "add", "-rotate", "-overlap", "1h", "husbanken"); err != nil || !strings.Contains(out, "the old key works until") {
		t.Fatalf("rotate: %v %q", err, out)
	}
	out, err = cmd("agency", "list")
	if err != nil || strings.Count(out, "husbanken") != 2 || !strings.Contains(out, "(rotated)") || strings.Contains(out, key) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := cmd("agency", "revoke", "husbanken"); err != nil || !strings.Contains(out, "revoked 2 key(s)") {
		t.Fatalf("revoke: %v %q", err, out)
	}
}

// TestStartSummaryAndStrictAgencies: serve refuses an agencies file with a
// mistake, saying what to fix, and says on start what it serves (issue #18
// item 3).
func TestStartSummaryAndStrictAgencies(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"husbanken": {"transport": "push", "url": "http://mottak.husbanken.no", "secret": "s"}}`), 0o600)
	m := &Main{Addr: "127.0.0.1:0", Database: filepath.Join(dir, "s.db"), AgenciesFile: bad, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "must be https") {
		m.Close()
		t.Fatalf("a push over plain http started: %v", err)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"husbanken": {"transport": "push", "url": "https://mottak.husbanken.no/skjema", "secret": "s"}}`), 0o600)
	var out bytes.Buffer
	m = &Main{Addr: "127.0.0.1:0", Database: filepath.Join(dir, "s.db"), AgenciesFile: good, LogLevel: "error", Kommuner: "0301", Stdout: &out, Stderr: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.Contains(out.String(), "Forms: bostotte 2026.1 (to husbanken), startlan 2026.1 (decided by the kommune); kommuner: 0301; agencies: husbanken pushed to https://mottak.husbanken.no/skjema") {
		t.Fatalf("the start's summary:\n%s", out.String())
	}
}
