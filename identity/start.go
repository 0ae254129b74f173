package identity

import (
	"crypto/rand"
	"encoding/base64"

	"golang.org/x/oauth2"
)

// Start is what a sign-in keeps between the redirect and the callback,
// where only the browser signing in holds it: the state that ties the
// callback to this start, the nonce that ties the id_token to it, and PKCE's
// verifier that ties the code to it.
type Start struct {
	State    string
	Nonce    string
	Verifier string
}

// NewStart makes the random values of a sign-in.
func NewStart() Start {
	return Start{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
