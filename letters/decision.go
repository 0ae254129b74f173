package letters

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/answer"
)

// Sender is the kommune a letter comes from, as its letterhead reads. Only
// Name is needed; an installation gives the rest per kommune.
type Sender struct {
	Name    string   `json:"name"`              // "Oslo kommune"
	Unit    string   `json:"unit,omitempty"`    // "Boligkontoret"
	Address []string `json:"address,omitempty"` // the postal address, a line each: "Postboks 1", "0037 Oslo"
	Phone   string   `json:"phone,omitempty"`
	Email   string   `json:"email,omitempty"`
	Web     string   `json:"web,omitempty"`
	// AppealBody is who decides an appeal the kommune does not grant
	// itself (forvaltningsloven § 28 second paragraph: the kommunestyre or
	// a klagenemnd it chose); by default "kommunens klageorgan".
	AppealBody string `json:"appealBody,omitempty"`
}

// Decision is what a decision letter says.
type Decision struct {
	Sender    Sender
	Lang      forms.Lang
	Reference string
	// Title is the letter's heading, the form's own ("Vedtak om startlån").
	Title string
	// To are the applicants, by name.
	To []string
	// At is when the decision was made; the letter is dated that day.
	At      time.Time
	Granted bool
	// The grant's terms: kroner, per cent a year as kept ("4.5"), years.
	Amount      int64
	RatePercent string
	TermYears   int
	// Reasons are the texts of the reasons chosen from the form's list.
	Reasons []string
	// Grounds are the caseworker's own words to the citizen.
	Grounds string
	// LegalBasis says which rules the decision is made under (the form's
	// text; forvaltningsloven § 25).
	LegalBasis string
	// DecidedBy made the decision on RecommendedBy's recommendation: their
	// names.
	DecidedBy, RecommendedBy string
}

// DecisionLetter writes the decision letter: the kommune's letterhead, the
// decision with its terms or its grounds, the rules it is made under, and
// how to appeal, in the applicant's language.
func DecisionLetter(d Decision) ([]byte, error) {
	if d.Sender.Name == "" || d.Reference == "" || d.At.IsZero() {
		return nil, fmt.Errorf("a decision letter needs its sender, reference and date")
	}
	l := d.Lang
	title := strings.TrimSpace(d.Title)
	if title == "" {
		title = tDecision.in(l)
	}
	p := newPage(title+" – "+d.Reference, d.Sender.Name, l, d.At)
	letterhead(p, d.Sender)
	p.facts([][2]string{{tDate.in(l), date(d.At, l)}, {tReference.in(l), d.Reference}})
	if len(d.To) > 0 {
		p.facts([][2]string{{tTo.in(l), strings.Join(d.To, ", ")}})
	}
	p.rule()
	p.heading(title, 15)
	if d.Granted {
		p.para(fmt.Sprintf(tGranted.in(l), d.Sender.Name))
		p.facts([][2]string{
			{tLoan.in(l), answer.Kroner(float64(d.Amount))},
			{tRate.in(l), percent(d.RatePercent, l)},
			{tTerm.in(l), fmt.Sprintf(tYears.in(l), d.TermYears)},
		})
	} else {
		p.para(fmt.Sprintf(tRefused.in(l), d.Sender.Name))
	}
	if len(d.Reasons) > 0 || strings.TrimSpace(d.Grounds) != "" || d.LegalBasis != "" {
		p.heading(tGrounds.in(l), 12)
		if d.LegalBasis != "" {
			p.para(d.LegalBasis)
		}
		if len(d.Reasons) > 0 {
			p.lines(tReasons.in(l))
			p.bullets(d.Reasons)
		}
		for _, part := range strings.Split(strings.TrimSpace(d.Grounds), "\n\n") {
			if strings.TrimSpace(part) != "" {
				p.para(strings.TrimSpace(part))
			}
		}
	}
	p.heading(tAppealTitle.in(l), 12)
	to := d.Sender.Name
	if len(d.Sender.Address) > 0 {
		to += ", " + strings.Join(d.Sender.Address, ", ")
	}
	p.para(fmt.Sprintf(tAppeal.in(l), to))
	p.para(fmt.Sprintf(tAppealBody.in(l), d.Sender.Name, cmp.Or(d.Sender.AppealBody, tDefaultBody.in(l))))
	p.para(tAccess.in(l))
	p.lines(tGreeting.in(l))
	p.bold(d.Sender.Name)
	p.pdf.Ln(2)
	if d.DecidedBy != "" && d.RecommendedBy != "" {
		p.para(fmt.Sprintf(tSigned.in(l), d.DecidedBy, d.RecommendedBy))
	}
	return p.bytes()
}

// letterhead writes the sender at the top.
func letterhead(p *page, s Sender) {
	p.heading(s.Name, 13)
	p.lines(s.Unit)
	p.lines(s.Address...)
	p.lines(strings.Join(nonEmpty(s.Phone, s.Email, s.Web), " · "))
	p.pdf.Ln(4)
}

// percent writes a rate kept as "4.5" as Norwegians read it, "4,5 %".
func percent(rate string, lang forms.Lang) string {
	if lang == forms.English {
		return rate + "%"
	}
	return strings.ReplaceAll(rate, ".", ",") + "\u00a0%"
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
