package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
)

// The kommune's decision with four eyes (issue #17 item 3), on the
// kommune's road: a caseworker recommends (innstilling), and a person with
// the decision role in the application's kommune (fullmaktshaver) decides
// it or sends it back. The same person never does both: the engine refuses
// it, whatever the UI offers.

// Outcomes of a recommendation.
const (
	OutcomeGrant  = "grant"
	OutcomeRefuse = "refuse"
)

// Audit actions of the decision.
const (
	ActionRecommend = "recommend"
	ActionDecide    = "decide"
	ActionSendBack  = "send-back"
)

// Recommendation is what a caseworker recommends: to grant a loan of
// Amount kroner at RatePercent over TermYears, or to refuse it, with the
// reasons (codes from the form's list) and her own words.
type Recommendation struct {
	Outcome     string
	Amount      int64
	RatePercent float64
	TermYears   int
	Reasons     []string
	Text        string
}

// maxRecommendation is the longest text kept, in characters.
const maxRecommendation = 8000

func (r Recommendation) check() error {
	switch r.Outcome {
	case OutcomeGrant:
		if r.Amount <= 0 || r.Amount > 100_000_000 {
			return fmt.Errorf("%w: a grant needs the amount in whole kroner", fault.ErrInvalid)
		}
		if r.RatePercent != r.RatePercent || r.RatePercent < 0 || r.RatePercent > 30 { // NaN too
			return fmt.Errorf("%w: the rate must be between 0 and 30 per cent", fault.ErrInvalid)
		}
		// Husbanken's terms: 30 years normally, 50 at most
		// (../shared/domain [HB-betjeningsevne]).
		if r.TermYears < 1 || r.TermYears > 50 {
			return fmt.Errorf("%w: the term must be between 1 and 50 years", fault.ErrInvalid)
		}
	case OutcomeRefuse:
		// Forvaltningsloven §§ 24–25: a refusal gives its grounds, in
		// words the citizen reads.
		if strings.TrimSpace(r.Text) == "" {
			return fmt.Errorf("%w: write the grounds of the refusal to the citizen", fault.ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: recommend to grant or to refuse", fault.ErrInvalid)
	}
	if len([]rune(r.Text)) > maxRecommendation {
		return fmt.Errorf("%w: the recommendation is longer than 8,000 characters", fault.ErrInvalid)
	}
	return nil
}

// Recommend writes a caseworker's recommendation on an application in
// review that the kommune decides, and moves it to recommended, where it
// waits for someone with the decision role.
func (s *Service) Recommend(ctx context.Context, c CaseAction, r Recommendation) error {
	r.Text = strings.TrimSpace(r.Text)
	if err := r.check(); err != nil {
		return err
	}
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, res forms.Result) error {
		if c.Form.Road() != forms.RoadKommune {
			return fmt.Errorf("%w: the agency decides applications of form %s", fault.ErrIllegalTransition, c.Form.ID)
		}
		if a.Status != record.StatusInReview {
			return fmt.Errorf("%w: an application that is %s cannot be recommended", fault.ErrIllegalTransition, a.Status)
		}
		if !res.Valid {
			return fault.Invalid(res)
		}
		for _, code := range r.Reasons {
			if !slices.Contains(c.Form.Layout.DecisionReasons, code) {
				return fmt.Errorf("%w: %q is not one of the form's reasons", fault.ErrInvalid, code)
			}
		}
		reasons, err := json.Marshal(append([]string{}, r.Reasons...))
		if err != nil {
			return err
		}
		var amount, term any
		rate := ""
		if r.Outcome == OutcomeGrant {
			amount, term, rate = r.Amount, r.TermYears, strconv.FormatFloat(r.RatePercent, 'f', -1, 64)
		}
		var id int64
		if err := tx.Get(ctx, &id, `INSERT INTO recommendations (application_id, author, outcome, amount, rate, term_years, reasons, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.ID, c.User.Actor(), r.Outcome, amount, rate, term, string(reasons), r.Text, now); err != nil {
			return err
		}
		return record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusRecommended,
			Actor: c.User.Actor(), Action: ActionRecommend, Reason: r.Outcome, Detail: strconv.FormatInt(id, 10), Version: a.Version})
	})
}

// Decision is the decision role's answer to a recommendation: approve it
// (the kommune's decision is then the recommendation's), or send it back
// to review with a comment.
type Decision struct {
	User          accounts.User
	ApplicationID string
	Version       int
	// Form is the application's: an approval writes the decision letter
	// with its texts.
	Form    *forms.Form
	Approve bool
	Comment string
}

// ErrSameHands is a decision by someone who recommended on the case: four
// eyes means two people.
var ErrSameHands = fmt.Errorf("%w: the one who recommended the decision cannot also make it", fault.ErrForbidden)

// Decide approves or sends back the recommendation an application waits
// with. Only a person with the decision role in its kommune may, and never
// the one who wrote the recommendation (ErrSameHands). An approved grant
// moves the application to granted, an approved refusal to rejected
// (closed); either way the citizen is told, and reads the decision.
func (s *Service) Decide(ctx context.Context, d Decision) error {
	d.Comment = strings.TrimSpace(d.Comment)
	if !d.Approve && d.Comment == "" {
		return fmt.Errorf("%w: say why the recommendation is sent back", fault.ErrInvalid)
	}
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		a, err := s.caseTx(ctx, tx, d.User, d.ApplicationID)
		if err != nil {
			return err
		}
		if a.Version != d.Version {
			return ErrStale
		}
		if a.Status != record.StatusRecommended {
			return fmt.Errorf("%w: an application that is %s has no recommendation to decide", fault.ErrIllegalTransition, a.Status)
		}
		if !d.User.DecidesIn(a.Kommune) {
			return fmt.Errorf("%w: the decision role in kommune %s is needed", fault.ErrForbidden, a.Kommune)
		}
		if d.Form == nil || d.Form.ID != a.Form {
			return fmt.Errorf("%w: the decision needs the application's form", fault.ErrInvalid)
		}
		var rec RecommendationRecord
		if err := tx.Get(ctx, &rec, `SELECT `+recommendationColumns+` FROM recommendations WHERE application_id = ? AND decision IS NULL
			ORDER BY id DESC LIMIT 1`, a.ID); err != nil {
			return err
		}
		// Four eyes on the case, not only on this recommendation: whoever
		// recommended on it before (and was sent back) does not decide it.
		var mine int
		if err := tx.Get(ctx, &mine, `SELECT COUNT(*) FROM recommendations WHERE application_id = ? AND author = ?`, a.ID, d.User.Actor()); err != nil {
			return err
		}
		if mine > 0 {
			return ErrSameHands
		}
		now := s.clock.Now()
		// The decision's reason is what the citizen reads in Mine søknader:
		// the recommendation's grounds, written to her (forvaltningsloven
		// §§ 24–25). A send-back's is the comment, for the caseworker.
		decision, to, action, reason := "returned", record.StatusInReview, ActionSendBack, d.Comment
		if d.Approve {
			decision, to, action, reason = "approved", record.StatusGranted, ActionDecide, rec.Body
			if rec.Outcome == OutcomeRefuse {
				to = record.StatusRejected
			}
			if err := s.writeDecisionLetter(ctx, tx, d.Form, a, rec, d.User, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE recommendations SET decided_by = ?, decision = ?, comment = ?, decided_at = ? WHERE id = ?`,
			d.User.Actor(), decision, d.Comment, now, rec.ID); err != nil {
			return err
		}
		if to != record.StatusInReview {
			if _, err := tx.Exec(ctx, `UPDATE applications SET closed_at = ? WHERE id = ?`, now, a.ID); err != nil {
				return err
			}
		}
		return record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: to, Actor: d.User.Actor(),
			Action: action, Reason: reason, Detail: strconv.FormatInt(rec.ID, 10), Version: a.Version})
	})
	if err != nil {
		return fmt.Errorf("decide %s: %w", d.ApplicationID, err)
	}
	return nil
}

// RecommendationRecord is a recommendation as it is kept, with what became
// of it.
type RecommendationRecord struct {
	ID        int64      `db:"id"`
	Author    string     `db:"author"`
	Outcome   string     `db:"outcome"`
	Amount    *int64     `db:"amount"`
	Rate      string     `db:"rate"`
	TermYears *int       `db:"term_years"`
	Reasons   string     `db:"reasons"` // a JSON list of codes
	Body      string     `db:"body"`
	CreatedAt time.Time  `db:"created_at"`
	DecidedBy *string    `db:"decided_by"`
	Decision  *string    `db:"decision"` // approved, returned, or nil while it waits
	Comment   string     `db:"comment"`
	DecidedAt *time.Time `db:"decided_at"`
}

const recommendationColumns = `id, author, outcome, amount, rate, term_years, reasons, body, created_at, decided_by, decision, comment, decided_at`

// ReasonCodes are the recommendation's reasons.
func (r RecommendationRecord) ReasonCodes() []string {
	var out []string
	json.Unmarshal([]byte(r.Reasons), &out)
	return out
}

// Recommendations are an application's recommendations, oldest first, for
// a caseworker who sees it; part of the case she opened (OpenCase audits
// the view).
func (s *Service) Recommendations(ctx context.Context, u accounts.User, id string) ([]RecommendationRecord, error) {
	if _, err := s.FormOf(ctx, u, id); err != nil {
		return nil, err
	}
	var out []RecommendationRecord
	if err := s.db.Read().Select(ctx, &out, `SELECT `+recommendationColumns+` FROM recommendations WHERE application_id = ? ORDER BY id`, id); err != nil {
		return nil, fmt.Errorf("recommendations of %s: %w", id, err)
	}
	return out, nil
}
