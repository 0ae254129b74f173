package signin

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/forms/prefill"
	"github.com/skjema/skjema/identity/freg"
)

// filledDraft is a draft as it was filled: what the widget goes on with.
type filledDraft struct {
	ID      string          `json:"id"`
	Version int             `json:"version"`
	Data    json.RawMessage `json:"data"`
}

// prefillView is a draft filled from Folkeregisteret, and which answers
// came from it.
type prefillView struct {
	Draft filledDraft `json:"draft"`
	On    string      `json:"on"`
	// Facts are the pointers of the answers the register gave: the widget
	// shows them as facts ("Fra Folkeregisteret"), not typed.
	Facts []string `json:"facts"`
}

var errRegisterUnavailable = refusal(http.StatusServiceUnavailable, "register-unavailable", "Folkeregisteret did not answer",
	"the household could not be fetched from Folkeregisteret; the citizen fills it in by hand")

// Prefill fills the signed-in citizen's own draft from Folkeregisteret:
// her name, her bostedsadresse and those registered in her unit on the 1st
// of the month a submit now would be for (the situasjonsdato, forskrift om
// bustøtte § 10). A register that does not answer never blocks her: 503,
// and she fills in by hand.
func (s *Service) Prefill(w http.ResponseWriter, r *http.Request) error {
	c, err := s.signedInCitizen(r)
	if err != nil {
		return err
	}
	token, _ := Bearer(r)
	a, err := s.store.OpenWithToken(r.Context(), r.PathValue("id"), token)
	if err != nil {
		return err
	}
	f, err := s.formAt(c, a.Form)
	if err != nil {
		return err
	}
	if f.Layout.Prefill == nil {
		return refusal(http.StatusNotFound, "no-prefill", "Nothing to fill in", "this form takes nothing from Folkeregisteret")
	}
	if s.freg == nil {
		return errRegisterUnavailable
	}
	on := s.store.ApplicationMonth(calendar.Digital).First()
	h, err := s.freg.Household(r.Context(), c.PID, on)
	if err != nil {
		s.log.WarnContext(r.Context(), "Folkeregisteret did not answer", "error", err)
		return errRegisterUnavailable
	}
	filled, err := s.store.Citizens.Prefill(r.Context(), c, a.ID, f.Layout.Prefill, householdOf(h), on.Format(time.DateOnly))
	if err != nil {
		return err
	}
	v := prefillView{Draft: filledDraft{ID: filled.ID, Version: filled.Version, Data: json.RawMessage(filled.Data)}, On: on.Format(time.DateOnly), Facts: filled.Facts().Pointers()}
	if v.Facts == nil {
		v.Facts = []string{} // the widget reads a list
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
	return nil
}

func householdOf(h freg.Household) prefill.Household {
	out := prefill.Household{Applicant: prefill.Person{PID: h.Applicant.PID, GivenName: h.Applicant.GivenName, FamilyName: h.Applicant.FamilyName},
		Street: h.Address.Street, Postnummer: h.Address.Postnummer, Bruksenhetsnummer: h.Address.Bruksenhetsnummer}
	for _, p := range h.Others {
		out.Others = append(out.Others, prefill.Person{PID: p.PID, GivenName: p.GivenName, FamilyName: p.FamilyName})
	}
	return out
}
