package caseworker

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/notices"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/answer"
	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/rules"
	"github.com/skjema/skjema/letters"
)

// reasonLabel names a queue reason: a routing rule's title from the form's
// texts, or one of the system's own.
func (h *Handler) reasonLabel(lang, code string) string {
	if l, ok := systemReasons[code]; ok {
		return translate(lang, l)
	}
	for _, f := range h.forms.Forms() {
		if t := f.Text(formLang(lang), "routing."+code+".title"); t != "" {
			return t
		}
	}
	return code
}

var systemReasons = map[string]string{
	casework.ReasonAgencyRejected: nb("Avvist av etaten"),
	"delivery.failed":             nb("Kunne ikke leveres til etaten"),
	"routing.failed":              nb("Kunne ikke rutes automatisk"),
	engine.ReasonDuplicate:        nb("Søkeren har søkt for samme måned før"),
	engine.ReasonUnidentified:     nb("Søkeren logget ikke inn: sjekk hvem som søker"),
	engine.ReasonKommuneDecides:   nb("Kommunen avgjør søknaden"),
}

var statusLabels = map[engine.Status]string{
	engine.StatusSubmitted:       nb("Sendt inn"),
	engine.StatusInReview:        nb("Til behandling"),
	engine.StatusAwaitingCitizen: nb("Venter på søkeren"),
	engine.StatusBatched:         nb("Klar for sending"),
	engine.StatusDelivered:       nb("Levert til etaten"),
	engine.StatusAccepted:        nb("Mottatt av etaten"),
	engine.StatusRejected:        nb("Avvist"),
	engine.StatusWithdrawn:       nb("Trukket"),
	engine.StatusRecommended:     nb("Innstilt, venter på vedtak"),
	engine.StatusGranted:         nb("Innvilget"),
	engine.StatusDraft:           nb("Utkast"),
}

// --- one application ------------------------------------------------------

type caseView struct {
	App       engine.Application
	Reasons   []string
	Valid     bool
	Errors    []forms.FieldError
	Sections  []forms.Section
	Checklist []checklistItem
	// Documents are the attachments a request for documents can name.
	Documents   []option
	Events      []eventView
	Returned    []string // labels of the fields the citizen was asked to fix
	CanAct      bool
	CanReturn   bool
	CanWithdraw bool
	// KommuneDecides: the form is on the kommune's road, so the case is
	// recommended and decided here instead of approved to the agency.
	KommuneDecides bool
	// Recommendations are the case's recommendations, the last one the
	// one it waits with; CanDecide says the reader may decide it, and
	// WhyNot, if not, why.
	Recommendations []recommendationView
	CanDecide       bool
	WhyNot          string
	// Letters are the letters sent to the citizen: the decision letter.
	Letters []casework.Letter
	// DecisionReasons are the form's reasons for a refusal.
	DecisionReasons []option
	// Serviceability is the betjeningsevne, for a form that has one.
	Serviceability *serviceabilityView
	// ActionError is the error of an action just refused, shown on top.
	ActionError string
	// Fields are the answers a return can point the citizen to.
	Fields []forms.Row
	// Ceiling is the cap on the housing costs the agency counts, shown
	// when the costs are above it: information, not a reason to act.
	Ceiling *rules.Ceiling
	// Notices are what the citizen was told, and whether it went out.
	Notices []noticeView
	// Facts say, by pointer, what Folkeregisteret said of an answer:
	// "Fra Folkeregisteret", or what it said where she changed it.
	Facts   map[string]string
	FactsOn string
	// Identified says how the applicant proved who she is.
	Identified string
	// Name is the applicant's name, the case's heading.
	Name string
	// Why are the reasons it needs a caseworker, each with the answers
	// behind it.
	Why []reasonView
	// Lang is the citizen's language, named; LangCode its code, for the
	// reply she is written.
	Lang, LangCode string
	// Assignee is the name of the caseworker who has taken it; Mine says
	// it is the one reading.
	Assignee   string
	Mine       bool
	Colleagues []accounts.Colleague
	Notes      []noteView
}

// reasonView is one reason a case needs a caseworker, in words, with what
// the rule read.
type reasonView struct {
	Label    string
	Evidence []string
}

type noteView struct {
	casework.Note
	Who string
}

var langNames = map[string]string{"nb": nb("bokmål"), "nn": nb("nynorsk"), "en": nb("engelsk")}

var identifiedLabels = map[string]string{
	string(forms.Substantial): nb("Logget inn med ID-porten (nivå betydelig)"),
	string(forms.High):        nb("Logget inn med ID-porten (nivå høyt)"),
}

// noticeView is one notice to the citizen as the caseworker reads it.
type noticeView struct {
	notices.Notice
	What, Outcome string
	Sent          time.Time // zero if it was not sent
}

var noticeWhat = map[string]string{
	notices.Received: nb("Søknaden er mottatt"),
	notices.Returned: nb("Kommunen trenger mer fra søkeren"),
	notices.Rejected: nb("Søknaden er avslått"),
	notices.Accepted: nb("Etaten har tatt imot søknaden"),
	notices.Decided:  nb("Kommunen har gjort vedtak"),
}

var noticeOutcome = map[string]string{
	notices.Pending:   nb("Venter på å bli sendt"),
	notices.Sent:      nb("Sendt på e-post"),
	notices.NoAddress: nb("Ikke sendt: søkeren oppga ingen e-postadresse"),
	notices.NoChannel: nb("Ikke sendt: installasjonen sender ikke varsler"),
	notices.Failed:    nb("Ikke sendt: e-posttjenesten tok ikke imot den"),
}

type checklistItem struct {
	forms.ChecklistItem
	StatusLabel string
	Files       []engine.File
}

type eventView struct {
	engine.Event
	// Who did it, What she did and Why, in words: no rule codes, batch or
	// user ids. Technical is the system's own message, where there is one,
	// for the admin's audit trail.
	Who, What, Why, Technical string
}

// event says what an audit event did in words. files names the
// application's files by id.
func (h *Handler) event(r *http.Request, names map[string]string, f *forms.Form, doc map[string]any, files map[string]string, e engine.Event) eventView {
	lang := h.langOf(r)
	v := eventView{Event: e, Who: h.actorName(r, names, e.Actor), What: h.eventText(lang, f, doc, e), Why: e.Reason}
	switch {
	case strings.HasPrefix(e.Reason, "batch "):
		v.Why = "" // the batch it joined or left: the system's own bookkeeping
	case e.Action == "route":
		var labels []string
		for _, code := range strings.Split(e.Reason, ",") {
			if code != "" {
				labels = append(labels, h.reasonLabel(lang, code))
			}
		}
		v.Why = strings.Join(labels, "; ")
	case e.Action == "delivery-failed":
		v.Why = translate(lang, "Etaten tok ikke imot sendingen søknaden var i. Godkjenn søknaden på nytt når feilen er rettet; flere kan godkjennes samtidig fra listen.")
		v.Technical = e.Reason
	case e.Action == casework.ActionAssign && e.Detail == "":
		v.What = translate(lang, "Saksbehandler fjernet")
	case e.Action == casework.ActionAssign:
		v.What = translate(lang, "Tildelt") + " " + h.actorName(r, names, "caseworker:"+e.Detail)
	case e.Action == casework.ActionNote:
		v.What = translate(lang, "Skrev et internt notat")
	case e.Action == casework.ActionViewFile:
		v.Why = files[e.Detail]
	case e.Action == casework.ActionView && strings.HasPrefix(e.Detail, "correct "):
		v.Why = translate(lang, "For å rette:") + " " + fieldLabel(lang, f, doc, strings.TrimPrefix(e.Detail, "correct "))
	}
	return v
}

// lowerFirst is s with its first letter in lower case, to go inside a
// sentence.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// fileNames names an application's files by id.
func (h *Handler) fileNames(r *http.Request, id string) (map[string]string, error) {
	files, err := h.store.Files(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		out[f.ID] = f.Name
	}
	return out, nil
}

func (h *Handler) casePage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	return h.showCase(w, r, u, http.StatusOK, nil)
}

// showCase renders an application, audited as a view. actionErr is an
// action's refusal to show above it (with the status it answers).
func (h *Handler) showCase(w http.ResponseWriter, r *http.Request, u engine.User, status int, actionErr error) error {
	ctx := r.Context()
	a, err := h.store.Casework.OpenCase(ctx, u, r.PathValue("id"), casework.ActionView, "")
	if err != nil {
		return err
	}
	f, doc, err := h.document(a)
	if err != nil {
		return err
	}
	lang := h.langOf(r)
	fl := formLang(lang)
	res := f.Validate(doc, forms.Options{Mode: forms.Full, Lang: fl})
	v := caseView{App: a, Valid: res.Valid, Errors: res.Errors, Sections: f.View(doc, fl), Facts: map[string]string{}}
	switch {
	case a.Identified != "":
		v.Identified = identifiedLabels[a.Identified]
	case a.Channel == "paper":
		v.Identified = nb("Papirsøknad: kommunen har sjekket hvem som søker")
	default:
		v.Identified = nb("Ikke identifisert: søkeren logget ikke inn")
	}
	facts := a.Facts()
	if on, err := time.ParseInLocation(time.DateOnly, facts.On, oslo); err == nil && len(facts.Values) > 0 {
		v.FactsOn = longDate(on)
	}
	for p, said := range facts.Values {
		now, _ := jsondoc.Lookup(doc, jsondoc.Split(p))
		if jsondoc.Equal(now, said) {
			v.Facts[p] = translate(lang, "Fra Folkeregisteret")
		} else {
			v.Facts[p] = fmt.Sprintf(translate(lang, "Endret av søkeren. Folkeregisteret: %v"), said)
		}
	}
	if c, ok := f.CostCeiling(res.Document, a.Kommune); ok && c.Above() {
		v.Ceiling = &c
	}
	for _, code := range (casework.Item{ReviewReasons: a.ReviewReasons, Status: a.Status}).Reasons() {
		v.Reasons = append(v.Reasons, h.reasonLabel(lang, code))
		v.Why = append(v.Why, reasonView{Label: h.reasonLabel(lang, code), Evidence: f.Evidence(res.Document, code, fl)})
	}
	v.Name = deref(a.ApplicantName)
	if v.Name == "" {
		v.Name = f.ApplicantName(res.Document)
	}
	v.LangCode = a.Lang
	v.Lang = langNames[a.Lang]
	if a.Assignee != nil {
		v.Mine = *a.Assignee == u.ID
	}
	// Only those who could work on it: the engine refuses anyone else.
	if v.Colleagues, err = h.store.Accounts.CaseColleagues(ctx, a.Kommune, deref(a.Unit)); err != nil {
		return err
	}
	names := map[string]string{}
	if a.Assignee != nil {
		v.Assignee = h.actorName(r, names, "caseworker:"+*a.Assignee)
	}
	notes, err := h.store.Casework.Notes(ctx, u, a.ID)
	if err != nil {
		return err
	}
	for _, n := range notes {
		v.Notes = append(v.Notes, noteView{Note: n, Who: h.actorName(r, names, n.Author)})
	}
	files, err := h.store.Files(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, c := range res.Checklist {
		item := checklistItem{ChecklistItem: c, StatusLabel: f.Text(fl, "checklist.status."+c.Status)}
		for _, file := range files {
			if file.Attachment == c.ID {
				item.Files = append(item.Files, file)
			}
		}
		v.Checklist = append(v.Checklist, item)
	}
	// Documents she can be asked for: those her answers call for, the ones
	// not yet provided chosen.
	for _, c := range res.Checklist {
		v.Documents = append(v.Documents, option{Value: c.ID, Label: c.Label, Selected: c.Status != "provided"})
	}
	for _, ptr := range a.Fields() {
		v.Returned = append(v.Returned, fieldLabel(lang, f, doc, ptr))
	}
	for _, sec := range v.Sections {
		for _, row := range sec.Rows {
			if row.Editable {
				v.Fields = append(v.Fields, row)
			}
		}
	}
	// A return can also ask for a document.
	for _, c := range res.Checklist {
		ptr := "/attachments/" + c.ID
		v.Fields = append(v.Fields, forms.Row{Pointer: ptr, Label: fieldLabel(lang, f, doc, ptr)})
	}
	events, err := h.store.Events(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Action == casework.ActionView || e.Action == casework.ActionViewFile || e.Action == casework.ActionViewAudit {
			continue // reads are in the audit trail, not the case history
		}
		v.Events = append(v.Events, h.event(r, names, f, doc, nil, e))
	}
	ns, err := h.store.Notices.Of(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, n := range ns {
		nv := noticeView{Notice: n, What: noticeWhat[n.Event], Outcome: noticeOutcome[n.State]}
		if n.SentAt != nil {
			nv.Sent = *n.SentAt
		}
		v.Notices = append(v.Notices, nv)
	}
	v.KommuneDecides = f.Road() == forms.RoadKommune
	// The kommune's own refusal is final; only an agency's is reopened.
	v.CanAct = a.Status.Workable() && !(v.KommuneDecides && a.Status == engine.StatusRejected)
	if v.KommuneDecides {
		if err := h.recommendations(r, u, f, a, &v); err != nil {
			return err
		}
		v.Serviceability = h.serviceabilityOf(r, f, res.Document, &v)
	}
	v.CanReturn = v.CanAct
	v.CanWithdraw = a.Status == engine.StatusInReview || a.Status == engine.StatusAwaitingCitizen
	if actionErr != nil {
		_, v.ActionError, _ = refusal(lang, actionErr)
	}
	if errors.Is(actionErr, casework.ErrStale) && len(v.Events) > 0 {
		// Who changed it, and how, rather than "someone" (review finding
		// 26): it may well have been she, in another tab.
		last := v.Events[len(v.Events)-1]
		who := last.Who
		if last.Actor == u.Actor() {
			who = translate(lang, "deg, i en annen fane eller et annet vindu")
		}
		v.ActionError = fmt.Sprintf(translate(lang, "Søknaden ble endret etter at du åpnet den (%s, av %s, %s). Ingenting er lagret. Se endringen under, og gjør det du ville på nytt."),
			lowerFirst(last.What), who, dateTime(last.At))
	}
	title := nb("Søknad")
	if a.Reference != nil {
		title = translate(lang, title) + " " + *a.Reference
	}
	if v.Name != "" {
		title = v.Name + " – " + title
	}
	h.render(w, r, status, "case", view{Title: title, User: &u, Flash: flashOf(r), Data: v})
	return nil
}

// document is an application's form and decoded data.
func (h *Handler) document(a engine.Application) (*forms.Form, map[string]any, error) {
	f, ok := h.forms.Form(a.Form)
	if !ok {
		return nil, nil, fmt.Errorf("application %s: form %s is not loaded", a.ID, a.Form)
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(a.Data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("application %s: %w", a.ID, err)
	}
	return f, doc, nil
}

// actorName shows who did something: a caseworker by name, the rest by role.
func (h *Handler) actorName(r *http.Request, cache map[string]string, actor string) string {
	if n, ok := cache[actor]; ok {
		return n
	}
	name := actor
	switch {
	case actor == "citizen":
		name = h.tr(r, "Søkeren")
	case strings.HasPrefix(actor, "system:"):
		name = h.tr(r, "Skjema (automatisk)")
	case strings.HasPrefix(actor, "agency:"):
		name = fmt.Sprintf(h.tr(r, "Etaten (%s)"), strings.TrimPrefix(actor, "agency:"))
	case strings.HasPrefix(actor, "caseworker:"):
		if u, err := h.store.Accounts.User(r.Context(), strings.TrimPrefix(actor, "caseworker:")); err == nil {
			name = u.Name
		} else {
			name = h.tr(r, "Saksbehandler (deaktivert)")
		}
	}
	cache[actor] = name
	return name
}

var actionLabels = map[string]string{
	"create": nb("Startet"), "submit": nb("Sendt inn"), "route": nb("Rutet"), "return": nb("Sendt tilbake til søkeren"),
	"resubmit": nb("Sendt inn på nytt"), "approve": nb("Godkjent"), "reject": nb("Avvist"), "withdraw": nb("Trukket"),
	"reopen": nb("Tatt opp igjen"), "deliver": nb("Levert"), "receipt": nb("Svar fra etaten"), "delivery-failed": nb("Levering feilet"),
	casework.ActionCorrect: nb("Svar rettet"), casework.ActionView: nb("Åpnet"), casework.ActionViewFile: nb("Lastet ned vedlegg"),
	casework.ActionViewAudit: nb("Så revisjonsloggen"), "paper": nb("Registrert fra papir"),
	casework.ActionRequestDocuments: nb("Bedt om dokumentasjon"), "send-documents": nb("Dokumentasjon sendt"),
	casework.ActionRecommend: nb("Innstilt"), casework.ActionDecide: nb("Vedtak gjort"), casework.ActionSendBack: nb("Innstillingen sendt tilbake"),
}

// eventText says what an event did; a correction names the field with its
// old and new value.
func (h *Handler) eventText(lang string, f *forms.Form, doc map[string]any, e engine.Event) string {
	what := translate(lang, actionLabels[e.Action])
	if what == "" {
		what = e.Action
	}
	if e.Action == casework.ActionCorrect {
		var c casework.Correction
		if json.Unmarshal([]byte(e.Detail), &c) == nil {
			amount := false
			if spec, err := f.Field(doc, c.Pointer, formLang(lang)); err == nil {
				amount = spec.Widget == "amount"
			}
			what += fmt.Sprintf(translate(lang, ": %s fra «%s» til «%s»"), fieldLabel(lang, f, doc, c.Pointer), shown(lang, c.Old, amount), shown(lang, c.New, amount))
		}
	}
	return what
}

// fieldLabel names an answer or an attachment by its pointer, as the form
// does; the pointer itself if the form does not know it (any more).
func fieldLabel(lang string, f *forms.Form, doc map[string]any, ptr string) string {
	if spec, err := f.Field(doc, ptr, formLang(lang)); err == nil {
		return spec.Label
	}
	if id, ok := strings.CutPrefix(ptr, "/attachments/"); ok && !strings.Contains(id, "/") {
		if l := f.Text(formLang(lang), "attachment."+id+".label"); l != "" {
			return translate(lang, "Vedlegg:") + " " + l
		}
	}
	return ptr
}

// shown is a corrected answer as the history shows it: an amount as
// "14 500 kr" (review finding 26).
func shown(lang string, v any, amount bool) string {
	if v == nil {
		return translate(lang, "tomt")
	}
	if n, ok := jsondoc.Number(v); ok && amount {
		return answer.Kroner(n)
	}
	return fmt.Sprint(v)
}

// inputError is what the caseworker entered, refused before the engine is
// asked: a required field left empty, or an answer that does not parse. Its
// text tells her what to do, in bokmål (the engine's own refusals are in
// English, for the log and the API); it is answered 400.
type inputError string

func (e inputError) Error() string { return string(e) }

// required refuses an empty required field with msg.
func required(value, msg string) error {
	if strings.TrimSpace(value) == "" {
		return inputError(msg)
	}
	return nil
}

// refusal explains an action the engine (or the form) refused, with the
// status to answer; ok is false for anything else (not found, or ours).
func refusal(lang string, err error) (status int, text string, ok bool) {
	var ve *engine.ValidationError
	var ie inputError
	switch {
	case errors.As(err, &ie):
		return http.StatusBadRequest, translate(lang, string(ie)), true
	case errors.As(err, &ve):
		var msgs []string
		for _, e := range ve.Errors {
			msgs = append(msgs, e.Message)
		}
		msgs = append(msgs, ve.Ineligible...)
		return http.StatusUnprocessableEntity, translate(lang, "Søknaden er ikke gyldig:") + " " + strings.Join(msgs, "; ") + ".", true
	case errors.Is(err, engine.ErrConflict), errors.Is(err, engine.ErrIllegalTransition):
		return http.StatusConflict, translate(lang, conflictText(err)), true
	case errors.Is(err, engine.ErrForbidden):
		return http.StatusForbidden, translate(lang, "Du har ikke tilgang til å gjøre dette."), true
	case errors.Is(err, engine.ErrInvalid):
		_, detail, _ := strings.Cut(err.Error(), "invalid: ")
		return http.StatusBadRequest, translate(lang, "Kan ikke utføres:") + " " + detail, true
	}
	return 0, "", false
}

// acted finishes an action: done, it goes back to where it belongs with a
// note of what happened; refused, the application is shown again with why.
func (h *Handler) acted(w http.ResponseWriter, r *http.Request, u engine.User, err error, done, to string) error {
	if err == nil {
		http.Redirect(w, r, to+"?done="+url.QueryEscape(done), http.StatusSeeOther)
		return nil
	}
	status, _, ok := refusal("nb", err)
	if !ok {
		return err
	}
	return h.showCase(w, r, u, status, err)
}

var flashes = map[string]string{
	"approved":            nb("Søknaden er godkjent og lagt i neste sending til etaten."),
	"corrected":           nb("Svaret er rettet."),
	"returned":            nb("Søknaden er sendt tilbake til søkeren med meldingen din."),
	"documents-requested": nb("Søkeren er bedt om dokumentasjonen, og får beskjed."),
	"rejected":            nb("Søknaden er avvist."),
	"withdrawn":           nb("Søknaden er markert som trukket."),
	"recommended":         nb("Innstillingen er lagret. Søknaden venter på vedtak fra en med vedtaksrett."),
	"decided":             nb("Vedtaket er gjort, og søkeren får beskjed."),
	"sent-back":           nb("Innstillingen er sendt tilbake til saksbehandling."),
	"assigned":            nb("Saksbehandler er endret."),
	"noted":               nb("Notatet er lagret."),
	"paper":               nb("Papirsøknaden er registrert."),
}

func flashOf(r *http.Request) string { return flashes[r.URL.Query().Get("done")] }

// caseAction reads what every action form posts: the version the
// caseworker saw and her reason.
func (h *Handler) caseAction(r *http.Request, u engine.User) (casework.CaseAction, error) {
	id := r.PathValue("id")
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return casework.CaseAction{}, errForbidden
	}
	form, err := h.store.Casework.FormOf(r.Context(), u, id)
	if err != nil {
		return casework.CaseAction{}, errNotFound
	}
	f, ok := h.forms.Form(form)
	if !ok {
		return casework.CaseAction{}, fmt.Errorf("application %s: form %s is not loaded", id, form)
	}
	return casework.CaseAction{User: u, ApplicationID: id, Version: version, Form: f, Reason: strings.TrimSpace(r.PostFormValue("reason"))}, nil
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	return h.acted(w, r, u, h.store.Casework.Approve(r.Context(), c), "approved", "/caseworker/")
}

func (h *Handler) returnToCitizen(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	err = required(r.PostFormValue("message"), nb("Skriv meldingen søkeren skal få."))
	if err == nil {
		err = h.store.Casework.ReturnToCitizen(r.Context(), c, r.PostFormValue("message"), r.PostForm["field"])
	}
	return h.acted(w, r, u, err, "returned", "/caseworker/")
}

func (h *Handler) requestDocuments(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	err = required(r.PostFormValue("message"), nb("Skriv meldingen søkeren skal få."))
	if err == nil && len(r.PostForm["document"]) == 0 {
		err = inputError(nb("Velg dokumentene søkeren skal sende."))
	}
	if err == nil {
		err = h.store.Casework.RequestDocuments(r.Context(), c, r.PostFormValue("message"), r.PostForm["document"])
	}
	return h.acted(w, r, u, err, "documents-requested", "/caseworker/")
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	err = required(c.Reason, nb("Skriv hvorfor søknaden avvises."))
	if err == nil {
		err = h.store.Casework.Reject(r.Context(), c)
	}
	return h.acted(w, r, u, err, "rejected", "/caseworker/")
}

func (h *Handler) withdraw(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	err = required(c.Reason, nb("Skriv hvorfor søknaden er trukket."))
	if err == nil {
		err = h.store.Casework.Withdraw(r.Context(), c)
	}
	return h.acted(w, r, u, err, "withdrawn", "/caseworker/")
}

// caseFile sends one uploaded file, audited, as a download: it is never
// rendered in the UI's origin. With ?view=inline an image or a PDF is sent
// to be shown on the case page instead (previewable), still under a policy
// that lets it run no script, load nothing and be framed only by the UI.
func (h *Handler) caseFile(w http.ResponseWriter, r *http.Request, u engine.User) error {
	f, content, err := h.store.Casework.CaseFile(r.Context(), u, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	sendDocument(w, r, f.Name, f.ContentType, content)
	return nil
}

// caseLetter sends one letter the kommune sent the citizen, audited, as
// caseFile sends a file.
func (h *Handler) caseLetter(w http.ResponseWriter, r *http.Request, u engine.User) error {
	l, content, err := h.store.Casework.CaseLetter(r.Context(), u, r.PathValue("id"), r.PathValue("letter"))
	if err != nil {
		return err
	}
	sendDocument(w, r, l.Name, "application/pdf", content)
	return nil
}

// caseCopy sends the PDF copy of the application (letters.FormCopy), as
// the citizen gets it, in the caseworker's language; audited as a
// download.
func (h *Handler) caseCopy(w http.ResponseWriter, r *http.Request, u engine.User) error {
	a, err := h.store.Casework.OpenCase(r.Context(), u, r.PathValue("id"), casework.ActionViewFile, "copy")
	if err != nil {
		return err
	}
	f, ok := h.forms.Form(a.Form)
	if !ok || a.Reference == nil || a.SubmittedAt == nil {
		return errNotFound
	}
	pdf, err := letters.FormCopy(f, []byte(a.Sent()), letters.Copy{Lang: formLang(h.langOf(r)), Reference: *a.Reference, SubmittedAt: *a.SubmittedAt,
		Month: a.ApplicationMonth, Kommune: h.kommune(a.Kommune)})
	if err != nil {
		return err
	}
	sendDocument(w, r, *a.Reference+".pdf", "application/pdf", pdf)
	return nil
}

// sendDocument answers a document as a download, or with ?view=inline one
// the page previews, in a policy that lets it run nothing.
func sendDocument(w http.ResponseWriter, r *http.Request, name, contentType string, content []byte) {
	disposition := "attachment"
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if r.URL.Query().Get("view") == "inline" && previewable(contentType) {
		// Chromium's PDF viewer does not open in a sandboxed document, so
		// a PDF gets a policy that allows the viewer and nothing else.
		disposition = "inline"
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		if contentType == "application/pdf" {
			w.Header().Set("Content-Security-Policy", "default-src 'none'; object-src 'self'; frame-ancestors 'self'")
		} else {
			w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'self'")
		}
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content)
}

// previewable says whether a file of this type is shown on the case page:
// the images and PDFs the form accepts.
func previewable(contentType string) bool {
	switch contentType {
	case "application/pdf", "image/png", "image/jpeg":
		return true
	}
	return false
}

// --- correcting one answer --------------------------------------------------

type correctView struct {
	App    engine.Application
	Spec   answer.Spec
	Reason string
	Error  string
}

func (h *Handler) correctPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	ptr := r.URL.Query().Get("field")
	a, err := h.store.Casework.OpenCase(r.Context(), u, r.PathValue("id"), casework.ActionView, "correct "+ptr)
	if err != nil {
		return err
	}
	f, doc, err := h.document(a)
	if err != nil {
		return err
	}
	spec, err := f.Field(doc, ptr, formLang(h.langOf(r)))
	if err != nil {
		return errNotFound
	}
	h.render(w, r, http.StatusOK, "correct", view{Title: nb("Rett svar"), User: &u, Data: correctView{App: a, Spec: spec}})
	return nil
}

func (h *Handler) correct(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	// Reading the answer to correct is a view of the application, audited
	// as the correction page's is.
	a, err := h.store.Casework.OpenCase(r.Context(), u, c.ApplicationID, casework.ActionView, "correct "+r.PostFormValue("field"))
	if err != nil {
		return err
	}
	_, doc, err := h.document(a)
	if err != nil {
		return err
	}
	spec, err := c.Form.Field(doc, r.PostFormValue("field"), formLang(h.langOf(r)))
	if err != nil {
		return errNotFound
	}
	value, err := spec.Parse(r.PostFormValue("value"))
	switch {
	case err != nil && spec.Widget == "amount":
		err = inputError(nb("Svaret kan ikke brukes: skriv et helt antall kroner."))
	case err != nil:
		err = inputError(nb("Svaret kan ikke brukes: velg et av svarene."))
	default:
		err = required(c.Reason, "Skriv hvorfor svaret rettes.")
	}
	if err == nil {
		err = h.store.Casework.Correct(r.Context(), c, spec.Pointer, value)
	}
	if err == nil {
		http.Redirect(w, r, "/caseworker/applications/"+a.ID+"?done=corrected", http.StatusSeeOther)
		return nil
	}
	status, msg, ok := refusal(h.langOf(r), err)
	if !ok {
		return err
	}
	if status == http.StatusBadRequest {
		status = http.StatusUnprocessableEntity // the entry itself, shown again to fix
	}
	spec.Value = r.PostFormValue("value")
	a.Version = c.Version
	h.render(w, r, status, "correct", view{Title: nb("Rett svar"), User: &u, Data: correctView{App: a, Spec: spec, Reason: c.Reason, Error: msg}})
	return nil
}
