package fault

import "github.com/skjema/skjema/forms"

// ValidationError carries field errors from the form's validator.
type ValidationError struct {
	Errors []forms.FieldError
	// Truncated: there were more than forms.MaxErrors errors; Errors holds
	// the first.
	Truncated bool
	// Ineligible lists screening reasons when the applicant cannot apply.
	Ineligible []string
}

func (e *ValidationError) Error() string { return "the application is not valid" }

// Invalid is the validation error of a document that may not go on: its
// field errors, and the screening reasons if the applicant is not eligible.
func Invalid(res forms.Result) error {
	ve := &ValidationError{Errors: res.Errors, Truncated: res.Truncated}
	for _, r := range res.Screening.Reasons {
		ve.Ineligible = append(ve.Ineligible, r.Title)
	}
	return ve
}
