package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
)

// What a search looked for, as its audit event keeps it.
const (
	SearchReference = "reference"
	SearchName      = "name"
	SearchNIN       = "fodselsnummer"
)

// Searched is a search's answer: what kind of search it was, and the
// applications found, newest first, with the applicant's name.
type Searched struct {
	Kind  string
	Items []Item
	// More says there were more than the items shown: the search should
	// be narrowed.
	More bool
}

// searchLimit bounds a search's answer: a search is for finding one case,
// and a name that matches more should be typed out further.
const searchLimit = 50

var (
	referenceRE = regexp.MustCompile(`^[A-Za-z]{2,8}-\d{4}-\d{1,9}$`)
	digitsRE    = regexp.MustCompile(`^\d+$`)
	// A fødselsnummer as people write it: 11 digits, maybe with a space,
	// dot or dash after the date.
	ninSeparators = strings.NewReplacer(" ", "", ".", "", "-", "")
)

// Search finds applications of the caseworker's kommuner (of her units,
// where she has them), open or closed,
// by reference (BOS-2026-000123, or just 123), by the applicant's name
// (every word must be part of it) or by her fødselsnummer (11 digits). The
// search, what it was for and what it found is written to the audit log in
// the same transaction: a search by personal data is a read of it. in are
// the forms whose applicants a fødselsnummer is looked up for.
func (s *Service) Search(ctx context.Context, u accounts.User, query string, in []*forms.Form) (Searched, error) {
	query = strings.Join(strings.Fields(query), " ")
	if query == "" || len(query) > 200 {
		return Searched{}, fmt.Errorf("%w: write a reference, a name or a fødselsnummer to search for", fault.ErrInvalid)
	}
	if len(u.Kommuner) == 0 {
		return Searched{}, nil
	}
	var out Searched
	var cond string
	var args []any
	switch nin := ninSeparators.Replace(query); {
	case referenceRE.MatchString(query):
		out.Kind, cond, args = SearchReference, `reference = ?`, []any{strings.ToUpper(query)}
	case digitsRE.MatchString(nin) && len(nin) == 11:
		out.Kind = SearchNIN
		var hashes []string
		for _, f := range in {
			if f.Layout.Applicant != "" {
				hashes = append(hashes, record.HashApplicantID(f.ID, nin))
			}
		}
		if len(hashes) == 0 {
			return Searched{Kind: SearchNIN}, nil
		}
		hin, hargs := storage.InList(hashes)
		cond, args = `applicant_hash IN `+hin, hargs
	case digitsRE.MatchString(query) && len(query) <= 9:
		// The number of a reference, as people read it out: 123 is
		// BOS-2026-000123 (of any form and year).
		out.Kind, cond, args = SearchReference, `reference LIKE ?`, []any{"%-" + fmt.Sprintf("%06s", query)}
	default:
		out.Kind = SearchName
		var parts []string
		for _, w := range strings.Fields(record.SearchFold(query)) {
			parts = append(parts, `applicant_search LIKE ? ESCAPE '\'`)
			args = append(args, "%"+likeEscaper.Replace(w)+"%")
		}
		cond = strings.Join(parts, " AND ")
	}
	seen, kargs := seenBy("", u.Kommuner, u.Units)
	args = append(append([]any{string(record.StatusDraft)}, kargs...), args...)
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var items []Item
		if err := tx.Select(ctx, &items, `SELECT `+itemColumns+`, COALESCE(a.applicant_name, '') AS applicant_name
			FROM (SELECT `+listColumns+`, applicant_name FROM applications WHERE status <> ? AND `+seen+` AND `+cond+`
			ORDER BY submitted_at DESC, id DESC LIMIT ?) a LEFT JOIN users u ON u.id = a.assignee
			ORDER BY a.submitted_at DESC, a.id DESC`, append(args, searchLimit+1)...); err != nil {
			return err
		}
		if len(items) > searchLimit {
			items, out.More = items[:searchLimit], true
		}
		out.Items = items
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		hits, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		logged := query
		if out.Kind == SearchNIN {
			// The hits name whose number it was; the log need not keep the
			// number itself, only the date it begins with.
			logged = ninSeparators.Replace(query)[:6] + "*****"
		}
		_, err = tx.Exec(ctx, `INSERT INTO search_events (actor, kind, query, hits, at) VALUES (?, ?, ?, ?, ?)`,
			u.Actor(), out.Kind, logged, string(hits), s.clock.Now())
		return err
	})
	if err != nil {
		return Searched{}, fmt.Errorf("search by %s: %w", u.ID, err)
	}
	return out, nil
}

// SearchEvent is one search in the audit log.
type SearchEvent struct {
	ID    int64     `db:"id"`
	Actor string    `db:"actor"`
	Kind  string    `db:"kind"`
	Query string    `db:"query"`
	Hits  string    `db:"hits"` // a JSON list of application ids
	At    time.Time `db:"at"`
}

// Searches are the searches an actor made, newest first, at most limit:
// for the audit of a caseworker's account, which its caller checks the
// reader may see.
func (s *Service) Searches(ctx context.Context, actor string, limit int) ([]SearchEvent, error) {
	var out []SearchEvent
	if err := s.db.Read().Select(ctx, &out, `SELECT id, actor, kind, query, hits, at FROM search_events
		WHERE actor = ? ORDER BY id DESC LIMIT ?`, actor, limit); err != nil {
		return nil, fmt.Errorf("searches of %s: %w", actor, err)
	}
	return out, nil
}
