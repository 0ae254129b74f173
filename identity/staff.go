package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// StaffConfig is a kommune's own OpenID provider, where its employees sign
// in: Entra ID, ADFS, or another that puts groups or roles in the id_token.
type StaffConfig struct {
	// Issuer is the provider's, as its tokens name it: for Entra ID the
	// tenant's own, https://login.microsoftonline.com/<tenant id>/v2.0
	// (not "common" or "organizations", whose tokens name each tenant);
	// for ADFS https://adfs.<kommune>.no/adfs.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback, as registered at the provider.
	RedirectURL string
	// Claim is the id_token's claim whose values Staff.Values carries:
	// "groups" or "roles" in Entra ID, "group" or "role" in ADFS. Required.
	Claim string
	// HTTPClient talks to the provider. Defaults to a client with a
	// timeout of 10 seconds.
	HTTPClient *http.Client
}

// StaffLogin is a client of a kommune's own OpenID provider: the
// authorization code flow with PKCE (S256), state and nonce, as for
// ID-porten.
type StaffLogin struct {
	cfg      StaffConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// NewStaffLogin reads the provider's discovery document.
func NewStaffLogin(ctx context.Context, cfg StaffConfig) (*StaffLogin, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" || cfg.Claim == "" {
		return nil, errors.New("identity: a kommune's login needs an issuer, a client id, a redirect URL and a claim")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: the kommune's login's discovery at %s: %w", cfg.Issuer, err)
	}
	return &StaffLogin{cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// Issuer is the provider's issuer: with a user's sub, the identity her
// account is found by.
func (p *StaffLogin) Issuer() string { return p.cfg.Issuer }

// AuthURL is where the browser goes to sign in.
func (p *StaffLogin) AuthURL(s Start) string {
	return p.oauth.AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier))
}

// Staff is a signed-in employee, from the id_token.
type Staff struct {
	// Subject is her sub: stable at the provider, unlike her address.
	Subject string
	Email   string
	Name    string
	// Values are the values of the configured claim: her groups or roles.
	Values []string
}

// ErrClaimOverage: the provider left the groups out of the id_token because
// there are too many (Entra ID's limit is 200; it then points to Microsoft
// Graph instead). The installation should map app roles ("roles"), or have
// Entra ID send only the groups assigned to the application.
var ErrClaimOverage = errors.New("the id_token has too many groups, and carries none")

// Exchange trades the callback's code for the id_token, with the start's
// PKCE verifier, and verifies it against the start's nonce. A refused code
// or token is ErrToken.
func (p *StaffLogin) Exchange(ctx context.Context, s Start, code string) (Staff, error) {
	ctx = oidc.ClientContext(ctx, p.cfg.HTTPClient)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(s.Verifier))
	if err != nil {
		return Staff{}, fmt.Errorf("%w: the code: %v", ErrToken, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Staff{}, fmt.Errorf("%w: no id_token in the answer", ErrToken)
	}
	return p.Verify(ctx, raw, s.Nonce)
}

// Verify checks an id_token: signature, issuer, audience and expiry (by
// go-oidc), then the nonce; and reads who she is from it.
func (p *StaffLogin) Verify(ctx context.Context, raw, nonce string) (Staff, error) {
	tok, err := p.verifier.Verify(oidc.ClientContext(ctx, p.cfg.HTTPClient), raw)
	if err != nil {
		return Staff{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	if tok.Nonce == "" || tok.Nonce != nonce {
		return Staff{}, fmt.Errorf("%w: the nonce is not this sign-in's", ErrToken)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Staff{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	str := func(name string) string { s, _ := claims[name].(string); return strings.TrimSpace(s) }
	st := Staff{Subject: tok.Subject, Name: str("name")}
	if st.Name == "" {
		st.Name = strings.TrimSpace(str("given_name") + " " + str("family_name"))
	}
	// Entra ID sends email only where the user has a mailbox address set,
	// and preferred_username (her sign-in name) always; ADFS sends upn.
	for _, name := range []string{"email", "preferred_username", "upn"} {
		if a, err := mail.ParseAddress(str(name)); err == nil && a.Address == str(name) {
			st.Email = a.Address
			break
		}
	}
	switch v := claims[p.cfg.Claim].(type) {
	case string: // ADFS sends one value as a string
		st.Values = []string{v}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				st.Values = append(st.Values, s)
			}
		}
	case nil:
		if names, ok := claims["_claim_names"].(map[string]any); ok && names[p.cfg.Claim] != nil {
			return Staff{}, ErrClaimOverage
		}
	}
	return st, nil
}
