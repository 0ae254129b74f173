package forms

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/rules"
)

// messageCodes are the codes the validator can produce that need a generic
// message, error.<code>, in every language.
var messageCodes = []string{
	"required", "required.choice", "type", "enum", "const", "minLength", "maxLength", "minimum", "maximum",
	"integer", "pattern", "minItems", "maxItems", "unknown", "invalid", "email.invalid", "date.invalid",
	"fodselsnummer.length", "fodselsnummer.digits", "fodselsnummer.checksum", "fodselsnummer.date",
	"fodselsnummer.synthetic", "fodselsnummer.hnummer",
	"kontonummer.length", "kontonummer.digits", "kontonummer.checksum", "kontonummer.register",
	"organisasjonsnummer.length", "organisasjonsnummer.digits", "organisasjonsnummer.checksum",
	"kommunenummer.length", "kommunenummer.digits", "kommunenummer.unknown", "kommunenummer.expired",
	"postnummer.length", "postnummer.digits", "postnummer.unknown", "postnummer.kommune",
	"attachment.missing",
}

// NoticeTexts are the texts of the notices a form with an e-mail address
// sends (package notify): the subject, one sentence per event, how to read
// more (with and without the address), and the closing line.
var NoticeTexts = []string{"notice.subject", "notice.received", "notice.returned", "notice.rejected", "notice.accepted",
	"notice.read", "notice.readHere", "notice.readUnsigned", "notice.readPaper", "notice.footer"}

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// Check reports what is wrong with a compiled definition: layout pointers the
// schema does not describe, conditions that are malformed or read fields the
// layout does not have, and texts missing or empty in any language. Load
// refuses a form with problems, so the shipped forms are always whole.
func (f *Form) Check() []error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	need := map[string]bool{"form.title": true, "pattern.inGroup": true}
	for _, c := range messageCodes {
		need["error."+c] = true
	}
	checkCond := func(where string, c *jsondoc.Condition) {
		var reads []string
		if err := c.Check(where, &reads); err != nil {
			add("%v", err)
		}
		for _, r := range reads {
			if name, ok := strings.CutPrefix(r, "/"+rules.FactsKey+"/"); ok {
				if _, known := f.Rules.Facts[name]; !known {
					add("%s: condition reads fact %s, which rules.json does not define", where, name)
				}
				continue
			}
			if _, ok := f.fields[r]; !ok && schemaAt(f.schemaDoc, r) == nil {
				add("%s: condition reads %s, which neither the layout nor the schema has", where, r)
			}
		}
	}
	if _, err := ParseLevel(string(f.Layout.SignIn)); err != nil {
		add("layout: signIn: %v", err)
	}
	switch f.Road() {
	case RoadAgency:
		if f.Layout.Agency == "" {
			add("layout: the agency road needs an agency to deliver to")
		}
	case RoadKommune:
		if f.Layout.Agency != "" {
			add("layout: the kommune road delivers to no agency; leave agency out")
		}
	default:
		add("layout: road %q is neither %q nor %q", f.Layout.Road, RoadAgency, RoadKommune)
	}
	for _, code := range f.Layout.DecisionReasons {
		need["decision.reason."+code] = true
	}
	if len(f.Layout.DecisionReasons) > 0 && f.Road() != RoadKommune {
		add("layout: decisionReasons are for a form the kommune decides (road %q)", RoadKommune)
	}
	if c := f.Calendar(); c != CalendarMonthly && c != CalendarNone {
		add("layout: calendar %q is neither %q nor %q", f.Layout.Calendar, CalendarMonthly, CalendarNone)
	}
	if f.Layout.SignIn != "" && f.Layout.Applicant == "" {
		add("layout: signIn needs an applicant pointer, where the signed-in person's fødselsnummer goes")
	}
	if f.Layout.Email != "" {
		if _, ok := f.fields[f.Layout.Email]; !ok {
			add("layout: email %s is not a field of the layout", f.Layout.Email)
		}
		for _, k := range NoticeTexts {
			need[k] = true
		}
		if f.Road() == RoadKommune {
			need["notice.decided"] = true // the kommune's own decision to grant
			// Her decision letter, where she cannot read it in Mine
			// søknader (a paper application): it comes by post.
			need["notice.decided.unsigned"], need["notice.rejected.unsigned"] = true, true
		}
	}
	if f.Road() == RoadKommune {
		// The decision letter's heading, and the rules the decision is made
		// under (forvaltningsloven § 25).
		need["letter.title"], need["letter.legalBasis"] = true, true
	}
	if f.Layout.Applicant != "" {
		if _, ok := f.fields[f.Layout.Applicant]; !ok {
			add("layout: applicant %s is not a field of the layout", f.Layout.Applicant)
		}
	}
	for _, p := range f.Layout.ApplicantName {
		if _, ok := f.fields[p]; !ok {
			add("layout: applicantName %s is not a field of the layout", p)
		}
	}
	for _, p := range f.Layout.CoApplicantName {
		if _, ok := f.fields[p]; !ok || strings.Count(p, "/*/") != 1 {
			add("layout: coApplicantName %s is not a field of one repeating group of the layout", p)
		}
	}
	pageIDs := map[string]bool{}
	for _, p := range f.Layout.Pages {
		if p.ID == "" || pageIDs[p.ID] {
			add("layout: page id %q is empty or used twice", p.ID)
		}
		pageIDs[p.ID] = true
		need["page."+p.ID+".title"] = true
		checkCond("page "+p.ID, p.When)
	}
	for _, fi := range f.order {
		if fi.layout == nil {
			continue // attachments, checked below
		}
		where := "field " + fi.template
		if !widgets[fi.widget] {
			add("%s: unknown widget %q", where, fi.widget)
		}
		if l := fi.layout.Lookup; l != "" && !lookups[l] {
			add("%s: unknown lookup %q", where, l)
		}
		s := schemaAt(f.schemaDoc, fi.template)
		if s == nil {
			add("%s: the schema does not describe this pointer", where)
		}
		need["field."+fi.id+".label"] = true
		if fi.widget == "radio" {
			values := enumValues(s)
			if len(values) == 0 {
				add("%s: a radio needs an enum in the schema", where)
			}
			for _, v := range values {
				need["option."+fi.id+"."+v] = true
			}
		}
		if fi.widget == "yesno" {
			need["option.yes"], need["option.no"] = true, true
		}
		if fi.widget == "repeat" {
			for _, k := range []string{"item", "add", "remove"} {
				need["group."+fi.id+"."+k] = true
			}
		}
		checkCond(where, fi.layout.When)
	}
	if len(f.Rules.Attachments) > 0 {
		if f.attachPage == "" {
			add("rules: attachments are listed, but no page has a checklist field")
		}
		for _, st := range []string{"missing", "provided", "later"} {
			need["checklist.status."+st] = true
		}
	}
	for _, a := range f.Rules.Attachments {
		if schemaAt(f.schemaDoc, "/attachments/"+a.ID) == nil {
			add("rules: attachment %s is not described at /attachments/%s in the schema", a.ID, a.ID)
		}
		need["attachment."+a.ID+".label"] = true
		checkCond("attachment "+a.ID, a.When)
		if strings.TrimSpace(a.Source) == "" {
			add("rules: attachment %s names no source (the law or guidance that asks for it)", a.ID)
		}
	}
	for _, s := range f.Rules.Screening {
		if strings.TrimSpace(s.Source) == "" {
			add("rules: screening %s names no source (the law or guidance it rests on)", s.ID)
		}
		need["screening."+s.ID+".title"] = true
		need["screening."+s.ID+".explanation"] = true
		checkCond("screening "+s.ID, s.When)
	}
	described := func(p string) bool { return schemaAt(f.schemaDoc, p) != nil }
	problems = append(problems, f.Rules.Prepare()...)
	problems = append(problems, f.Rules.Ceiling.Check(described)...)
	problems = append(problems, f.Layout.Prefill.Check(described)...)
	for name, fa := range f.Rules.Facts {
		for _, p := range fa.Pointers() {
			if !described(p) {
				add("rules: fact %s reads %s, which the schema does not describe", name, p)
			}
		}
	}
	for _, r := range f.Rules.Routing {
		if strings.TrimSpace(r.Source) == "" {
			add("rules: routing %s names no source (the law, guidance or the kommune's practice it rests on)", r.ID)
		}
		need["routing."+r.ID+".title"] = true
		checkCond("routing "+r.ID, r.When)
	}
	for _, c := range f.Rules.Checks {
		if c.Check != "postnummerInKommune" {
			add("rules: unknown check %q", c.Check)
		}
		for _, p := range []string{c.Postnummer, c.Kommunenummer} {
			if schemaAt(f.schemaDoc, p) == nil {
				add("rules: check %s reads %s, which the schema does not describe", c.Check, p)
			}
		}
	}

	// Every needed text in every language; every language with the same keys,
	// none empty, and the same placeholders as bokmål.
	base := f.texts[Langs[0]]
	for _, l := range Langs {
		t := f.texts[l]
		for _, k := range sortedKeys(need) {
			if strings.TrimSpace(t[k]) == "" {
				add("texts.%s.json: %s is missing or empty", l, k)
			}
		}
		for _, k := range sortedKeys(t) {
			if strings.TrimSpace(t[k]) == "" {
				add("texts.%s.json: %s is empty", l, k)
			}
			if _, ok := base[k]; !ok {
				add("texts.%s.json: %s is not in texts.%s.json", l, k, Langs[0])
			} else if got, want := placeholders(t[k]), placeholders(base[k]); got != want {
				add("texts.%s.json: %s has placeholders %s, %s has %s", l, k, got, Langs[0], want)
			}
		}
		for _, k := range sortedKeys(base) {
			if _, ok := t[k]; !ok {
				add("texts.%s.json: %s is missing (it is in texts.%s.json)", l, k, Langs[0])
			}
		}
	}
	return problems
}

func placeholders(s string) string {
	found := placeholder.FindAllString(s, -1)
	sort.Strings(found)
	return strings.Join(found, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
