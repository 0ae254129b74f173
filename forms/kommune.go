package forms

import (
	"strings"

	"github.com/skjema/skjema/forms/jsondoc"
)

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

// AddressPostnummer is the postnummer the citizen gave for her address: the
// field a postnummerInKommune check names. ok is false when the form names
// no such field or the document leaves it empty.
func (f *Form) AddressPostnummer(doc map[string]any) (pointer, postnummer string, ok bool) {
	for _, c := range f.Rules.Checks {
		if c.Check != "postnummerInKommune" || c.Postnummer == "" {
			continue
		}
		v, found := jsondoc.Lookup(doc, jsondoc.Split(c.Postnummer))
		if s, isString := v.(string); found && isString && s != "" {
			return c.Postnummer, s, true
		}
	}
	return "", "", false
}

// ApplicantName is the applicant's name in a document, as the layout's
// applicantName puts it together: "Ingrid Hansen"; empty where the form
// names none or the document has none.
func (f *Form) ApplicantName(doc map[string]any) string {
	var parts []string
	for _, p := range f.Layout.ApplicantName {
		v, _ := jsondoc.Lookup(doc, jsondoc.Split(p))
		if s, _ := v.(string); strings.TrimSpace(s) != "" {
			parts = append(parts, strings.Join(strings.Fields(s), " "))
		}
	}
	return strings.Join(parts, " ")
}

// Applicants are the names of all who apply in a document: the applicant
// (ApplicantName), then each co-applicant the layout's coApplicantName
// finds, in order; a co-applicant with no name is left out.
func (f *Form) Applicants(doc map[string]any) []string {
	var out []string
	if name := f.ApplicantName(doc); name != "" {
		out = append(out, name)
	}
	if len(f.Layout.CoApplicantName) == 0 {
		return out
	}
	group, _, _ := strings.Cut(f.Layout.CoApplicantName[0], "/*/")
	items, _ := jsondoc.Lookup(doc, jsondoc.Split(group))
	list, _ := items.([]any)
	for _, item := range list {
		var parts []string
		for _, p := range f.Layout.CoApplicantName {
			_, rel, _ := strings.Cut(p, "/*/")
			v, _ := jsondoc.Lookup(item, jsondoc.Split("/"+rel))
			if s, _ := v.(string); strings.TrimSpace(s) != "" {
				parts = append(parts, strings.Join(strings.Fields(s), " "))
			}
		}
		if len(parts) > 0 {
			out = append(out, strings.Join(parts, " "))
		}
	}
	return out
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
