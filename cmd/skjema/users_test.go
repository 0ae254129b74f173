package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skjema/skjema/identity/idportentest"
)

// TestUsersList: users add checks the kommuner against the kommune register
// in -registers (form only without one), and users list prints every
// account with its kommuner, role, state and sign-in, and no secret.
func TestUsersList(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, registers := filepath.Join(dir, "u.db"), filepath.Join(dir, "registers")
	os.Mkdir(registers, 0o755)
	if err := os.WriteFile(filepath.Join(registers, "kommuner.csv"), []byte("code,name\n0301,Oslo\n4601,Bergen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(args[:2:2], append([]string{"-db", db, "-registers", registers}, args[2:]...)...), &out, io.Discard)
		return out.String(), err
	}
	if _, err := cmd("users", "add", "-name", "Spøk", "-kommuner", "0301,9999", "spok@oslo.kommune.no"); err == nil ||
		!strings.Contains(err.Error(), "9999 is not in the kommune register") || !strings.Contains(err.Error(), registers) {
		t.Fatalf("users add -kommuner 9999: %v, want a refusal naming the register", err)
	}
	out, err := cmd("users", "add", "-name", "Kari Saksbehandler", "-kommuner", "0301,4601", "-admin", "kari@oslo.kommune.no")
	if err != nil {
		t.Fatal(err)
	}
	password := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n"):])
	t.Setenv("SKJEMA_PASSWORD", "et passord operatøren valgte")
	if _, err := cmd("users", "add", "-name", "Per", "-kommuner", "4601", "per@bergen.kommune.no"); err != nil {
		t.Fatal(err)
	}
	out, err = cmd("users", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "EMAIL") ||
		strings.Join(strings.Fields(lines[1]), " ") != "kari@oslo.kommune.no Kari Saksbehandler 0301,4601 all admin start password password" ||
		strings.Join(strings.Fields(lines[2]), " ") != "per@bergen.kommune.no Per 4601 all caseworker active password" {
		t.Fatalf("users list:\n%s", out)
	}
	if strings.Contains(out, password) || strings.Contains(out, "$2a$") || strings.Contains(out, "et passord") {
		t.Fatalf("users list shows a secret:\n%s", out)
	}
	// A unit is one the units file gives the kommune, and the list says
	// which she belongs to.
	unitsFile := filepath.Join(dir, "units.json")
	if err := os.WriteFile(unitsFile, []byte(`{"0301": {"units": [{"id": "gamle-oslo", "name": "Bydel Gamle Oslo", "postnummer": ["0150"]}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd("users", "add", "-units-file", unitsFile, "-name", "Ola", "-kommuner", "0301", "-units", "sagene", "ola@oslo.kommune.no"); err == nil ||
		!strings.Contains(err.Error(), "sagene is not a unit of kommune 0301") {
		t.Fatalf("users add -units sagene: %v, want a refusal", err)
	}
	if out, err := cmd("users", "add", "-units-file", unitsFile, "-name", "Ola", "-kommuner", "0301", "-units", "gamle-oslo", "ola@oslo.kommune.no"); err != nil ||
		!strings.Contains(out, "units 0301/gamle-oslo") {
		t.Fatalf("users add -units gamle-oslo: %v\n%s", err, out)
	}
	if out, _ := cmd("users", "list"); !strings.Contains(strings.Join(strings.Fields(out), " "), "ola@oslo.kommune.no Ola 0301 0301/gamle-oslo caseworker") {
		t.Fatalf("users list with units:\n%s", out)
	}
	// Without a register, four digits are a kommunenummer.
	if err := run(ctx, []string{"users", "add", "-db", db, "-registers", filepath.Join(dir, "none"), "-name", "X", "-kommuner", "9999", "x@example.no"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("without a register: %v", err)
	}
}

// TestServeKommuneLogin: serve with the kommune's own login reads its group
// map strictly (a decision role only in the group's own kommuner), says
// where the provider must send caseworkers back, and
// puts the login's button on the sign-in page; its settings are refused
// half given, and its secret is read from the environment only.
func TestServeKommuneLogin(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"an issuer without the rest", []string{"-caseworker-oidc-issuer", "https://adfs.oslo.kommune.no/adfs"}, "s", "needs -caseworker-oidc-client-id"},
		{"no secret in the environment", []string{"-caseworker-oidc-issuer", "https://adfs.oslo.kommune.no/adfs", "-caseworker-oidc-client-id", "c", "-caseworker-oidc-groups", "g.json"}, "", "SKJEMA_CASEWORKER_OIDC_SECRET"},
		{"a group map without an issuer", []string{"-caseworker-oidc-groups", "g.json"}, "s", "needs -caseworker-oidc-issuer"},
		{"the secret as a flag", []string{"-caseworker-oidc-secret", "s"}, "", "caseworker-oidc-secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SKJEMA_CASEWORKER_OIDC_SECRET", tt.env)
			err := (&Main{Stdout: io.Discard, Stderr: io.Discard}).ParseFlags(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseFlags(%q) = %v, want an error with %q", tt.args, err, tt.want)
			}
		})
	}

	dir := t.TempDir()
	const public = "https://skjema.oslo.kommune.no"
	op := idportentest.ServeConfig(t, idportentest.Config{
		Clients: []idportentest.Client{{ID: "skjema-cw", Secret: "s3cret", RedirectURIs: []string{public + "/caseworker/oidc/callback"}}},
		Persons: []idportentest.Person{idportentest.Employee("kari", "Kari", "kari@oslo.kommune.no", "groups", "skjema-saksbehandlere")},
	})
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"claim": "groups", "map": {"g": {"kommuner": ["0301"], "unit": "x"}}}`), 0o644)
	badDecides := filepath.Join(dir, "bad-decides.json")
	os.WriteFile(badDecides, []byte(`{"claim": "groups", "map": {"g": {"kommuner": ["0301"]}, "g-fullmakt": {"kommuner": ["0301"], "decides": ["4601"]}}}`), 0o644)
	t.Setenv("SKJEMA_CASEWORKER_OIDC_SECRET", "s3cret")
	start := func(groups string) (*Main, string, error) {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: io.Discard}
		if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-public-url", public, "-db", filepath.Join(dir, "s.db"), "-log-level", "error",
			"-caseworker-oidc-issuer", op.Issuer(), "-caseworker-oidc-client-id", "skjema-cw", "-caseworker-oidc-groups", groups,
			"-caseworker-oidc-name", "Oslo kommunes innlogging"}); err != nil {
			t.Fatal(err)
		}
		return m, out.String(), m.Run(context.Background())
	}
	if m, _, err := start(bad); err == nil || !strings.Contains(err.Error(), "unknown field") {
		m.Close()
		t.Fatalf("a group map with an unknown member: %v", err)
	}
	if m, _, err := start(badDecides); err == nil || !strings.Contains(err.Error(), `bad-decides.json: "g-fullmakt": invalid: "decides" names kommune 4601, not one of "kommuner" (0301)`) {
		m.Close()
		t.Fatalf("a group map giving the decision role in a kommune the group does not grant: %v", err)
	}
	m, _, err := start("../../examples/idporten-test/groups.json")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.CaseworkerOIDCSecret != "s3cret" {
		t.Fatalf("the secret from the environment: %q", m.CaseworkerOIDCSecret)
	}
	out := m.Stdout.(*bytes.Buffer).String()
	if !strings.Contains(out, "Caseworkers sign in with the kommune's login at "+op.Issuer()+", beside passwords; its callback is "+public+"/caseworker/oidc/callback") {
		t.Fatalf("serve's start:\n%s", out)
	}
	res, err := http.Get(m.URL() + "/caseworker/login")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(page), "Logg inn med Oslo kommunes innlogging") {
		t.Fatalf("the sign-in page:\n%s", page)
	}
}
