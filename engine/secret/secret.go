// Package secret makes the random ids and tokens the engine hands out, and
// the hashes it keeps of them instead: a token is shown once and stored
// only as its hash.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// Token is a 128-bit random secret, URL-safe.
func Token() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ID is a random id (128 bits, hex).
func ID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Hash is how a token is stored. A token is 128 random bits, so a fast hash
// suffices: there is nothing to guess from it.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Matches tells, in constant time, whether a token is the one a hash was
// made of. An empty token matches nothing.
func Matches(token, hash string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(Hash(token)), []byte(hash)) == 1
}
