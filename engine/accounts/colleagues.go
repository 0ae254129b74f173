package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/storage"
)

// Colleague is a caseworker a case can be given to: her id and name, and
// the kommuner she shares with the one who asks.
type Colleague struct {
	ID   string `db:"id"`
	Name string `db:"name"`
}

// Colleagues are the enabled accounts that work on applications of at
// least one of u's kommuner, u herself included, by name: whom she can
// give a case to, and whose cases she can list.
func (s *Service) Colleagues(ctx context.Context, u User) ([]Colleague, error) {
	if len(u.Kommuner) == 0 {
		return nil, nil
	}
	in, args := storage.InList(u.Kommuner)
	var out []Colleague
	if err := s.db.Read().Select(ctx, &out, `SELECT id, name FROM users WHERE NOT disabled
		AND id IN (SELECT user_id FROM user_kommuner WHERE kommune IN `+in+`) ORDER BY name, id`, args...); err != nil {
		return nil, fmt.Errorf("colleagues of %s: %w", u.ID, err)
	}
	return out, nil
}

// Languages a caseworker can read the UI in.
var Languages = []string{"nb", "nn"}

// SetLanguage keeps the language a user reads the UI in, as an event of
// her account.
func (s *Service) SetLanguage(ctx context.Context, u User, lang string) error {
	if !slices.Contains(Languages, lang) {
		return fmt.Errorf("%w: no UI in language %q", fault.ErrInvalid, lang)
	}
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, u.Actor(), "language", u.ID, lang)
	})
	if err != nil {
		return fmt.Errorf("language of %s: %w", u.ID, err)
	}
	return nil
}

// ErrGroupsDecide: the account signs in with a kommune's login, whose
// groups give and take its decision role at every sign-in; a role given or
// taken by hand would last only until her next sign-in.
var ErrGroupsDecide = fmt.Errorf("%w: the kommune's login gives this account its decision role (the group map)", fault.ErrConflict)

// SetDecides gives an account the admin manages the decision role
// (fullmaktshaver) in all its kommuner, or takes it away, as an event of
// the account. Any other account is fault.ErrNotFound; one of a kommune's
// login (Account.Provisioned) is ErrGroupsDecide.
func (s *Service) SetDecides(ctx context.Context, admin User, id string, decides bool) error {
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var kommuner []string
		if err := tx.Select(ctx, &kommuner, `SELECT kommune FROM user_kommuner WHERE user_id = ?`, id); err != nil {
			return err
		}
		if !admin.manages(kommuner) {
			return fault.ErrNotFound
		}
		var provisioned bool
		if err := tx.Get(ctx, &provisioned, `SELECT EXISTS (SELECT 1 FROM identities WHERE user_id = ? AND provider <> ?)`, id, ProviderLocal); err != nil {
			return err
		}
		if provisioned {
			return ErrGroupsDecide
		}
		if _, err := tx.Exec(ctx, `UPDATE user_kommuner SET decides = ? WHERE user_id = ?`, decides, id); err != nil {
			return err
		}
		action := "decides"
		if !decides {
			action = "no-decides"
		}
		return s.audit(ctx, tx, admin.Actor(), action, id, strings.Join(kommuner, ","))
	})
	if err != nil {
		return fmt.Errorf("decision role of %s by %s: %w", id, admin.ID, err)
	}
	return nil
}

// CaseColleagues are the enabled accounts that work on an application of
// kommune and unit (empty for none), by name: whom a case can be given to.
// In a kommune where someone has units she sees only theirs; an application
// of no unit goes to those with none there.
func (s *Service) CaseColleagues(ctx context.Context, kommune, unit string) ([]Colleague, error) {
	var out []Colleague
	if err := s.db.Read().Select(ctx, &out, `SELECT id, name FROM users WHERE NOT disabled
		AND id IN (SELECT user_id FROM user_kommuner WHERE kommune = ?)
		AND (NOT EXISTS (SELECT 1 FROM user_units uu WHERE uu.user_id = users.id AND uu.kommune = ?)
			OR EXISTS (SELECT 1 FROM user_units uu WHERE uu.user_id = users.id AND uu.kommune = ? AND uu.unit = ?))
		ORDER BY name, id`, kommune, kommune, kommune, unit); err != nil {
		return nil, fmt.Errorf("colleagues on a case of %s: %w", kommune, err)
	}
	return out, nil
}
