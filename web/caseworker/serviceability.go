package caseworker

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/serviceability"
)

// The betjeningsevne of an application the kommune decides, on its case
// page: every figure the computation used, at terms the caseworker sets.
// It informs her; the decision stays hers.

type serviceabilityView struct {
	Rate, Years, Stress string // the terms as she typed them
	Result              serviceability.Result
	Lines               []figureLine
	LoanLines           []figureLine
	Missing             []string // labels of the answers it lacked
	Error               string
}

// figureLine is one figure with its label, and whether it is added.
type figureLine struct {
	Label  string
	Amount int
	Income bool
}

// serviceabilityOf computes the case's betjeningsevne at the terms in the
// page's query (rente, år, stress), defaulting to the last recommended
// grant's terms, else 5 % over 30 years; nil for a form without one.
func (h *Handler) serviceabilityOf(r *http.Request, f *forms.Form, doc map[string]any, v *caseView) *serviceabilityView {
	if f.Rules.Serviceability == nil {
		return nil
	}
	lang := h.langOf(r)
	q := r.URL.Query()
	sv := &serviceabilityView{Rate: q.Get("rente"), Years: q.Get("ar"), Stress: q.Get("stress")}
	for i := len(v.Recommendations) - 1; i >= 0 && sv.Rate == ""; i-- {
		if rec := v.Recommendations[i]; rec.Outcome == "grant" && rec.TermYears != nil {
			sv.Rate, sv.Years = strings.ReplaceAll(rec.Rate, ".", ","), strconv.Itoa(*rec.TermYears)
		}
	}
	if sv.Rate == "" {
		sv.Rate = "5"
	}
	if sv.Years == "" {
		sv.Years = "30"
	}
	terms := serviceability.Terms{On: h.cfg.Clock().In(oslo)}
	var errR, errY, errS error
	terms.RatePercent, errR = strconv.ParseFloat(strings.ReplaceAll(sv.Rate, ",", "."), 64)
	terms.Years, errY = strconv.Atoi(strings.TrimSpace(sv.Years))
	if sv.Stress != "" {
		terms.StressPercentPoints, errS = strconv.ParseFloat(strings.ReplaceAll(sv.Stress, ",", "."), 64)
	}
	if errR != nil || errY != nil || errS != nil {
		sv.Error = translate(lang, "Skriv renten og påslaget i prosent (for eksempel 5,2) og løpetiden i hele år.")
		return sv
	}
	res, _, err := f.Serviceability(doc, terms)
	if err != nil {
		sv.Error = translate(lang, "Betjeningsevnen kan ikke regnes ut med disse vilkårene: løpetiden må være 1 til 50 år, og renten ikke negativ.")
		return sv
	}
	sv.Result = res
	label := func(l serviceability.Line) string {
		switch {
		case strings.HasPrefix(l.Source, "/"):
			return fieldLabel(lang, f, doc, l.Source)
		case l.Group == serviceability.GroupLiving && res.Living.Basis == "minimum":
			return translate(lang, "Livsopphold etter statens veiledende satser for økonomisk sosialhjelp")
		case l.Group == serviceability.GroupLiving && res.Living.Basis == "caseworker":
			return translate(lang, "Livsopphold etter husstandens faktiske forbruk")
		case l.Group == serviceability.GroupLiving:
			return translate(lang, "Livsopphold etter SIFOs referansebudsjett")
		}
		return translate(lang, "Saksbehandlers tillegg")
	}
	for _, l := range res.Lines {
		sv.Lines = append(sv.Lines, figureLine{Label: label(l), Amount: l.Amount, Income: l.Group == serviceability.GroupIncome})
	}
	for _, l := range res.Loan.Lines {
		sv.LoanLines = append(sv.LoanLines, figureLine{Label: label(l), Amount: l.Amount})
	}
	for _, p := range res.Missing {
		sv.Missing = append(sv.Missing, fieldLabel(lang, f, doc, p))
	}
	return sv
}
