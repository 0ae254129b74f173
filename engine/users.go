package engine

import "github.com/skjema/skjema/engine/accounts"

// The caseworkers' accounts are package accounts'; the engine's casework
// takes its User, as the one who acts and the kommuner she sees.
type (
	User    = accounts.User
	NewUser = accounts.NewUser
	Account = accounts.Account
	Session = accounts.Session
)

// ProviderLocal is the identity provider of passwords kept by Skjema itself.
const ProviderLocal = accounts.ProviderLocal

// MinPasswordLength is the shortest password a local account may have.
const MinPasswordLength = accounts.MinPasswordLength
