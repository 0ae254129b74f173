package engine

import (
	"errors"
	"fmt"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
)

// Errors the web layer maps to HTTP statuses in one place.
var (
	// ErrNotFound: no such application or draft, or not one the caller may see.
	ErrNotFound = fault.ErrNotFound
	// ErrConflict: the application changed under the caller (optimistic
	// lock), or an idempotency key was reused with a different body.
	ErrConflict = fault.ErrConflict
	// ErrIllegalTransition: the lifecycle does not allow this move.
	ErrIllegalTransition = fault.ErrIllegalTransition
	// ErrUnauthorized: the resume token or the password does not match.
	ErrUnauthorized = fault.ErrUnauthorized
	// ErrInvalid: the input is not acceptable (see the wrapped detail).
	ErrInvalid = fault.ErrInvalid
	// ErrUnknownKommune: the installation does not serve the kommune named,
	// or none was named where it serves a list. It is also ErrInvalid.
	ErrUnknownKommune = fmt.Errorf("%w: the installation does not serve this kommune", ErrInvalid)
	// ErrGone: it was there, and was purged after its retention time (a
	// delivered batch's body).
	ErrGone = fault.ErrGone
	// ErrBusy: the server has no room for this now (the memory all uploads
	// in flight share); try again in a moment.
	ErrBusy = fault.ErrBusy
	// ErrForbidden: the caller may see what she asks about but may not do
	// this to it, and is told so: an admin making an account for a kommune
	// that is not hers.
	ErrForbidden = fault.ErrForbidden
	// ErrSignInRequired: the form needs sign-in, and the anonymous route is
	// closed (Config.Anonymous). ErrSignInLevel: signed in too low.
	ErrSignInRequired = fault.ErrSignInRequired
	ErrSignInLevel    = fault.ErrSignInLevel
)

// errUnique is a unique-constraint violation: a conflict, or a race to retry.
var errUnique = storage.ErrUnique

// errNoEnqueuer: a write made a job, but no Enqueuer was set (UseEnqueuer).
var errNoEnqueuer = errors.New("no enqueuer configured")

// ValidationError carries field errors from the form's validator.
type ValidationError = fault.ValidationError

// invalid is the validation error of a document that may not go on.
func invalid(res forms.Result) error { return fault.Invalid(res) }
