package citizens

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/jsondoc"
)

// Anonymous says what happens to an application from a citizen who did
// not sign in, where the form asks for it (forms.Layout.SignIn). Open or
// for review, it is marked unidentified for the caseworker and the agency.
type Anonymous string

const (
	// AnonymousClosed refuses it: she must sign in (the default).
	AnonymousClosed Anonymous = ""
	// AnonymousReview takes it, and a caseworker checks who applies before
	// it goes on (ReasonUnidentified).
	AnonymousReview Anonymous = "review"
	// AnonymousOpen takes it and routes it as any other: for an
	// installation whose agency checks the applicant against the
	// registers itself, and for tests and load runs.
	AnonymousOpen Anonymous = "open"
)

// ParseAnonymous reads a route: "no" or "" (closed), "review", "open".
func ParseAnonymous(s string) (Anonymous, error) {
	switch s {
	case "", "no":
		return AnonymousClosed, nil
	case string(AnonymousReview), string(AnonymousOpen):
		return Anonymous(s), nil
	}
	return "", fmt.Errorf("the anonymous route is no, review or open, not %q", s)
}

// ReasonUnidentified is the queue reason of an application whose applicant
// did not sign in, on a form that asks for it, where the anonymous route is
// AnonymousReview: a caseworker checks who she is before it goes on.
const ReasonUnidentified = "unidentified"

// Applicant decides who is applying with a submit's token: the citizen
// its session vouches for, or no one identified. It refuses a session
// below the form's level, and no sign-in where the form asks for one and
// the route is closed. A caseworker's paper registration (registrar) is
// the kommune's own check of who applies.
func (s *Service) Applicant(ctx context.Context, token string, f *forms.Form, registrar bool, route Anonymous) (c *Citizen, unidentified bool, err error) {
	need := f.Layout.SignIn
	if record.IsCitizenToken(token) {
		got, err := record.CitizenByToken(ctx, s.db.Read(), token, s.clock.Now())
		if err != nil {
			return nil, false, fmt.Errorf("%w: not signed in, or the session has ended", fault.ErrUnauthorized)
		}
		if err := AtLevel(got.Level, need); err != nil {
			return nil, false, err
		}
		return &got, false, nil
	}
	if need == "" || registrar {
		return nil, false, nil
	}
	if route == AnonymousClosed {
		return nil, false, fault.ErrSignInRequired
	}
	return nil, true, nil
}

// WithApplicant is the document with the signed-in citizen's pid as its
// applicant: ID-porten's word, whatever the body said.
func WithApplicant(f *forms.Form, body []byte, pid string) ([]byte, error) {
	if f.Layout.Applicant == "" {
		return body, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, forms.ErrNotObject
	}
	if _, ok := jsondoc.Set(doc, jsondoc.Split(f.Layout.Applicant), pid); !ok {
		return nil, fmt.Errorf("the applicant's answer at %s cannot be set", f.Layout.Applicant)
	}
	return json.Marshal(doc)
}

// AtLevel refuses a sign-in at level got where the form needs need (none:
// any will do): fault.ErrSignInLevel.
func AtLevel(got string, need forms.Level) error {
	if need != "" && !forms.Level(got).AtLeast(need) {
		return fmt.Errorf("%w: signed in at %s, and the form needs %s", fault.ErrSignInLevel, got, need)
	}
	return nil
}
