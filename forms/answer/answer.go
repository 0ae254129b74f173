// Package answer is one answer as a person writes and reads it: amounts
// grouped in thousands, whole numbers typed with spaces, and the
// description of an answer a caseworker corrects (Spec) with the parsing
// of what she enters. It knows nothing of a form's layout: package forms
// builds a Spec from its definition.
package answer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kroner is an amount as the caseworker reads it: whole kroner, grouped
// with no-break spaces, "12 907 kr".
func Kroner(v float64) string { return Grouped(fmt.Sprintf("%.0f", v)) + "\u00a0kr" }

// Grouped writes an integer in groups of three with a no-break space, as
// Norwegian amounts are written ("14 500"); "" if it is no integer.
func Grouped(s string) string {
	neg := strings.HasPrefix(s, "-")
	d := strings.TrimPrefix(s, "-")
	if d == "" || !Digits(d) {
		return ""
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Digits tells whether s is all ASCII digits (and not empty).
func Digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// WholeNumber reads a whole number as people type it, with spaces (plain,
// no-break or narrow) between the thousands: "14 500" is 14500. At most 15
// digits, so that it is exact as a float64.
func WholeNumber(s string) (json.Number, bool) {
	digits := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
	if d := strings.TrimPrefix(digits, "-"); !Digits(d) || len(d) > 15 {
		return "", false
	}
	return json.Number(digits), true
}

// Spec describes one answer for someone correcting it: its label, how it
// is entered, and its choices.
type Spec struct {
	Pointer string
	Label   string
	// Widget is the layout's widget: text, textarea, amount, yesno,
	// checkbox or radio.
	Widget string
	// Options are a radio's or yes/no's choices, in order.
	Options []Option
	// Value is the current answer as it is entered ("14500", "true").
	Value string
}

// Option is one choice of a Spec.
type Option struct {
	Value string
	Label string
}

// Parse turns what was entered for the answer into the value the document
// stores: a boolean, a number for an amount, else the trimmed text. An empty
// entry is nil, which removes the answer. The value is not validated: that is
// the form's job, on the whole document.
func (s Spec) Parse(entered string) (any, error) {
	entered = strings.TrimSpace(entered)
	if entered == "" {
		return nil, nil
	}
	switch s.Widget {
	case "yesno", "checkbox":
		b, err := strconv.ParseBool(entered)
		if err != nil {
			return nil, fmt.Errorf("%s: choose yes or no", s.Label)
		}
		return b, nil
	case "radio":
		for _, o := range s.Options {
			if o.Value == entered {
				return entered, nil
			}
		}
		return nil, fmt.Errorf("%s: choose one of the options", s.Label)
	case "amount":
		n, ok := WholeNumber(entered)
		if !ok {
			return nil, fmt.Errorf("%s: write a whole number of kroner", s.Label)
		}
		return n, nil
	}
	return entered, nil
}
