package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// MaskinportenConfig is a client of Maskinporten, the state's token
// service for one organisation's system calling another's API (here:
// Skatteetaten's Folkeregisteret).
type MaskinportenConfig struct {
	// Issuer is Maskinporten's issuer, the audience of the grant:
	// https://maskinporten.no/ or https://test.maskinporten.no/.
	Issuer string
	// TokenURL is its token endpoint: the issuer's /token by default.
	TokenURL string
	ClientID string
	// KeyID names the key registered with the client; PrivateKey is that
	// key in PEM (RSA).
	KeyID      string
	PrivateKey []byte
	Scopes     []string
	HTTPClient *http.Client
}

// Maskinporten answers access tokens by the JWT bearer grant (RFC 7523),
// signed with the client's key, through x/oauth2's jwt package; a token is
// reused until shortly before it expires.
func Maskinporten(ctx context.Context, cfg MaskinportenConfig) (oauth2.TokenSource, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || len(cfg.PrivateKey) == 0 || len(cfg.Scopes) == 0 {
		return nil, errors.New("identity: Maskinporten needs an issuer, a client id, a private key and scopes")
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = strings.TrimSuffix(cfg.Issuer, "/") + "/token"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	// Maskinporten takes a grant for at most 120 seconds.
	j := &jwt.Config{Email: cfg.ClientID, PrivateKey: cfg.PrivateKey, PrivateKeyID: cfg.KeyID, Scopes: cfg.Scopes,
		TokenURL: cfg.TokenURL, Audience: cfg.Issuer, Expires: 110 * time.Second}
	return oauth2.ReuseTokenSource(nil, j.TokenSource(context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, cfg.HTTPClient))), nil
}
