// Package identity signs people in with OpenID Connect, as a client
// (go-oidc and x/oauth2): citizens at ID-porten (idporten.go), and
// caseworkers at their kommune's own provider, such as Entra ID or ADFS
// (staff.go). For ID-porten it checks what ID-porten's documentation asks a
// client to check: the id_token's signature, issuer, audience, expiry and
// nonce, the level of assurance (acr), and the person's identifier (pid).
// It keeps no state of its own: the caller keeps a sign-in's Start (state,
// nonce, PKCE verifier) between the redirect and the callback.
package identity

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
)

// Level is a level of assurance: forms.Level, the one a form asks for.
type Level = forms.Level

// The levels ID-porten signs in at.
const (
	Substantial = forms.Substantial
	High        = forms.High
)

// Config for ID-porten.
type Config struct {
	// Issuer is ID-porten's: https://idporten.no, https://test.idporten.no,
	// or a local one (examples/idporten-test).
	Issuer       string
	ClientID     string
	ClientSecret string
	// PrivateKey (RSA, PEM) and its KeyID authenticate the client by
	// private_key_jwt instead of the secret, as Digdir recommends: a signed
	// client assertion per token request.
	PrivateKey []byte
	KeyID      string
	// RedirectURL is this server's callback, as registered with ID-porten.
	RedirectURL string
	// Person are the fødselsnumre accepted as pid: synthetic ones only in
	// test installations.
	Person nid.PersonOptions
	// HTTPClient talks to ID-porten; a client with a timeout by default.
	HTTPClient *http.Client
}

// IDPorten is a client of ID-porten.
type IDPorten struct {
	cfg      Config
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	endURL   string
	signer   jose.Signer // private_key_jwt; nil with a secret
}

// NewIDPorten reads ID-porten's discovery document.
func NewIDPorten(ctx context.Context, cfg Config) (*IDPorten, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("identity: ID-porten needs an issuer, a client id and a redirect URL")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: ID-porten's discovery at %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("identity: ID-porten's discovery: %w", err)
	}
	p := &IDPorten{cfg: cfg, provider: provider, endURL: meta.EndSession,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}
	if len(cfg.PrivateKey) > 0 {
		if p.signer, err = assertionSigner(cfg.PrivateKey, cfg.KeyID); err != nil {
			return nil, fmt.Errorf("identity: ID-porten's client key: %w", err)
		}
		p.oauth.ClientSecret = ""
		p.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return p, nil
}

// AuthURL is where the browser goes to sign in at the level, in the
// language (nb, nn or en).
func (p *IDPorten) AuthURL(s Start, level Level, lang string) string {
	return p.oauth.AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier),
		oauth2.SetAuthURLParam("acr_values", string(level)), oauth2.SetAuthURLParam("ui_locales", lang))
}

// Identity is a signed-in citizen, from the id_token.
type Identity struct {
	PID    string // fødselsnummer or d-nummer
	Level  Level
	Locale string
	// IDToken is the token as received: the hint ID-porten's sign-out needs.
	IDToken string
	Expiry  time.Time
}

// Errors of a callback, for the caller to tell the citizen what happened.
var (
	// ErrLevel: she signed in below the level the form needs.
	ErrLevel = errors.New("the level of assurance is too low")
	// ErrToken: the code or the token was refused (replayed, expired,
	// tampered, for another client).
	ErrToken = errors.New("the sign-in could not be verified")
)

// Exchange trades the callback's code for the id_token, and verifies it
// against the start and the level the form needs.
func (p *IDPorten) Exchange(ctx context.Context, s Start, code string, min Level) (Identity, error) {
	ctx = oidc.ClientContext(ctx, p.cfg.HTTPClient)
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(s.Verifier)}
	if p.signer != nil {
		assertion, err := p.clientAssertion()
		if err != nil {
			return Identity{}, err
		}
		opts = append(opts, oauth2.SetAuthURLParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
			oauth2.SetAuthURLParam("client_assertion", assertion))
	}
	tok, err := p.oauth.Exchange(ctx, code, opts...)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: the code: %v", ErrToken, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Identity{}, fmt.Errorf("%w: no id_token in the answer", ErrToken)
	}
	return p.Verify(ctx, raw, s.Nonce, min)
}

// Verify checks an id_token: signature, issuer, audience, expiry (by
// go-oidc), then the nonce, the level and the pid.
func (p *IDPorten) Verify(ctx context.Context, raw, nonce string, min Level) (Identity, error) {
	ctx = oidc.ClientContext(ctx, p.cfg.HTTPClient)
	tok, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	if tok.Nonce == "" || tok.Nonce != nonce {
		return Identity{}, fmt.Errorf("%w: the nonce is not this sign-in's", ErrToken)
	}
	var claims struct {
		PID    string `json:"pid"`
		ACR    string `json:"acr"`
		Locale string `json:"locale"`
	}
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	if !Level(claims.ACR).AtLeast(min) {
		return Identity{}, fmt.Errorf("%w: %q, and %s is needed", ErrLevel, claims.ACR, min)
	}
	if _, err := nid.Fodselsnummer(claims.PID, p.cfg.Person); err != nil {
		return Identity{}, fmt.Errorf("%w: the pid is no fødselsnummer this installation accepts", ErrToken)
	}
	return Identity{PID: claims.PID, Level: Level(claims.ACR), Locale: claims.Locale, IDToken: raw, Expiry: tok.Expiry}, nil
}

// EndSessionURL is where the browser goes to sign out of ID-porten too,
// coming back to postLogout (registered with ID-porten). Empty if the
// provider has no end-session endpoint.
func (p *IDPorten) EndSessionURL(idToken, postLogout, state string) string {
	if p.endURL == "" {
		return ""
	}
	q := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogout}, "state": {state}}
	return p.endURL + "?" + q.Encode()
}

// assertionSigner signs client assertions with the client's RSA key.
func assertionSigner(keyPEM []byte, keyID string) (jose.Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
			return nil, errors.New("not an RSA private key (PKCS #1 or #8)")
		}
	}
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", keyID))
}

// clientAssertion is a private_key_jwt client assertion for one token
// request: iss and sub the client, aud ID-porten's issuer, short-lived and
// never reused (jti).
func (p *IDPorten) clientAssertion() (string, error) {
	now := time.Now()
	return jwt.Signed(p.signer).Claims(jwt.Claims{Issuer: p.cfg.ClientID, Subject: p.cfg.ClientID, Audience: jwt.Audience{p.cfg.Issuer},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: random()}).Serialize()
}
