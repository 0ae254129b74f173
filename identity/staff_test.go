package identity_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/idportentest"
)

// TestStaffSignIn: a kommune's own login, as Entra ID sends it: the code
// flow with PKCE, and who she is with her groups from the id_token; a code
// redeemed with another sign-in's nonce or verifier is refused.
func TestStaffSignIn(t *testing.T) {
	t.Parallel()
	op := idportentest.ServeConfig(t, idportentest.Config{
		Clients: []idportentest.Client{{ID: "skjema-cw", Secret: "s3cret", RedirectURIs: []string{callback}}},
		Persons: []idportentest.Person{idportentest.Employee("kari", "Kari Nordmann", "kari.nordmann@oslo.kommune.no", "groups", "g-1", "g-2")},
	})
	rp, err := identity.NewStaffLogin(context.Background(), identity.StaffConfig{Issuer: op.Issuer(), ClientID: "skjema-cw", ClientSecret: "s3cret",
		RedirectURL: callback, Claim: "groups"})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Issuer() != op.Issuer() {
		t.Fatalf("issuer %s", rp.Issuer())
	}
	code := func(s identity.Start) string {
		t.Helper()
		back, err := idportentest.SignIn(noRedirects(), rp.AuthURL(s), "kari", idportentest.Substantial)
		if err != nil {
			t.Fatal(err)
		}
		if back.Query().Get("state") != s.State {
			t.Fatalf("state %q came back, want the start's", back.Query().Get("state"))
		}
		return back.Query().Get("code")
	}
	ctx := context.Background()
	s := identity.NewStart()
	st, err := rp.Exchange(ctx, s, code(s))
	if err != nil {
		t.Fatal(err)
	}
	if st.Subject == "" || st.Name != "Kari Nordmann" || st.Email != "kari.nordmann@oslo.kommune.no" || !slices.Equal(st.Values, []string{"g-1", "g-2"}) {
		t.Fatalf("staff %+v", st)
	}
	for name, change := range map[string]func(*identity.Start){
		"another sign-in's nonce":    func(s *identity.Start) { s.Nonce = identity.NewStart().Nonce },
		"another sign-in's verifier": func(s *identity.Start) { s.Verifier = identity.NewStart().Verifier },
	} {
		s := identity.NewStart()
		c := code(s)
		change(&s)
		if _, err := rp.Exchange(ctx, s, c); !errors.Is(err, identity.ErrToken) {
			t.Errorf("%s: %v, want ErrToken", name, err)
		}
	}

	now := time.Now()
	token := func(claims map[string]any) string {
		t.Helper()
		c := map[string]any{"iss": op.Issuer(), "aud": "skjema-cw", "sub": "s", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "nonce": "n"}
		for k, v := range claims {
			c[k] = v
		}
		raw, err := op.SignIDToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, tt := range []struct {
		name   string
		claims map[string]any
		want   identity.Staff
	}{
		{"ADFS: one group as a string, upn, given and family name",
			map[string]any{"groups": "Skjema-Saksbehandlere", "upn": "per@bergen.kommune.no", "given_name": "Per", "family_name": "Hansen"},
			identity.Staff{Subject: "s", Name: "Per Hansen", Email: "per@bergen.kommune.no", Values: []string{"Skjema-Saksbehandlere"}}},
		{"Entra ID without a mailbox: preferred_username",
			map[string]any{"groups": []string{"g"}, "preferred_username": "ola@oslo.kommune.no", "email": "", "name": "Ola"},
			identity.Staff{Subject: "s", Name: "Ola", Email: "ola@oslo.kommune.no", Values: []string{"g"}}},
		{"no address at all, no groups",
			map[string]any{"preferred_username": "ola", "name": "Ola"},
			identity.Staff{Subject: "s", Name: "Ola"}},
	} {
		got, err := rp.Verify(ctx, token(tt.claims), "n")
		if err != nil || got.Subject != tt.want.Subject || got.Name != tt.want.Name || got.Email != tt.want.Email || !slices.Equal(got.Values, tt.want.Values) {
			t.Errorf("%s: %+v %v, want %+v", tt.name, got, err, tt.want)
		}
	}
	overage := token(map[string]any{"_claim_names": map[string]any{"groups": "src1"}, "_claim_sources": map[string]any{"src1": map[string]any{"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}})
	if _, err := rp.Verify(ctx, overage, "n"); !errors.Is(err, identity.ErrClaimOverage) {
		t.Errorf("Entra ID's group overage: %v, want ErrClaimOverage", err)
	}
	for name, claims := range map[string]map[string]any{
		"a token for another client": {"aud": "another-service"},
		"an expired token":           {"exp": now.Add(-time.Minute).Unix()},
		"another nonce":              {"nonce": "m"},
	} {
		if _, err := rp.Verify(ctx, token(claims), "n"); !errors.Is(err, identity.ErrToken) {
			t.Errorf("%s: %v, want ErrToken", name, err)
		}
	}
}
