// Package citizens keeps the sessions of citizens signed in with
// ID-porten, and answers what a signed-in citizen may read of her own
// applications ("Mine søknader"). Package identity does the OpenID Connect;
// this package starts where it ends, with the person ID-porten vouched for.
//
// A sign-in ends in the citizen's browser on the kommune's page, where the
// widget lives and Skjema's cookies may be blocked as third-party ones. So
// a session is handed over in two steps: Begin stores it under a one-time
// code, which travels in the redirect back to the page; the widget trades
// the code for the session's bearer token (Exchange), once, within
// CodeLifetime. Both are kept only as hashes.
package citizens

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/prefill"
)

// Citizen is a signed-in citizen.
type Citizen = record.Citizen

// The lifetimes of a sign-in: the code lives long enough for the redirect
// and one request; a session ends after Idle without use, and at MaxAge in
// any case, as ID-porten's own session does.
const (
	CodeLifetime = 2 * time.Minute
	Idle         = record.CitizenIdle
	MaxAge       = 2 * time.Hour
)

// Service is the citizens' sessions over one database.
type Service struct {
	db    *storage.DB
	clock record.Clock
}

// New makes the service.
func New(db *storage.DB, clock func() time.Time) *Service {
	return &Service{db: db, clock: record.Clock(clock)}
}

// SignIn is who ID-porten vouched for, and the tab that asked.
type SignIn struct {
	PID     string
	Level   string
	Locale  string
	IDToken string
	// Binding is the S256 (base64url of SHA-256) of a secret the tab that
	// started the sign-in keeps: Exchange takes the code only with it.
	Binding string
}

// Binding is the S256 of a tab's secret, as SignIn.Binding holds it.
func Binding(secretValue string) string {
	sum := sha256.Sum256([]byte(secretValue))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Begin starts a session for the person and answers its one-time code.
func (s *Service) Begin(ctx context.Context, in SignIn) (code string, err error) {
	if in.PID == "" || in.Level == "" || in.Binding == "" {
		return "", fmt.Errorf("%w: a sign-in needs a pid, a level and the tab's binding", fault.ErrInvalid)
	}
	code = secret.Token() + secret.Token()
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		_, err := tx.Exec(ctx, `INSERT INTO citizen_sessions (id, code_hash, pid, owner_hash, level, locale, id_token, binding, created_at,
			code_expires_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			secret.ID(), secret.Hash(code), in.PID, record.OwnerHash(in.PID), in.Level, in.Locale, in.IDToken, in.Binding, now,
			now.Add(CodeLifetime), now, now.Add(MaxAge))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("begin citizen session: %w", err)
	}
	return code, nil
}

// Session is a citizen's session as the widget holds it.
type Session struct {
	Token     string    `json:"token"`
	Level     string    `json:"level"`
	Locale    string    `json:"locale"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Exchange trades a one-time code for the session's token, shown the
// secret of the tab that started the sign-in (its S256 is the binding). A
// code that is unknown, used or too old, or another tab's, is
// fault.ErrUnauthorized; a wrong secret spends the code.
func (s *Service) Exchange(ctx context.Context, code, tabSecret string) (Session, error) {
	sess := Session{Token: record.CitizenTokenPrefix + secret.Token() + secret.Token()}
	wrongTab := false
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		wrongTab = false
		now := s.clock.Now()
		var row struct {
			ID        string    `db:"id"`
			Level     string    `db:"level"`
			Locale    string    `db:"locale"`
			Binding   string    `db:"binding"`
			ExpiresAt time.Time `db:"expires_at"`
		}
		if err := tx.Get(ctx, &row, `SELECT id, level, locale, binding, expires_at FROM citizen_sessions WHERE code_hash = ? AND code_expires_at > ?`,
			secret.Hash(code), now); err != nil {
			if errors.Is(err, fault.ErrNotFound) {
				return fmt.Errorf("%w: the sign-in code is unknown, used or too old", fault.ErrUnauthorized)
			}
			return err
		}
		if subtle.ConstantTimeCompare([]byte(Binding(tabSecret)), []byte(row.Binding)) != 1 {
			// Another tab's code, sent here: spend it, so that it signs no one in.
			wrongTab = true
			_, err := tx.Exec(ctx, `DELETE FROM citizen_sessions WHERE id = ?`, row.ID)
			return err
		}
		// The code is spent here: a second exchange finds nothing.
		n, err := tx.Exec(ctx, `UPDATE citizen_sessions SET code_hash = NULL, token_hash = ?, seen_at = ? WHERE id = ? AND code_hash = ?`,
			secret.Hash(sess.Token), now, row.ID, secret.Hash(code))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: the sign-in code was used meanwhile", fault.ErrUnauthorized)
		}
		sess.Level, sess.Locale, sess.ExpiresAt = row.Level, row.Locale, row.ExpiresAt
		return nil
	})
	if err != nil {
		return Session{}, fmt.Errorf("exchange sign-in code: %w", err)
	}
	if wrongTab {
		return Session{}, fmt.Errorf("%w: the sign-in was started in another browser tab", fault.ErrUnauthorized)
	}
	return sess, nil
}

// Citizen answers the signed-in citizen of a live session token, and notes
// its use (at most once a minute, so that validating as she types does not
// write). Anything else is fault.ErrUnauthorized.
func (s *Service) Citizen(ctx context.Context, token string) (Citizen, error) {
	now := s.clock.Now()
	c, err := record.CitizenByToken(ctx, s.db.Read(), token, now)
	if err != nil {
		return Citizen{}, fmt.Errorf("%w: not signed in, or the session has ended", fault.ErrUnauthorized)
	}
	if now.Sub(c.SeenAt) >= record.CitizenSeenEvery {
		err := s.db.Write(ctx, func(tx storage.Tx) error { return record.TouchCitizen(ctx, tx, c, now) })
		if err != nil {
			return Citizen{}, err
		}
		c.SeenAt = now
	}
	return c, nil
}

// SignOut ends a session, and answers ID-porten's id_token for its
// sign-out there too ("" if the session was not live).
func (s *Service) SignOut(ctx context.Context, token string) (idToken string, err error) {
	if !record.IsCitizenToken(token) {
		return "", nil
	}
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		var rows []string
		if err := tx.Select(ctx, &rows, `SELECT id_token FROM citizen_sessions WHERE token_hash = ?`, secret.Hash(token)); err != nil {
			return err
		}
		if len(rows) > 0 {
			idToken = rows[0]
		}
		_, err := tx.Exec(ctx, `DELETE FROM citizen_sessions WHERE token_hash = ?`, secret.Hash(token))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("sign out: %w", err)
	}
	return idToken, nil
}

// Purge deletes the sessions that have ended (expired, idle, or a code
// never exchanged) and answers how many.
func (s *Service) Purge(ctx context.Context) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM citizen_sessions WHERE expires_at < ? OR seen_at < ?
			OR (token_hash IS NULL AND code_expires_at < ?)`, now, now.Add(-Idle), now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge citizen sessions: %w", err)
	}
	return int(n), nil
}

// Mine is one of a citizen's applications as "Mine søknader" lists it.
type Mine struct {
	ID               string     `json:"id" db:"id"`
	Form             string     `json:"form" db:"form"`
	Kommune          string     `json:"kommune" db:"kommune"`
	Status           string     `json:"status" db:"status"`
	Reference        *string    `json:"reference,omitempty" db:"reference"`
	ApplicationMonth string     `json:"applicationMonth,omitempty" db:"application_month"`
	Message          string     `json:"message,omitempty" db:"message"`
	AgencyReason     string     `json:"agencyReason,omitempty" db:"agency_reason"`
	SubmittedAt      *time.Time `json:"submittedAt,omitempty" db:"submitted_at"`
	UpdatedAt        time.Time  `json:"updatedAt" db:"updated_at"`
	// Messages are every word the kommune and the agency sent her about
	// it, oldest first: each return's message, and the reasons of a
	// rejection, the kommune's or the agency's (forvaltningsloven §§ 24–27:
	// the reasons reach her).
	Messages []Message `json:"messages" db:"-"`
	// Letters are the letters the kommune sent her on it, oldest first:
	// the decision letter.
	Letters []record.Letter `json:"letters" db:"-"`
	// FormTitle and StatusText are the form's title and the status in the
	// application's own form's words, in the language asked for: a widget
	// of another form lists it too, and has no texts of this one (web/signin).
	FormTitle  string `json:"formTitle,omitempty" db:"-"`
	StatusText string `json:"statusText,omitempty" db:"-"`
	// SignInLevel, when set, is the level of sign-in its form asks for,
	// above the session's: Message, Messages and Letters are left out
	// until she signs in at it (web/signin).
	SignInLevel forms.Level `json:"signInLevel,omitempty" db:"-"`
}

// Message is one word to the citizen about her application.
type Message struct {
	At   time.Time `json:"at" db:"at"`
	Kind string    `json:"kind" db:"kind"` // returned, rejected, agencyRejected, decided
	Text string    `json:"text" db:"reason"`
}

// messageKinds are the audit events whose reason is said to the citizen.
var messageKinds = map[string]string{"return": "returned", "request-documents": "documents", "reject": "rejected", "decide": "decided"}

// Applications are the signed-in citizen's own applications, drafts
// included, the latest change first (at most 200: a citizen has a few a
// year).
func (s *Service) Applications(ctx context.Context, c Citizen) ([]Mine, error) {
	out := []Mine{} // none is an empty list, not null
	if err := s.db.Read().Select(ctx, &out, `SELECT id, form, kommune, status, reference, application_month, message, agency_reason,
		submitted_at, updated_at FROM applications WHERE owner_hash = ? ORDER BY updated_at DESC, id LIMIT 200`, c.OwnerHash); err != nil {
		return nil, fmt.Errorf("applications of a citizen: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	at := map[string]int{}
	ids := make([]string, len(out))
	for i := range out {
		out[i].Message = strings.TrimSpace(out[i].Message)
		out[i].Messages, out[i].Letters = []Message{}, []record.Letter{}
		at[out[i].ID], ids[i] = i, out[i].ID
	}
	letters, err := record.LettersOf(ctx, s.db.Read(), ids...)
	if err != nil {
		return nil, err
	}
	for _, l := range letters {
		m := &out[at[l.ApplicationID]]
		m.Letters = append(m.Letters, l)
	}
	in, args := storage.InList(ids)
	var events []struct {
		ApplicationID string    `db:"application_id"`
		Action        string    `db:"action"`
		To            string    `db:"to_status"`
		Reason        string    `db:"reason"`
		At            time.Time `db:"at"`
	}
	if err := s.db.Read().Select(ctx, &events, `SELECT application_id, action, to_status, reason, at FROM application_events
		WHERE application_id IN `+in+` AND action IN ('return', 'request-documents', 'reject', 'receipt', 'decide') ORDER BY id`, args...); err != nil {
		return nil, fmt.Errorf("messages to a citizen: %w", err)
	}
	for _, e := range events {
		kind := messageKinds[e.Action]
		if e.Action == "receipt" && e.To == string(record.StatusRejected) {
			kind = "agencyRejected"
		}
		if kind == "" || strings.TrimSpace(e.Reason) == "" {
			continue
		}
		m := &out[at[e.ApplicationID]]
		m.Messages = append(m.Messages, Message{At: e.At, Kind: kind, Text: strings.TrimSpace(e.Reason)})
	}
	return out, nil
}

// Letter reads a letter of one of the citizen's own applications. Another's
// application, or a letter not of it, is fault.ErrNotFound.
func (s *Service) Letter(ctx context.Context, c Citizen, appID, letterID string) (record.Letter, []byte, error) {
	var n int
	if err := s.db.Read().Get(ctx, &n, `SELECT COUNT(*) FROM applications WHERE id = ? AND owner_hash = ?`, appID, c.OwnerHash); err != nil {
		return record.Letter{}, nil, fmt.Errorf("letter of %s: %w", appID, err)
	}
	if n == 0 {
		return record.Letter{}, nil, fmt.Errorf("application %s: %w", appID, fault.ErrNotFound)
	}
	return record.LetterContent(ctx, s.db.Read(), appID, letterID)
}

// RegisterFacts is what a register said (record's).
type RegisterFacts = record.RegisterFacts

// Prefill fills a draft of the signed-in citizen's own from what the
// register said of her household (prefill.Map.Apply: only what she has
// not answered), and keeps what it said beside the answers. A draft that
// is not hers, or is no longer a draft, is fault.ErrNotFound or
// fault.ErrConflict.
func (s *Service) Prefill(ctx context.Context, c Citizen, id string, m *prefill.Map, h prefill.Household, on string) (record.Application, error) {
	if m == nil {
		return record.Application{}, fmt.Errorf("%w: the form takes nothing from a register", fault.ErrInvalid)
	}
	var out record.Application
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		a, err := record.GetApplication(ctx, tx, `id = ?`, id)
		if err != nil || a.OwnerHash == nil || *a.OwnerHash != c.OwnerHash {
			return fmt.Errorf("draft %s: %w", id, fault.ErrNotFound)
		}
		if a.Status != record.StatusDraft {
			return fmt.Errorf("%w: the application is %s, not a draft", fault.ErrConflict, a.Status)
		}
		doc := map[string]any{}
		if a.Data != "" {
			if err := json.Unmarshal([]byte(a.Data), &doc); err != nil || doc == nil {
				doc = map[string]any{}
			}
		}
		facts := RegisterFacts{Source: "folkeregisteret", On: on, Values: m.Apply(doc, h)}
		data, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		factsJSON, err := json.Marshal(facts)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE applications SET data = ?, register_facts = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(data), string(factsJSON), now, id, a.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: the draft was saved meanwhile", fault.ErrConflict)
		}
		a.Data, a.RegisterFacts, a.Version, a.UpdatedAt = string(data), string(factsJSON), a.Version+1, now
		out = a
		return nil
	})
	if err != nil {
		return record.Application{}, fmt.Errorf("prefill %s: %w", id, err)
	}
	return out, nil
}
