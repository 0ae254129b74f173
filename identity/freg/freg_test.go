package freg_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/freg"
	"github.com/skjema/skjema/identity/fregtest"
)

func client(t *testing.T, s *fregtest.Server, key []byte, clientID string) *freg.Client {
	t.Helper()
	tokens, err := identity.Maskinporten(context.Background(), identity.MaskinportenConfig{Issuer: s.Issuer(), ClientID: clientID,
		KeyID: "k1", PrivateKey: key, Scopes: []string{freg.Scope}})
	if err != nil {
		t.Fatal(err)
	}
	return freg.New(s.Issuer(), tokens, 2*time.Second)
}

func oslo(y int, m time.Month, d int) time.Time {
	loc, _ := time.LoadLocation("Europe/Oslo")
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// TestHouseholdOnTheSituasjonsdato: the applicant's name and address, and
// those registered in her unit on the day: not the neighbour in the flat
// next door, and a lodger who moved out on 15 November only before that.
func TestHouseholdOnTheSituasjonsdato(t *testing.T) {
	t.Parallel()
	s, key := fregtest.Serve(t, "skjema")
	c := client(t, s, key, "skjema")
	ctx := context.Background()

	h, err := c.Household(ctx, "12838542067", oslo(2026, time.December, 1))
	if err != nil {
		t.Fatal(err)
	}
	if h.Applicant.GivenName != "Kari" || h.Applicant.FamilyName != "Nordmann" || h.Address.Street != "Storgata 1" ||
		h.Address.Postnummer != "0150" || h.Address.Bruksenhetsnummer != "H0101" || h.Address.Kommunenummer != "0301" {
		t.Fatalf("household %+v", h)
	}
	var names []string
	for _, p := range h.Others {
		names = append(names, p.GivenName)
	}
	if len(names) != 3 || names[0] != "Ola" || names[1] != "Emma" || names[2] != "Jakob" {
		t.Fatalf("registered with her on 1 December: %v, want Ola, Emma, Jakob (oldest first; not Aisha next door, not Ingrid who moved)", names)
	}
	h, err = c.Household(ctx, "12838542067", oslo(2026, time.November, 1))
	if err != nil || len(h.Others) != 4 {
		t.Fatalf("on 1 November: %+v, %v; want Ingrid too, who moved out on the 15th", h.Others, err)
	}
	ingrid, err := c.Household(ctx, "06869535034", oslo(2026, time.December, 1))
	if err != nil || ingrid.Address.Street != "Kirkeveien 10 B" || len(ingrid.Others) != 1 || ingrid.Others[0].GivenName != "Per" {
		t.Fatalf("Ingrid in December: %+v, %v", ingrid, err)
	}
	if _, err := c.Household(ctx, "01010150123", oslo(2026, time.December, 1)); !errors.Is(err, freg.ErrNotFound) {
		t.Fatalf("an unknown person: %v, want ErrNotFound", err)
	}
	s.SetDown(true)
	_, err = c.Household(ctx, "12838542067", oslo(2026, time.December, 1))
	if !errors.Is(err, freg.ErrUnavailable) {
		t.Fatalf("a register that is down: %v, want ErrUnavailable", err)
	}
	// Errors are logged: they never hold the number asked about.
	if strings.Contains(err.Error(), "12838542067") {
		t.Fatalf("the error names the person: %v", err)
	}
	gone := freg.New("http://127.0.0.1:9", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"}), time.Second)
	if _, err := gone.Household(ctx, "12838542067", time.Now()); !errors.Is(err, freg.ErrUnavailable) || strings.Contains(err.Error(), "12838542067") {
		t.Fatalf("a register that cannot be reached: %v", err)
	}
}

// TestOnlyAMaskinportenTokenOpensTheRegister: a grant signed with another
// key than the one registered gets no token, and no token no data.
func TestOnlyAMaskinportenTokenOpensTheRegister(t *testing.T) {
	t.Parallel()
	s, key := fregtest.Serve(t, "skjema")
	other, _, err := fregtest.Key()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, s, other, "skjema").Household(context.Background(), "12838542067", time.Now()); !errors.Is(err, freg.ErrUnavailable) {
		t.Fatalf("another key: %v, want no data", err)
	}
	// The registered key under a client id the stand-in does not know.
	if _, err := client(t, s, key, "stranger").Household(context.Background(), "12838542067", time.Now()); !errors.Is(err, freg.ErrUnavailable) {
		t.Fatalf("an unregistered client: %v, want no data", err)
	}
}
