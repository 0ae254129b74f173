// Package freg is a client of Skatteetaten's Folkeregisteret, the
// "offentlig med hjemmel" person API (bustøttelova § 8 lets the kommune
// fetch without consent: ../shared/domain §2.3 [L-§8][Fiks-FREG]), with a
// Maskinporten token. It answers what the bostøtte form asks of the
// household: the applicant's name and bostedsadresse, with its
// bruksenhetsnummer, and everyone registered in the same unit, on the
// situasjonsdato (the 1st of the month applied for).
//
// The person API has no lookup by address; its search with a result list
// (personer/soek) finds those registered at the street address, and each
// is then read for the unit and the date. A register that does not answer
// is ErrUnavailable: the citizen then fills in by hand.
package freg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// PathPrefix is the API's path under its host, for the package
// "offentlig med hjemmel".
const PathPrefix = "/folkeregisteret/offentlig-med-hjemmel/api/v1/"

// Scope is Maskinporten's scope for it.
const Scope = "folkeregister:deling/offentligmedhjemmel"

// MaxHousehold bounds the persons read at one street address: a block of
// flats can hold many; a unit rarely more than this.
const MaxHousehold = 60

// ErrUnavailable: the register did not answer, or answered what this
// client cannot read. The citizen fills in by hand.
var ErrUnavailable = errors.New("the population register (Folkeregisteret) did not answer")

// ErrNotFound: the register has no such person.
var ErrNotFound = errors.New("no such person in Folkeregisteret")

// Client reads Folkeregisteret.
type Client struct {
	base string
	http *http.Client
}

// New makes a client of the API at base (https://folkeregisteret.api.skatteetaten.no,
// or a local stand-in), authenticated by the tokens (Maskinporten).
func New(base string, tokens oauth2.TokenSource, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	hc := &http.Client{Timeout: timeout, Transport: &oauth2.Transport{Source: tokens, Base: http.DefaultTransport}}
	return &Client{base: strings.TrimSuffix(base, "/"), http: hc}
}

// Person is one person as the form needs her.
type Person struct {
	PID        string `json:"pid"`
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	BirthDate  string `json:"birthDate,omitempty"`
}

// Address is a bostedsadresse.
type Address struct {
	Street            string `json:"street"` // "Kirkeveien 10 B"
	Postnummer        string `json:"postnummer"`
	Poststed          string `json:"poststed"`
	Kommunenummer     string `json:"kommunenummer"`
	Bruksenhetsnummer string `json:"bruksenhetsnummer,omitempty"`

	name, number, letter string
}

// Household is the applicant, her address and those registered with her,
// on a day.
type Household struct {
	Applicant Person   `json:"applicant"`
	Address   Address  `json:"address"`
	Others    []Person `json:"others"`
	On        string   `json:"on"` // yyyy-mm-dd
}

// Household reads the applicant and those registered in her unit on the
// day.
func (c *Client) Household(ctx context.Context, pid string, on time.Time) (Household, error) {
	me, err := c.person(ctx, pid)
	if err != nil {
		return Household{}, err
	}
	addr, ok := me.addressOn(on)
	if !ok {
		return Household{Applicant: me.person(), On: on.Format(time.DateOnly)}, nil // no address in Norway that day
	}
	h := Household{Applicant: me.person(), Address: addr, On: on.Format(time.DateOnly)}
	q := url.Values{"adressenavn": {addr.name}, "husnummer": {addr.number + addr.letter}, "postnummer": {addr.Postnummer},
		"kommunenummer": {addr.Kommunenummer}}
	var found struct {
		PIDs []string `json:"foedselsEllerDNummer"`
	}
	if err := c.get(ctx, "personer/soek", "personer/soek?"+q.Encode(), &found); err != nil {
		return Household{}, err
	}
	for i, other := range found.PIDs {
		if i >= MaxHousehold {
			break
		}
		if other == pid {
			continue
		}
		p, err := c.person(ctx, other)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return Household{}, err
		}
		if a, ok := p.addressOn(on); ok && a.sameUnit(addr) {
			h.Others = append(h.Others, p.person())
		}
	}
	sort.Slice(h.Others, func(i, j int) bool { return h.Others[i].BirthDate < h.Others[j].BirthDate })
	return h, nil
}

func (c *Client) person(ctx context.Context, pid string) (document, error) {
	var d document
	err := c.get(ctx, "personer/{id}", "personer/"+url.PathEscape(pid)+"?part=person-basis", &d)
	return d, err
}

// get reads one resource. Its errors name the resource by its template
// (what), never by the fødselsnummer or the address in its path: they are
// logged.
func (c *Client) get(ctx context.Context, what, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+PathPrefix+path, nil)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrUnavailable, what)
	}
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL, which holds the number
		}
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: %s answered %s", ErrUnavailable, what, res.Status)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 4<<20)).Decode(into); err != nil {
		return fmt.Errorf("%w: %s: the answer cannot be read", ErrUnavailable, what)
	}
	return nil
}

// document is the part of Folkeregisteret's person document read here
// (part=person-basis).
type document struct {
	Identifikasjonsnummer []struct {
		ErGjeldende bool   `json:"erGjeldende"`
		PID         string `json:"foedselsEllerDNummer"`
	} `json:"identifikasjonsnummer"`
	Navn []struct {
		ErGjeldende bool   `json:"erGjeldende"`
		Fornavn     string `json:"fornavn"`
		Mellomnavn  string `json:"mellomnavn"`
		Etternavn   string `json:"etternavn"`
	} `json:"navn"`
	Foedsel []struct {
		ErGjeldende  bool   `json:"erGjeldende"`
		Foedselsdato string `json:"foedselsdato"`
	} `json:"foedsel"`
	Bostedsadresse []bosted `json:"bostedsadresse"`
}

type bosted struct {
	Gyldig     *time.Time  `json:"gyldighetstidspunkt"`
	Opphoer    *time.Time  `json:"opphoerstidspunkt"`
	Vegadresse *vegadresse `json:"vegadresse"`
}

type vegadresse struct {
	Adressenavn   string `json:"adressenavn"`
	Adressenummer struct {
		Husnummer  string `json:"husnummer"`
		Husbokstav string `json:"husbokstav"`
	} `json:"adressenummer"`
	Bruksenhetsnummer string `json:"bruksenhetsnummer"`
	Kommunenummer     string `json:"kommunenummer"`
	Poststed          struct {
		Poststedsnavn string `json:"poststedsnavn"`
		Postnummer    string `json:"postnummer"`
	} `json:"poststed"`
}

func (d document) person() Person {
	var p Person
	for _, id := range d.Identifikasjonsnummer {
		if id.ErGjeldende {
			p.PID = id.PID
		}
	}
	for _, n := range d.Navn {
		if n.ErGjeldende {
			p.GivenName, p.FamilyName = strings.TrimSpace(n.Fornavn+" "+n.Mellomnavn), n.Etternavn
		}
	}
	for _, f := range d.Foedsel {
		if f.ErGjeldende {
			p.BirthDate = f.Foedselsdato
		}
	}
	return p
}

// addressOn is the bostedsadresse that held on the day (a street address;
// a matrikkeladresse is left for the citizen to write).
func (d document) addressOn(on time.Time) (Address, bool) {
	for _, b := range d.Bostedsadresse {
		if b.Vegadresse == nil || (b.Gyldig != nil && b.Gyldig.After(on)) || (b.Opphoer != nil && !b.Opphoer.After(on)) {
			continue
		}
		v := b.Vegadresse
		street := strings.TrimSpace(v.Adressenavn + " " + v.Adressenummer.Husnummer + " " + v.Adressenummer.Husbokstav)
		return Address{Street: street, Postnummer: v.Poststed.Postnummer, Poststed: v.Poststed.Poststedsnavn, Kommunenummer: v.Kommunenummer,
			Bruksenhetsnummer: v.Bruksenhetsnummer, name: v.Adressenavn, number: v.Adressenummer.Husnummer, letter: v.Adressenummer.Husbokstav}, true
	}
	return Address{}, false
}

func (a Address) sameUnit(b Address) bool {
	return strings.EqualFold(a.name, b.name) && a.number == b.number && strings.EqualFold(a.letter, b.letter) &&
		a.Postnummer == b.Postnummer && a.Bruksenhetsnummer == b.Bruksenhetsnummer
}
