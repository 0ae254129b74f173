package idportentest

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/skjema/skjema/engine/secret"
)

// codeLifetime is how long an authorization code may wait for its
// exchange: ID-porten's is short, and so is this one.
const codeLifetime = time.Minute

// storage is op.Storage in memory: the auth requests, their codes and the
// access tokens of one provider's life.
type storage struct {
	mu       sync.Mutex
	key      *rsa.PrivateKey
	keyID    string
	clients  map[string]Client
	persons  map[string]Person // by pid
	requests map[string]*authRequest
	codes    map[string]string // code → request id
	tokens   map[string]accessToken
	now      func() time.Time
}

type accessToken struct {
	subject, clientID, pid string
	scopes                 []string
	expires                time.Time
}

// authRequest is one sign-in, from /authorize until its code is exchanged.
type authRequest struct {
	id        string
	req       oidc.AuthRequest
	created   time.Time
	codeAt    time.Time
	done      bool
	pid       string
	acr       string
	amr       []string
	authTime  time.Time
	sessionID string
}

func (a *authRequest) GetID() string          { return a.id }
func (a *authRequest) GetACR() string         { return a.acr }
func (a *authRequest) GetAMR() []string       { return a.amr }
func (a *authRequest) GetAudience() []string  { return []string{a.req.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.authTime }
func (a *authRequest) GetClientID() string    { return a.req.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string                   { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.req.Scopes }
func (a *authRequest) GetState() string                   { return a.req.State }
func (a *authRequest) GetSubject() string                 { return subject(a.pid, a.req.ClientID) }
func (a *authRequest) Done() bool                         { return a.done }

// subject is the pairwise pseudonym ID-porten gives a person towards one
// client: the same person is another sub at another service.
func subject(pid, clientID string) string {
	if pid == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("sub\x00" + clientID + "\x00" + pid))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var errNotFound = errors.New("not found")

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	// ID-porten requires PKCE with S256 of every client.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authRequest{id: secret.ID(), req: *req, created: s.now()}
	s.requests[a.id] = a
	return a, nil
}

// complete marks a request signed in as the person at the level.
func (s *storage) complete(id, pid, acr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return fmt.Errorf("sign-in %s: %w", id, errNotFound)
	}
	if _, ok := s.persons[pid]; !ok {
		return fmt.Errorf("no TestID person %s", pid)
	}
	a.done, a.pid, a.acr, a.amr, a.authTime, a.sessionID = true, pid, acr, []string{"TestID"}, s.now(), secret.ID()
	return nil
}

func (s *storage) request(id string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	return a, ok
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	if a, ok := s.request(id); ok {
		return a, nil
	}
	return nil, fmt.Errorf("sign-in %s: %w", id, errNotFound)
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		return nil, errors.New("the code is unknown or used")
	}
	a := s.requests[id]
	if a == nil || s.now().Sub(a.codeAt) > codeLifetime {
		return nil, errors.New("the code has expired")
	}
	return a, nil
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	a.codeAt = s.now()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once the code is exchanged: the code is then used.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	a, ok := req.(*authRequest)
	if !ok {
		return "", time.Time{}, errors.New("only the authorization code flow is served")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := secret.ID()
	exp := s.now().Add(2 * time.Minute)
	s.tokens[id] = accessToken{subject: a.GetSubject(), clientID: a.GetClientID(), pid: a.pid, scopes: a.GetScopes(), expires: exp}
	return id, exp, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not served")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// TerminateSession ends the person's session towards the client: its
// access tokens stop working.
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.subject == userID && t.clientID == clientID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, token, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// signingKey is the provider's RSA key, for op.SigningKey and op.Key.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{s.keyID, s.key}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{s.keyID, s.key}}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client %q is not registered", id)
	}
	return client{c}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secretValue string) error {
	c, ok := s.clients[id]
	if !ok || c.Secret == "" || c.Secret != secretValue {
		return errors.New("the client id or secret is wrong")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in op; SetUserinfoFromRequest does it.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest puts ID-porten's claims in the id_token: pid,
// locale and sid.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	a, ok := req.(*authRequest)
	if !ok {
		return errors.New("only the authorization code flow is served")
	}
	info.Subject = a.GetSubject()
	info.AppendClaims("pid", a.pid)
	info.AppendClaims("locale", locale(a.req.UILocales))
	info.AppendClaims("sid", a.sessionID)
	s.appendOwnClaims(info, a.pid)
	return nil
}

// appendOwnClaims adds the claims the person carries of her own.
func (s *storage) appendOwnClaims(info *oidc.UserInfo, pid string) {
	s.mu.Lock()
	claims := s.persons[pid].Claims
	s.mu.Unlock()
	for k, v := range claims {
		info.AppendClaims(k, v)
	}
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || s.now().After(t.expires) {
		return errors.New("the access token is unknown or expired")
	}
	info.Subject = t.subject
	info.AppendClaims("pid", t.pid)
	s.appendOwnClaims(info, t.pid)
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not served")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID is the public key a private_key_jwt client signs
// its assertions with.
func (s *storage) GetKeyByIDAndClientID(_ context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, ok := s.clients[clientID]
	if !ok || c.PublicKey == nil || c.KeyID != keyID {
		return nil, errors.New("no such key for the client")
	}
	return &jose.JSONWebKey{Key: c.PublicKey, KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig"}, nil
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not served")
}

func (s *storage) Health(context.Context) error { return nil }

// client is a registered Client as op sees it: a confidential web client
// with the authorization code flow.
type client struct{ c Client }

func (c client) GetID() string                    { return c.c.ID }
func (c client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }
func (c client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c client) AuthMethod() oidc.AuthMethod {
	if c.c.PublicKey != nil {
		return oidc.AuthMethodPrivateKeyJWT
	}
	return oidc.AuthMethodBasic
}
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode}
}
func (c client) LoginURL(id string) string            { return "/login?id=" + id }
func (c client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration       { return 2 * time.Minute }
func (c client) DevMode() bool                        { return true } // http redirect URIs on loopback
func (c client) IsScopeAllowed(scope string) bool     { return scope == "profile" }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
