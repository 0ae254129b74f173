package queue

import (
	"regexp"
	"strings"
)

// What a log line must not carry even when someone else wrote it (an
// agency's error answer, an SMTP relay's refusal): runs of seven or more
// digits (a fødselsnummer, a kontonummer, a phone number) and e-mail
// addresses. What is left still says what went wrong.
var (
	longNumber = regexp.MustCompile(`\d[\d .]{4,}\d`)
	email      = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)
)

// scrub removes what may be personal data from text written by others.
func scrub(s string) string {
	s = email.ReplaceAllString(s, "<e-post>")
	return longNumber.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Count(m, "")-1-strings.Count(m, " ")-strings.Count(m, ".") < 7 {
			return m // a date, a time, a version: fewer than seven digits
		}
		return "<tall>"
	})
}
