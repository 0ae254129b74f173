package web

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/letters"
	"github.com/skjema/skjema/web/input"
	"github.com/skjema/skjema/web/signin"
)

// maxBody is the largest request body the citizen API reads.
const maxBody = 1 << 20

// readJSON reads a JSON request body: the right content type, at most 1 MiB,
// UTF-8, one well-formed JSON value. What it is must be checked by the caller.
func readJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, errUnsupportedMediaType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, errUnsupportedMediaType
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errTooLarge
		}
		return nil, errMalformed
	}
	if !utf8.Valid(body) {
		return nil, errNotUTF8
	}
	if !json.Valid(body) {
		return nil, errMalformed
	}
	if err := input.JSON(body); err != nil {
		return nil, err
	}
	depth, members, huge := jsonShape(body)
	if depth > maxDepth {
		return nil, errTooDeep
	}
	if members > maxMembers {
		return nil, errTooManyMembers
	}
	if huge {
		return nil, errHugeNumber
	}
	return body, nil
}

// bearer and lang are the sign-in's, which the whole citizen API shares.
var (
	bearer = signin.Bearer
	lang   = signin.Lang
)

func (s *Server) form(id string) (*forms.Form, error) {
	f, ok := s.forms.Form(id)
	if !ok {
		return nil, errUnknownForm
	}
	return f, nil
}

type formSummary struct {
	ID      string                `json:"id"`
	Version string                `json:"version"`
	Title   map[forms.Lang]string `json:"title"`
}

func (s *Server) listForms(w http.ResponseWriter, r *http.Request) error {
	out := []formSummary{}
	for _, f := range s.forms.Forms() {
		title := map[forms.Lang]string{}
		for _, l := range forms.Langs {
			title[l] = f.Text(l, "form.title")
		}
		out = append(out, formSummary{ID: f.ID, Version: f.Version, Title: title})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getForm(w http.ResponseWriter, r *http.Request) error {
	f, err := s.form(r.PathValue("form"))
	if err != nil {
		return err
	}
	// With ?kommune=, the kommune the widget is embedded for, and its
	// official written language: the widget's language where the embed does
	// not name one.
	var kommune *kommuneView
	if k := r.URL.Query().Get("kommune"); k != "" {
		if kommune, err = s.kommuneView(k); err != nil {
			return err
		}
	}
	d, err := s.definition(f, kommune, textsLang(r.URL.Query(), kommune))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Type", "application/json")
	h.Add("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		w.Write(d.gzipped)
	} else {
		w.Write(d.plain)
	}
	return nil
}

// textsLang is the one language whose texts a definition carries, where
// the widget asks for one: lang= names it; prefer= is the page's, which the
// kommune's official written language (nb or nn) overrides, as the widget
// does. Neither: all of them ("").
func textsLang(q url.Values, kommune *kommuneView) forms.Lang {
	switch {
	case q.Get("lang") != "":
		return forms.ParseLang(q.Get("lang"))
	case kommune != nil && (kommune.Lang == string(forms.Bokmal) || kommune.Lang == string(forms.Nynorsk)) && q.Has("prefer"):
		return forms.Lang(kommune.Lang)
	case q.Get("prefer") != "":
		return forms.ParseLang(q.Get("prefer"))
	}
	return ""
}

// encodedDefinition is a form's definition for a kommune, as JSON and
// gzipped: some 100 KB, 20 KB gzipped, which on a phone's slow link is the
// difference of seconds before the first question shows.
type encodedDefinition struct{ plain, gzipped []byte }

// definition encodes a form's definition once: every widget load asks for
// it. Those for no kommune and for a kommune the register knows are kept
// (bounded by forms × kommuner × four text choices); any other four digits are encoded anew, so
// that made-up numbers cannot fill the memory.
func (s *Server) definition(f *forms.Form, kommune *kommuneView, only forms.Lang) (encodedDefinition, error) {
	key := f.ID + " " + f.Version + " " + string(only)
	if kommune != nil {
		key += " " + kommune.Number
	}
	if d, ok := s.definitions.Load(key); ok {
		return d.(encodedDefinition), nil
	}
	def := f.Definition()
	if only != "" {
		// One language's texts: a third of the bytes on a slow link; the
		// widget asks for another when she switches.
		def.Texts = map[forms.Lang]json.RawMessage{only: def.Texts[only]}
	}
	plain, err := json.Marshal(struct {
		forms.Definition
		Kommune *kommuneView `json:"kommune,omitempty"`
	}{def, kommune})
	if err != nil {
		return encodedDefinition{}, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(plain)
	zw.Close()
	d := encodedDefinition{plain: plain, gzipped: gz.Bytes()}
	if kommune == nil || kommune.Name != "" {
		s.definitions.Store(key, d)
	}
	return d, nil
}

// kommuneView looks a kommune up in the register, for the widget.
func (s *Server) kommuneView(number string) (*kommuneView, error) {
	found, err := s.registers.Kommunenummer(number, time.Now())
	if malformed(err) {
		return nil, problem(http.StatusBadRequest, "invalid-request", "Invalid request", "kommune is a kommunenummer of four digits")
	}
	return &kommuneView{Number: number, Name: found.Name, Lang: s.registers.Language(number)}, nil
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.form(r.PathValue("form"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	opts := forms.Options{Mode: forms.Full, Lang: lang(r)}
	switch q.Get("mode") {
	case "", "full":
	case "partial":
		opts.Mode = forms.Partial
		if p := q.Get("pages"); p != "" {
			opts.Passed = strings.Split(p, ",")
		}
	default:
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "mode is partial or full")
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	ch := calendar.Digital
	switch q.Get("channel") {
	case "", "digital":
	case "paper":
		ch = calendar.Paper
	default:
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "channel is digital or paper")
	}
	// The kommune the widget is for: the citizen never types it, and her
	// address must lie in it (issue #13 item 7).
	var kommune *kommuneView
	if k := q.Get("kommune"); k != "" {
		if kommune, err = s.kommuneView(k); err != nil {
			return err
		}
		opts.Kommune = k
	}
	res, err := f.ValidateJSON(body, opts)
	if err != nil {
		return errMalformed
	}
	// The month an application completed now would be for, and the kommune
	// that handles it, for the review page to name before she submits.
	writeJSON(w, http.StatusOK, validation{Result: res, ApplicationMonth: s.store.ApplicationMonth(ch).String(), Kommune: kommune})
	return nil
}

// validation is a validation's answer: the form's result, the month the
// application would be for if it were submitted now, and the kommune that
// handles it.
type validation struct {
	forms.Result
	ApplicationMonth string       `json:"applicationMonth"`
	Kommune          *kommuneView `json:"kommune,omitempty"`
}

// kommuneView names a kommune: its number, and its name and official written
// language (nb or nn; none where neutral) where the registers know them.
type kommuneView struct {
	Number string `json:"number"`
	Name   string `json:"name,omitempty"`
	Lang   string `json:"lang,omitempty"`
}

// malformed tells a kommunenummer or postnummer that is not four digits
// from one the register does not know.
func malformed(err error) bool {
	var e *nid.Error
	return errors.As(err, &e) && (e.Reason == nid.ReasonDigits || e.Reason == nid.ReasonLength)
}

// postnummer: GET /api/v1/postnummer/{postnummer}, the poststed and kommune
// of a postnummer from the imported register, for the widget to show after
// the citizen types it. 404 where the register does not know it (or none is
// imported).
func (s *Server) postnummer(w http.ResponseWriter, r *http.Request) error {
	p, err := s.registers.Postnummer(r.PathValue("postnummer"))
	if malformed(err) {
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "a postnummer is four digits")
	}
	if err != nil || p.Poststed == "" {
		return errNotFound
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, poststedView{Postnummer: p.Postnummer, Poststed: p.Poststed, Kommunenummer: p.Kommunenummer, Kommunenavn: p.Kommunenavn})
	return nil
}

// poststedView is a postnummer as the API answers it.
type poststedView struct {
	Postnummer    string `json:"postnummer"`
	Poststed      string `json:"poststed"`
	Kommunenummer string `json:"kommunenummer"`
	Kommunenavn   string `json:"kommunenavn"`
}

type createDraftRequest struct {
	Form    string          `json:"form"`
	Kommune string          `json:"kommune"`
	Data    json.RawMessage `json:"data"`
}

func (s *Server) createDraft(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	var req createDraftRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return errMalformed
	}
	f, err := s.form(req.Form)
	if err != nil {
		return err
	}
	if len(req.Data) > 0 && !isObject(req.Data) {
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "data must be a JSON object")
	}
	if err := s.allowDraft(w, r); err != nil {
		return err
	}
	var d engine.Draft
	if token, _ := bearer(r); engine.IsCitizenToken(token) {
		d, err = s.store.CreateCitizenDraft(r.Context(), token, f.Layout.SignIn, f.ID, f.Version, req.Kommune, req.Data)
	} else {
		d, err = s.store.CreateDraft(r.Context(), f.ID, f.Version, req.Kommune, req.Data)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/drafts/"+d.ID)
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// draftView is a draft as the citizen reads it back.
type draftView struct {
	ID      string          `json:"id"`
	Form    string          `json:"form"`
	Kommune string          `json:"kommune,omitempty"`
	Status  engine.Status   `json:"status"`
	Version int             `json:"version"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message,omitempty"`
	// Fields are the answers a caseworker asks the citizen to fix.
	Fields []string `json:"fields,omitempty"`
	// Documents are the attachments she is asked to send, and nothing
	// else (ettersending).
	Documents []string `json:"documents,omitempty"`
	// Facts are the answers Folkeregisteret gave (their pointers), where
	// the draft was filled from it.
	Facts     []string  `json:"facts,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// viewOf is a draft as the citizen reads it back. Once the application has
// left her hands its data is null: her token reads the status, not the
// document (engine.Status.LeftCitizen).
func viewOf(a engine.Application) draftView {
	v := draftView{ID: a.ID, Form: a.Form, Kommune: a.Kommune, Status: a.Status, Version: a.Version,
		Message: a.Message, Fields: a.Fields(), Documents: a.Documents(), UpdatedAt: a.UpdatedAt}
	if a.Data != "" {
		v.Data = json.RawMessage(a.Data)
	}
	v.Facts = a.Facts().Pointers()
	return v
}

func (s *Server) getDraft(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	a, err := s.store.OpenWithToken(r.Context(), r.PathValue("id"), token)
	if err != nil {
		return err
	}
	if err := s.signin.AtLevel(r.Context(), token, a.Form); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(a.Version)))
	writeJSON(w, http.StatusOK, viewOf(a))
	return nil
}

// applicationCopy: GET /api/v1/drafts/{id}/copy, the PDF of the
// application she sent (letters.FormCopy), in the language asked for (lang)
// or hers. Her resume token reads it while the receipt is on her screen or
// the application is in her hands, her session always (engine.Store.OpenCopy).
func (s *Server) applicationCopy(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	a, err := s.store.OpenCopy(r.Context(), r.PathValue("id"), token)
	if err != nil {
		return err
	}
	if err := s.signin.AtLevel(r.Context(), token, a.Form); err != nil {
		return err
	}
	switch {
	case a.Status == engine.StatusDraft || a.Reference == nil || a.SubmittedAt == nil:
		return problem(http.StatusConflict, "not-submitted", "Not submitted", "the application has not been sent yet, so there is no copy of it")
	case a.Data == "":
		return problem(http.StatusForbidden, "sign-in-required", "Sign-in required",
			"the application has left the citizen's hands: sign in with ID-porten to read the copy in Mine søknader")
	}
	f, err := s.form(a.Form)
	if err != nil {
		return err
	}
	pdf, err := s.copyOf(f, a, forms.ParseLang(cmp.Or(r.URL.Query().Get("lang"), a.Lang)))
	if err != nil {
		return err
	}
	signin.SendPDF(w, *a.Reference+".pdf", pdf)
	return nil
}

// copyOf is the PDF copy of a submitted application (letters.FormCopy).
func (s *Server) copyOf(f *forms.Form, a engine.Application, lang forms.Lang) ([]byte, error) {
	c := letters.Copy{Lang: lang, Reference: *a.Reference, SubmittedAt: *a.SubmittedAt, Month: a.ApplicationMonth}
	if k, err := s.kommuneView(a.Kommune); err == nil {
		c.Kommune = cmp.Or(k.Name, a.Kommune)
	}
	return letters.FormCopy(f, []byte(a.Sent()), c)
}

// putDraft saves the document. An If-Match with the version read makes a
// save from a stale tab a 409 instead of a silent overwrite.
func (s *Server) putDraft(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	if !isObject(body) {
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "the draft must be a JSON object")
	}
	if err := s.atLevel(r.Context(), r.PathValue("id"), token); err != nil {
		return err
	}
	version := 0
	if m := r.Header.Get("If-Match"); m != "" {
		v, err := strconv.Atoi(strings.Trim(m, `"W/`))
		if err != nil {
			return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "If-Match must be the version from the ETag")
		}
		version = v
	}
	a, err := s.store.SaveDraft(r.Context(), r.PathValue("id"), token, body, version)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(a.Version)))
	writeJSON(w, http.StatusOK, map[string]any{"id": a.ID, "version": a.Version, "updatedAt": a.UpdatedAt})
	return nil
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) error {
	f, err := s.form(r.PathValue("form"))
	if err != nil {
		return err
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" {
		return errNoIdempotencyKey
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	if !isObject(body) {
		return errMalformed
	}
	token, _ := bearer(r)                   // only needed when the key is a draft id
	kommune := r.URL.Query().Get("kommune") // for a submit without a draft
	receipt, err := s.store.Submit(r.Context(), engine.SubmitRequest{
		Form: f, Body: body, IdempotencyKey: key, Token: token, Kommune: kommune, Lang: lang(r),
	})
	if err != nil {
		s.metrics.submits.WithLabelValues("refused").Inc()
		return err
	}
	s.metrics.submits.WithLabelValues("created").Inc()
	w.Header().Set("Location", "/api/v1/submissions/"+receipt.ID)
	writeJSON(w, http.StatusCreated, receipt)
	return nil
}

func (s *Server) submissionStatus(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	if err := s.atLevel(r.Context(), r.PathValue("id"), token); err != nil {
		return err
	}
	v, err := s.store.SubmissionStatus(r.Context(), r.PathValue("id"), token)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
	return nil
}

// atLevel refuses a citizen's session below the level of sign-in of the
// application's form (signin.Service.AtLevel), before a call that opens
// the application with the token itself. Only her own application is
// judged: one the token does not open is left to that call, which answers
// 404 as to any wrong token, so that a level refusal never tells another
// citizen that an application exists.
func (s *Server) atLevel(ctx context.Context, id, token string) error {
	if !engine.IsCitizenToken(token) {
		return nil
	}
	a, err := s.store.OpenWithToken(ctx, id, token)
	if err != nil {
		return nil
	}
	return s.signin.AtLevel(ctx, token, a.Form)
}

func isObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}
