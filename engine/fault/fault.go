// Package fault names the errors the engine's services answer with, so that
// the web layer can map each to an HTTP status in one place whichever
// service said it, and the validation error that carries a form's field
// errors. It holds nothing else.
package fault

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound: no such thing, or not one the caller may see.
	ErrNotFound = errors.New("not found")
	// ErrConflict: it changed under the caller (optimistic lock), or a key
	// or an address was used for something else already.
	ErrConflict = errors.New("conflict")
	// ErrIllegalTransition: the lifecycle does not allow this move.
	ErrIllegalTransition = errors.New("illegal transition")
	// ErrUnauthorized: the token or the password does not match.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrInvalid: the input is not acceptable (see the wrapped detail).
	ErrInvalid = errors.New("invalid")
	// ErrGone: it was there, and was purged after its retention time.
	ErrGone = errors.New("gone")
	// ErrBusy: there is no room for this now; try again in a moment.
	ErrBusy = errors.New("busy")
	// ErrForbidden: the caller may see what she asks about but may not do
	// this to it, and is told so.
	ErrForbidden = errors.New("forbidden")
	// ErrSignInRequired: the form asks its applicant to sign in with
	// ID-porten, she did not, and the installation takes no unidentified
	// applications. It is also ErrUnauthorized.
	ErrSignInRequired = fmt.Errorf("%w: this form needs the applicant signed in with ID-porten", ErrUnauthorized)
	// ErrSignInLevel: she signed in below the level the form needs. It is
	// also ErrForbidden.
	ErrSignInLevel = fmt.Errorf("%w: the sign-in's level of assurance is below what this form needs", ErrForbidden)
)
