package identity_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/fregtest"
	"github.com/skjema/skjema/identity/idportentest"
)

const callback = "http://127.0.0.1:9/auth/idporten/callback"

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// setup starts a local ID-porten with the client "skjema" and its relying
// party.
func setup(t *testing.T) (*idportentest.Provider, *identity.IDPorten) {
	t.Helper()
	op := idportentest.Serve(t, idportentest.Client{ID: "skjema", Secret: "s3cret", RedirectURIs: []string{callback},
		PostLogoutRedirectURIs: []string{"http://127.0.0.1:9/signed-out"}})
	rp, err := identity.NewIDPorten(context.Background(), identity.Config{Issuer: op.Issuer(), ClientID: "skjema", ClientSecret: "s3cret",
		RedirectURL: callback, Person: nid.PersonOptions{AllowSynthetic: true}})
	if err != nil {
		t.Fatal(err)
	}
	return op, rp
}

// signIn runs the browser's part headless and answers the code.
func signIn(t *testing.T, op *idportentest.Provider, rp *identity.IDPorten, s identity.Start, pid string, level identity.Level) string {
	t.Helper()
	back, err := idportentest.SignIn(noRedirects(), rp.AuthURL(s, level, "nn"), pid, string(level))
	if err != nil {
		t.Fatal(err)
	}
	if back.Query().Get("state") != s.State {
		t.Fatalf("state %q came back, want the start's", back.Query().Get("state"))
	}
	return back.Query().Get("code")
}

// TestSignInGivesThePIDLevelAndLocale: the whole code flow with PKCE, and
// what the id_token says of the person.
func TestSignInGivesThePIDLevelAndLocale(t *testing.T) {
	t.Parallel()
	op, rp := setup(t)
	pid := op.Persons()[1].PID
	s := identity.NewStart()
	code := signIn(t, op, rp, s, pid, identity.High)
	id, err := rp.Exchange(context.Background(), s, code, identity.Substantial)
	if err != nil {
		t.Fatal(err)
	}
	if id.PID != pid || id.Level != identity.High || id.Locale != "nn" || id.IDToken == "" {
		t.Fatalf("identity %+v, want pid %s at high in nynorsk", id, pid)
	}
	end := rp.EndSessionURL(id.IDToken, "http://127.0.0.1:9/signed-out", "x")
	if !strings.HasPrefix(end, op.Issuer()+"/logout?") || !strings.Contains(end, "id_token_hint=") {
		t.Fatalf("end-session URL %s", end)
	}
}

// TestSignInRefusals: what the acceptance of #14 names, each refused.
func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	op, rp := setup(t)
	pid := op.Persons()[0].PID
	ctx := context.Background()

	t.Run("a level below the form's", func(t *testing.T) {
		s := identity.NewStart()
		code := signIn(t, op, rp, s, pid, identity.Substantial)
		if _, err := rp.Exchange(ctx, s, code, identity.High); !errors.Is(err, identity.ErrLevel) {
			t.Fatalf("substantial for a form that needs high: %v, want ErrLevel", err)
		}
	})
	t.Run("a replayed code", func(t *testing.T) {
		s := identity.NewStart()
		code := signIn(t, op, rp, s, pid, identity.Substantial)
		if _, err := rp.Exchange(ctx, s, code, identity.Substantial); err != nil {
			t.Fatal(err)
		}
		if _, err := rp.Exchange(ctx, s, code, identity.Substantial); !errors.Is(err, identity.ErrToken) {
			t.Fatalf("the second exchange: %v, want ErrToken", err)
		}
	})
	t.Run("a code without its PKCE verifier", func(t *testing.T) {
		s := identity.NewStart()
		code := signIn(t, op, rp, s, pid, identity.Substantial)
		other := s
		other.Verifier = identity.NewStart().Verifier
		if _, err := rp.Exchange(ctx, other, code, identity.Substantial); !errors.Is(err, identity.ErrToken) {
			t.Fatalf("another verifier: %v, want ErrToken", err)
		}
	})
	t.Run("another sign-in's nonce", func(t *testing.T) {
		s := identity.NewStart()
		code := signIn(t, op, rp, s, pid, identity.Substantial)
		other := s
		other.Nonce = "not-this-one"
		if _, err := rp.Exchange(ctx, other, code, identity.Substantial); !errors.Is(err, identity.ErrToken) {
			t.Fatalf("another nonce: %v, want ErrToken", err)
		}
	})

	now := time.Now()
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"iss": op.Issuer(), "aud": "skjema", "sub": "x", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
			"nonce": "n", "acr": string(identity.Substantial), "pid": pid}
		change(c)
		return c
	}
	for _, tt := range []struct {
		name   string
		change func(map[string]any)
		want   error
	}{
		{"a token for another client", func(c map[string]any) { c["aud"] = "another-service" }, identity.ErrToken},
		{"an expired token", func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }, identity.ErrToken},
		{"another issuer", func(c map[string]any) { c["iss"] = "https://idporten.example" }, identity.ErrToken},
		{"no acr", func(c map[string]any) { delete(c, "acr") }, identity.ErrLevel},
		{"a pid that is no fødselsnummer", func(c map[string]any) { c["pid"] = "12345678901" }, identity.ErrToken},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := op.SignIDToken(claims(tt.change))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rp.Verify(ctx, raw, "n", identity.Substantial); !errors.Is(err, tt.want) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
		})
	}
	t.Run("a token whose pid was changed after signing", func(t *testing.T) {
		raw, err := op.SignIDToken(claims(func(map[string]any) {}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.Verify(ctx, raw, "n", identity.Substantial); err != nil {
			t.Fatalf("the untouched token: %v", err)
		}
		parts := strings.Split(raw, ".")
		other, _ := op.SignIDToken(claims(func(c map[string]any) { c["pid"] = op.Persons()[2].PID }))
		tampered := parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2]
		if _, err := rp.Verify(ctx, tampered, "n", identity.Substantial); !errors.Is(err, identity.ErrToken) {
			t.Fatalf("tampered pid: %v, want ErrToken", err)
		}
	})
}

// TestPrivateKeyJWT: a client registered with its public key signs in
// with a client assertion and no secret; an assertion signed with another
// key gets no token.
func TestPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	priv, pub, err := fregtest.Key()
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := fregtest.Key()
	op := idportentest.Serve(t, idportentest.Client{ID: "skjema-jwt", RedirectURIs: []string{callback}, PublicKey: pub, KeyID: "k1"})
	for _, tt := range []struct {
		name string
		key  []byte
		ok   bool
	}{{"the registered key", priv, true}, {"another key", other, false}} {
		rp, err := identity.NewIDPorten(context.Background(), identity.Config{Issuer: op.Issuer(), ClientID: "skjema-jwt", PrivateKey: tt.key, KeyID: "k1",
			RedirectURL: callback, Person: nid.PersonOptions{AllowSynthetic: true}})
		if err != nil {
			t.Fatal(err)
		}
		s := identity.NewStart()
		code := signIn(t, op, rp, s, op.Persons()[0].PID, identity.Substantial)
		_, err = rp.Exchange(context.Background(), s, code, identity.Substantial)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
