package caseworker

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/forms"
)

// A case the kommune decides (forms.RoadKommune) is recommended by one
// caseworker and decided by another with the decision role; the engine
// holds them to it, the page only offers what she may do.

// recommendationView is a recommendation as the case page shows it.
type recommendationView struct {
	casework.RecommendationRecord
	Who, DecidedByName string
	Reasons            []string // the reasons' labels
}

// recommendations fills the case's recommendations, and whether the
// reader may decide the one it waits with.
func (h *Handler) recommendations(r *http.Request, u engine.User, f *forms.Form, a engine.Application, v *caseView) error {
	recs, err := h.store.Casework.Recommendations(r.Context(), u, a.ID)
	if err != nil {
		return err
	}
	if v.Letters, err = h.store.Casework.Letters(r.Context(), u, a.ID); err != nil {
		return err
	}
	names := map[string]string{}
	lang := h.langOf(r)
	for _, rec := range recs {
		rv := recommendationView{RecommendationRecord: rec, Who: h.actorName(r, names, rec.Author)}
		if rec.DecidedBy != nil {
			rv.DecidedByName = h.actorName(r, names, *rec.DecidedBy)
		}
		for _, code := range rec.ReasonCodes() {
			label := code
			if t := f.Text(formLang(lang), "decision.reason."+code); t != "" {
				label = t
			}
			rv.Reasons = append(rv.Reasons, label)
		}
		v.Recommendations = append(v.Recommendations, rv)
	}
	for _, code := range f.Layout.DecisionReasons {
		v.DecisionReasons = append(v.DecisionReasons, option{Value: code, Label: f.Text(formLang(lang), "decision.reason."+code)})
	}
	if a.Status != engine.StatusRecommended || len(recs) == 0 {
		return nil
	}
	switch last := recs[len(recs)-1]; {
	case !u.DecidesIn(a.Kommune):
		v.WhyNot = nb("Søknaden venter på vedtak fra en med vedtaksrett i kommunen.")
	case last.Author == u.Actor():
		v.WhyNot = nb("Du skrev innstillingen, og kan derfor ikke gjøre vedtaket. En annen med vedtaksrett må gjøre det.")
	default:
		v.CanDecide = true
	}
	return nil
}

func (h *Handler) recommend(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	rec := casework.Recommendation{Outcome: r.PostFormValue("outcome"), Reasons: r.PostForm["reason"], Text: r.PostFormValue("text")}
	if rec.Outcome == casework.OutcomeGrant {
		amount, errA := strconv.ParseInt(strings.NewReplacer(" ", "", "\u00a0", "", ".", "").Replace(r.PostFormValue("amount")), 10, 64)
		rate, errR := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("rate")), ",", "."), 64)
		term, errT := strconv.Atoi(strings.TrimSpace(r.PostFormValue("term")))
		switch {
		case errA != nil:
			err = inputError(nb("Skriv lånebeløpet i hele kroner, for eksempel 1500000."))
		case errR != nil:
			err = inputError(nb("Skriv renten i prosent, for eksempel 4,5."))
		case errT != nil:
			err = inputError(nb("Skriv løpetiden i hele år, for eksempel 30."))
		}
		rec.Amount, rec.RatePercent, rec.TermYears = amount, rate, term
	}
	if err == nil {
		err = h.store.Casework.Recommend(r.Context(), c, rec)
	}
	return h.acted(w, r, u, err, "recommended", "/caseworker/applications/"+c.ApplicationID)
}

func (h *Handler) decide(w http.ResponseWriter, r *http.Request, u engine.User) error {
	c, err := h.caseAction(r, u)
	if err != nil {
		return err
	}
	approve := r.PostFormValue("decision") == "approve"
	err = h.store.Casework.Decide(r.Context(), casework.Decision{User: u, ApplicationID: c.ApplicationID, Version: c.Version, Form: c.Form,
		Approve: approve, Comment: r.PostFormValue("comment")})
	done := "decided"
	if !approve {
		done = "sent-back"
	}
	return h.acted(w, r, u, err, done, "/caseworker/applications/"+c.ApplicationID)
}
