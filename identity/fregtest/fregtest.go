// Package fregtest is a local stand-in for Folkeregisteret's "offentlig
// med hjemmel" person API and for Maskinporten's token endpoint, for
// development and tests: synthetic persons (Tenor-style, month +80) from a
// data file in Folkeregisteret's own JSON shape, served at the real
// paths, to a client that holds a token from the stand-in's Maskinporten,
// which takes a JWT bearer grant (RFC 7523) signed by a registered key.
//
// Run it with `go run ./examples/freg-test`; a test starts one with Serve.
package fregtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/skjema/skjema/identity/freg"
)

//go:embed persons.json
var defaultPersons []byte

// DefaultPersons is the data file the stand-in serves unless told
// otherwise: four in one flat of Storgata 1 in Oslo, one in the flat next
// door, one who moved out of the first on 15 November 2026, one alone in
// Kirkeveien, one in Bergen.
func DefaultPersons() []byte { return defaultPersons }

// Client is a registered Maskinporten client: its id and public key.
type Client struct {
	ID  string
	Key *rsa.PublicKey
}

// Server is the stand-in.
type Server struct {
	issuer  string
	clients map[string]*rsa.PublicKey
	persons map[string]json.RawMessage
	index   []indexed
	now     func() time.Time

	mu     sync.Mutex
	tokens map[string]time.Time // access token → expiry
	down   bool
}

type indexed struct {
	pid       string
	addresses []address
}

type address struct{ name, number, postnummer, kommune string }

// New serves the persons (a JSON array of person documents) at issuer (the
// stand-in's own URL, which is also its Maskinporten's issuer).
func New(issuer string, personsJSON []byte, clients ...Client) (*Server, error) {
	var docs []json.RawMessage
	if err := json.Unmarshal(personsJSON, &docs); err != nil {
		return nil, fmt.Errorf("fregtest: the persons file is not a JSON array of person documents: %w", err)
	}
	s := &Server{issuer: strings.TrimSuffix(issuer, "/"), clients: map[string]*rsa.PublicKey{}, persons: map[string]json.RawMessage{},
		tokens: map[string]time.Time{}, now: time.Now}
	for _, c := range clients {
		s.clients[c.ID] = c.Key
	}
	for _, raw := range docs {
		var d struct {
			ID []struct {
				PID string `json:"foedselsEllerDNummer"`
			} `json:"identifikasjonsnummer"`
			Bosted []struct {
				V *struct {
					Name string `json:"adressenavn"`
					Nr   struct {
						Number string `json:"husnummer"`
						Letter string `json:"husbokstav"`
					} `json:"adressenummer"`
					Kommune  string `json:"kommunenummer"`
					Poststed struct {
						Postnummer string `json:"postnummer"`
					} `json:"poststed"`
				} `json:"vegadresse"`
			} `json:"bostedsadresse"`
		}
		if err := json.Unmarshal(raw, &d); err != nil || len(d.ID) == 0 {
			return nil, errors.New("fregtest: a person document without identifikasjonsnummer")
		}
		ix := indexed{pid: d.ID[0].PID}
		for _, b := range d.Bosted {
			if b.V != nil {
				ix.addresses = append(ix.addresses, address{strings.ToLower(b.V.Name), strings.ToLower(b.V.Nr.Number + b.V.Nr.Letter), b.V.Poststed.Postnummer, b.V.Kommune})
			}
		}
		s.persons[ix.pid] = raw
		s.index = append(s.index, ix)
	}
	return s, nil
}

// SetDown makes the register answer 503, as one that is down.
func (s *Server) SetDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

// Issuer is the stand-in's URL: its API's base and its Maskinporten's
// issuer.
func (s *Server) Issuer() string { return s.issuer }

// Handler serves Maskinporten's /token and the person API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET "+freg.PathPrefix+"personer/soek", s.authorized(s.search))
	mux.HandleFunc("GET "+freg.PathPrefix+"personer/{id}", s.authorized(s.person))
	return mux
}

// token takes a JWT bearer grant as Maskinporten does: signed (RS256) by
// the key registered for its iss, for this audience, short-lived, with the
// register's scope.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	fail := func(desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": desc})
	}
	if r.PostFormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		fail("grant_type must be jwt-bearer")
		return
	}
	tok, err := jwt.ParseSigned(r.PostFormValue("assertion"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		fail("the assertion is not a signed JWT")
		return
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		fail("the assertion's claims cannot be read")
		return
	}
	s.mu.Lock()
	key := s.clients[unverified.Issuer]
	s.mu.Unlock()
	var claims jwt.Claims
	var extra struct {
		Scope string `json:"scope"`
	}
	if key == nil || tok.Claims(key, &claims, &extra) != nil {
		fail("unknown client, or a signature that is not its key's")
		return
	}
	now := s.now()
	if err := claims.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{s.issuer, s.issuer + "/"}, Time: now}, 10*time.Second); err != nil {
		fail("the grant is for another audience, or expired: " + err.Error())
		return
	}
	if claims.Expiry == nil || claims.IssuedAt == nil || claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > 120*time.Second {
		fail("a grant lives at most 120 seconds")
		return
	}
	if !slices.Contains(strings.Fields(extra.Scope), freg.Scope) {
		fail("the scope " + freg.Scope + " is not asked for")
		return
	}
	b := make([]byte, 24)
	rand.Read(b)
	access := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	s.tokens[access] = now.Add(120 * time.Second)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 120, "scope": freg.Scope})
}

func (s *Server) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, ok := s.tokens[token]
		down := s.down
		s.mu.Unlock()
		switch {
		case down:
			http.Error(w, "Folkeregisteret er nede (test)", http.StatusServiceUnavailable)
		case !ok || s.now().After(exp):
			http.Error(w, "a Maskinporten token is required", http.StatusUnauthorized)
		default:
			w.Header().Set("Content-Type", "application/json")
			next(w, r)
		}
	}
}

func (s *Server) person(w http.ResponseWriter, r *http.Request) {
	raw, ok := s.persons[r.PathValue("id")]
	if !ok {
		http.Error(w, `{"kode":"FREG-004","melding":"Fant ikke person"}`, http.StatusNotFound)
		return
	}
	w.Write(raw)
}

// search is personer/soek with a result list, by street address; unlike
// an entydig search, any number of persons answer.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := address{strings.ToLower(q.Get("adressenavn")), strings.ToLower(q.Get("husnummer")), q.Get("postnummer"), q.Get("kommunenummer")}
	out := []string{}
	for _, p := range s.index {
		for _, a := range p.addresses {
			if a.name == want.name && a.number == want.number && (want.postnummer == "" || a.postnummer == want.postnummer) &&
				(want.kommune == "" || a.kommune == want.kommune) {
				out = append(out, p.pid)
				break
			}
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"foedselsEllerDNummer": out})
}

// Key is a new client key pair: the private key in PEM (what the client
// signs with) and its public key (what the stand-in registers).
func Key() (privatePEM []byte, public *rsa.PublicKey, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), &k.PublicKey, nil
}

// Serve starts the stand-in with the default persons for the test, with
// one Maskinporten client (clientID), and answers it and the client's
// private key in PEM.
func Serve(t testing.TB, clientID string) (*Server, []byte) {
	t.Helper()
	priv, pub, err := Key()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	s, err := New("http://"+srv.Listener.Addr().String(), defaultPersons, Client{ID: clientID, Key: pub})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return s, priv
}

// Person is a person of the data file, by number and name, for the local
// ID-porten's TestID persons: the same people sign in there and are found
// here.
type Person struct{ PID, Name string }

// Persons are the persons of a data file (DefaultPersons if nil).
func Persons(data []byte) ([]Person, error) {
	if data == nil {
		data = defaultPersons
	}
	var docs []struct {
		ID []struct {
			PID string `json:"foedselsEllerDNummer"`
		} `json:"identifikasjonsnummer"`
		Navn []struct {
			Fornavn   string `json:"fornavn"`
			Etternavn string `json:"etternavn"`
		} `json:"navn"`
	}
	if err := json.Unmarshal(data, &docs); err != nil {
		return nil, err
	}
	var out []Person
	for _, d := range docs {
		if len(d.ID) == 0 || len(d.Navn) == 0 {
			continue
		}
		out = append(out, Person{PID: d.ID[0].PID, Name: d.Navn[0].Fornavn + " " + d.Navn[0].Etternavn})
	}
	return out, nil
}
