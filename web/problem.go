package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/web/input"
	"github.com/skjema/skjema/web/signin"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Errors []forms.FieldError `json:"errors,omitempty"`
	// Truncated: there were more errors than are listed (forms.MaxErrors).
	Truncated bool `json:"truncated,omitempty"`
	// Reasons are the screening reasons an applicant is not eligible.
	Reasons []string `json:"reasons,omitempty"`
}

// ProblemBase prefixes every problem type; the types are stable API.
const ProblemBase = "https://skjema.no/problems/"

func problem(status int, kind, title, detail string) *Problem {
	return &Problem{Type: ProblemBase + kind, Title: title, Status: status, Detail: detail}
}

// Problems a handler may return directly.
var (
	errUnsupportedMediaType = problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", "send the body as application/json")
	errTooLarge             = problem(http.StatusRequestEntityTooLarge, "payload-too-large", "Payload too large", "the body is larger than 1 MiB")
	errNotUTF8              = problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is not valid UTF-8")
	errMalformed            = problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is not one valid JSON object")
	errTooDeep              = problem(http.StatusBadRequest, "too-deep", "JSON nested too deeply", "the body nests objects and arrays more than 64 levels deep")
	errTooManyMembers       = problem(http.StatusBadRequest, "too-many-members", "Too many members", "an object in the body has more than 1,000 members")
	errHugeNumber           = problem(http.StatusBadRequest, "number-too-large", "Number too large", "a number in the body has more than 40 characters or an exponent over 999")
	errNoToken              = problem(http.StatusUnauthorized, "unauthorized", "Unauthorized", "send the resume token as Authorization: Bearer <token>")
	errNoIdempotencyKey     = problem(http.StatusBadRequest, "invalid-request", "Invalid request", "the Idempotency-Key header is required: the draft id, or a random key of your own")
	errUnknownForm          = problem(http.StatusNotFound, "unknown-form", "Unknown form", "there is no form by that name")
	errNotFound             = problem(http.StatusNotFound, "not-found", "Not found", "")
)

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// toProblem maps every error to one problem document: this table is the only
// place an engine error becomes an HTTP status.
func toProblem(err error) *Problem {
	var p *Problem
	var ve *engine.ValidationError
	var ie *input.Error
	var se *signin.Error
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &ie):
		return problem(http.StatusBadRequest, "invalid-text", "Text that cannot be stored", "the "+ie.Error()+"; send valid UTF-8 without control characters")
	case errors.As(err, &se):
		return problem(se.Status, se.Kind, se.Title, se.Detail)
	case errors.As(err, &ve) && len(ve.Errors) == 0 && len(ve.Ineligible) > 0:
		pr := problem(http.StatusUnprocessableEntity, "ineligible", "Not eligible", "the answers show the applicant cannot apply for this")
		pr.Reasons = ve.Ineligible
		return pr
	case errors.As(err, &ve):
		pr := problem(http.StatusUnprocessableEntity, "validation", "Validation failed", "the application has errors; see errors")
		pr.Errors, pr.Reasons, pr.Truncated = ve.Errors, ve.Ineligible, ve.Truncated
		if ve.Truncated {
			pr.Detail = fmt.Sprintf("the application has errors; errors lists the first %d", len(ve.Errors))
		}
		return pr
	case errors.Is(err, engine.ErrUnknownKommune):
		return problem(http.StatusUnprocessableEntity, "unknown-kommune", "Unknown kommune", causeOf(err))
	case errors.Is(err, engine.ErrBusy):
		return problem(http.StatusServiceUnavailable, "busy", "Busy", "the server is taking as many uploads as it can; try again in a moment")
	case errors.Is(err, engine.ErrGone):
		return problem(http.StatusGone, "gone", "Gone", causeOf(err))
	case errors.Is(err, engine.ErrNotFound):
		return errNotFound
	case errors.Is(err, engine.ErrSignInRequired):
		return problem(http.StatusUnauthorized, "sign-in-required", "Sign-in required", "this form needs the applicant signed in with ID-porten")
	case errors.Is(err, engine.ErrSignInLevel):
		return problem(http.StatusForbidden, "sign-in-level", "Sign-in level too low", causeOf(err))
	case errors.Is(err, engine.ErrUnauthorized):
		return errNoToken
	case errors.Is(err, engine.ErrConflict):
		return problem(http.StatusConflict, "conflict", "Conflict", causeOf(err))
	case errors.Is(err, engine.ErrIllegalTransition):
		return problem(http.StatusConflict, "illegal-transition", "Illegal transition", causeOf(err))
	case errors.Is(err, batches.ErrNoReason):
		return problem(http.StatusUnprocessableEntity, "missing-reason", "Rejection without a reason", causeOf(err))
	case errors.Is(err, engine.ErrInvalid):
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", causeOf(err))
	}
	return problem(http.StatusInternalServerError, "internal", "Internal error", "something went wrong on our side; try again")
}

// causeOf is the error text for a client: what the engine said after the
// kind of error it is, without the operations it passed through ("submit:
// conflict: this Idempotency-Key was used …" is "this Idempotency-Key was
// used …", review finding 27). Engine errors never carry field values, so
// their text is safe to show.
func causeOf(err error) string {
	text := err.Error()
	for _, kind := range []error{engine.ErrConflict, engine.ErrInvalid, engine.ErrIllegalTransition, engine.ErrGone, engine.ErrNotFound} {
		if i := strings.LastIndex(text, kind.Error()+": "); i >= 0 && (i == 0 || text[i-1] == ' ') {
			return text[i+len(kind.Error())+2:]
		}
	}
	return text
}

func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := toProblem(err)
	// A shed request is counted, not logged: a line for each would add to
	// the overload.
	if p.Status >= 500 && p != errOverloaded {
		log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "error", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
