package forms

import "github.com/skjema/skjema/forms/jsondoc"

// AddressKommune is the kommunenummer the citizen gave for her address: the
// field a postnummerInKommune check names. ok is false when the form names
// no such field or the document leaves it empty.
func (f *Form) AddressKommune(doc map[string]any) (pointer, kommune string, ok bool) {
	for _, c := range f.Rules.Checks {
		if c.Check != "postnummerInKommune" || c.Kommunenummer == "" {
			continue
		}
		v, found := jsondoc.Lookup(doc, jsondoc.Split(c.Kommunenummer))
		if s, isString := v.(string); found && isString && s != "" {
			return c.Kommunenummer, s, true
		}
	}
	return "", "", false
}

// ApplicantID is the applicant's fødselsnummer in a prepared document, as
// the form's layout points to it (Layout.Applicant); empty when the form
// names none or the document has none.
func (f *Form) ApplicantID(doc map[string]any) string {
	if f.Layout.Applicant == "" {
		return ""
	}
	v, _ := jsondoc.Lookup(doc, jsondoc.Split(f.Layout.Applicant))
	s, _ := v.(string)
	return s
}
