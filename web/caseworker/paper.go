package caseworker

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/web/input"
)

type paperView struct {
	Form string
	// Forms are the forms to choose from, by title, until one is chosen.
	Forms    []option
	Kommune  string
	Kommuner []string
	APIBase  string
}

// paperPage registers a paper application on a citizen's behalf (no e-ID,
// a verge): the citizen's own widget, the same definition and validation,
// with its final submit sent here so the caseworker is recorded as its
// registrar. The page alone allows the widget's script, from this server.
func (h *Handler) paperPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	v := paperView{Form: r.URL.Query().Get("form"), Kommune: r.URL.Query().Get("kommune"), Kommuner: u.Kommuner, APIBase: h.cfg.APIBase}
	all := h.forms.Forms()
	if v.Form == "" && len(all) == 1 {
		v.Form = all[0].ID
	}
	if v.Form == "" {
		for _, f := range all {
			v.Forms = append(v.Forms, option{Value: f.ID, Label: f.Text(formLang(h.langOf(r)), "form.title")})
		}
	} else if _, ok := h.forms.Form(v.Form); !ok {
		return errNotFound
	}
	if v.Kommune == "" && len(u.Kommuner) == 1 && v.Form != "" {
		v.Kommune = u.Kommuner[0]
	}
	if v.Kommune != "" && !u.Sees(v.Kommune) {
		return errNotFound
	}
	if v.Kommune != "" {
		w.Header().Set("Content-Security-Policy", pagePolicy+"; script-src 'self'; connect-src 'self'")
	}
	h.render(w, r, http.StatusOK, "paper", view{Title: nb("Registrer papirsøknad"), User: &u, Data: v})
	return nil
}

// paperSubmit is the widget's submit of a paper application: the draft's id
// is the idempotency key, its token in Authorization, the document as JSON,
// the CSRF token in X-CSRF-Token. It answers as the citizen API does.
func (h *Handler) paperSubmit(w http.ResponseWriter, r *http.Request, u engine.User) error {
	id := r.PathValue("id")
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	body, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(body) {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "the body is not one JSON document"})
	}
	if input.JSON(body) != nil {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"detail": errUnstorable.text})
	}
	a, err := h.store.OpenWithToken(r.Context(), id, token)
	if err != nil || !u.Sees(a.Kommune) {
		return errNotFound
	}
	f, ok := h.forms.Form(a.Form)
	if !ok {
		return errNotFound
	}
	receipt, err := h.store.Submit(r.Context(), engine.SubmitRequest{Form: f, Body: body, IdempotencyKey: id, Token: token,
		Kommune: a.Kommune, Lang: formLang(h.langOf(r)), Registrar: &u})
	var ve *engine.ValidationError
	if err == nil {
		return writeJSON(w, http.StatusCreated, receipt)
	}
	if errors.As(err, &ve) { // the widget shows each at its field
		answer := map[string]any{"detail": "the application has errors", "errors": ve.Errors, "reasons": ve.Ineligible}
		if ve.Truncated {
			answer["truncated"] = true
		}
		return writeJSON(w, http.StatusUnprocessableEntity, answer)
	}
	if status, text, ok := refusal(h.langOf(r), err); ok {
		return writeJSON(w, status, map[string]string{"detail": text})
	}
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
