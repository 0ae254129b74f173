package forms

import (
	"strings"
)

// Lang is a written language the forms speak.
type Lang string

const (
	Bokmal  Lang = "nb"
	Nynorsk Lang = "nn"
	English Lang = "en"
)

// Langs are the languages every definition must have texts in; the first is
// the default.
var Langs = []Lang{Bokmal, Nynorsk, English}

// ParseLang reads a language from a lang parameter or an Accept-Language
// header ("nn-NO,nn;q=0.9,en;q=0.5"), taking the first it knows and bokmål when
// it knows none. "no" and "nb-NO" are bokmål.
func ParseLang(s string) Lang {
	for _, part := range strings.Split(s, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		switch base {
		case "nb", "no":
			return Bokmal
		case "nn":
			return Nynorsk
		case "en":
			return English
		}
	}
	return Bokmal
}

// texts is one language's texts of a form.
type texts map[string]string

// format fills {name} placeholders.
func (t texts) format(key string, args ...string) string {
	s := t[key]
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	return strings.NewReplacer(args...).Replace(s)
}
