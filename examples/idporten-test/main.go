// Command idporten-test is a local ID-porten for development and tests
// (package identity/idportentest): an OpenID provider with synthetic TestID
// persons, a TestID page to choose one and a level, and headless sign-in
// with login_hint=testid:<pid>_<acr>.
//
//	go run ./examples/idporten-test -addr 127.0.0.1:8081 -redirect http://127.0.0.1:8080/auth/idporten/callback
//
// Then start Skjema with -idporten-issuer http://127.0.0.1:8081
// -idporten-client-id skjema-dev -idporten-client-secret dev-secret
// (the defaults of -client-id and -client-secret here) and -allow-synthetic.
//
// It plays a kommune's own login for caseworkers too, with persons who
// carry a name, an e-mail address and groups (employees.json, with
// groups.json the group map for Skjema):
//
//	go run ./examples/idporten-test -addr 127.0.0.1:8083 -persons examples/idporten-test/employees.json -redirect http://127.0.0.1:8080/caseworker/oidc/callback
//
// and start Skjema with SKJEMA_CASEWORKER_OIDC_SECRET=dev-secret,
// -caseworker-oidc-issuer http://127.0.0.1:8083 -caseworker-oidc-client-id
// skjema-dev -caseworker-oidc-groups examples/idporten-test/groups.json.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/skjema/skjema/identity/idportentest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "where to listen; the issuer is http://ADDR")
	clientID := flag.String("client-id", "skjema-dev", "the client id Skjema uses")
	clientSecret := flag.String("client-secret", "dev-secret", "the client secret Skjema uses")
	redirect := flag.String("redirect", "http://127.0.0.1:8080/auth/idporten/callback", "Skjema's callback URL(s), comma-separated")
	postLogout := flag.String("post-logout", "http://127.0.0.1:8080/auth/idporten/signed-out", "where Skjema sends the citizen after sign-out, comma-separated")
	personsFile := flag.String("persons", "", "a JSON file of TestID persons [{\"pid\": …, \"name\": …, \"claims\": {…}}] (default: the persons of examples/freg-test); claims go in their id_tokens, as a kommune's login's name, email and groups")
	flag.Parse()
	if err := run(*addr, *clientID, *clientSecret, *redirect, *postLogout, *personsFile); err != nil {
		log.Fatal(err)
	}
}

func run(addr, clientID, clientSecret, redirect, postLogout, personsFile string) error {
	persons, err := readPersons(personsFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String()
	p, err := idportentest.New(idportentest.Config{Issuer: issuer, Persons: persons, Clients: []idportentest.Client{{
		ID: clientID, Secret: clientSecret, RedirectURIs: strings.Split(redirect, ","), PostLogoutRedirectURIs: strings.Split(postLogout, ","),
	}}})
	if err != nil {
		return err
	}
	fmt.Printf("Local ID-porten at %s (client %s); TestID persons:\n", issuer, clientID)
	for _, pr := range persons {
		fmt.Printf("  %s  %s\n", pr.PID, pr.Name)
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

func readPersons(file string) ([]idportentest.Person, error) {
	if file == "" {
		return idportentest.TestIDPersons(), nil // the local Folkeregisteret's (examples/freg-test)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []idportentest.Person
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(out) == 0 {
		return nil, errors.New(file + ": no persons")
	}
	return out, nil
}
