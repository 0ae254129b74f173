package record

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
)

// CitizenTokenPrefix starts every signed-in citizen's bearer token, so that
// one is never looked up as an application's resume token, nor a resume
// token as a session. A resume token is base64url, which has no colon: no
// resume token starts with it (an earlier "c_" did, one in 4,096).
const CitizenTokenPrefix = "citizen:"

// IsCitizenToken tells a citizen's session token from a resume token.
func IsCitizenToken(token string) bool { return strings.HasPrefix(token, CitizenTokenPrefix) }

// Citizen is a citizen signed in with ID-porten.
type Citizen struct {
	SessionID string    `db:"id"`
	PID       string    `db:"pid"`
	OwnerHash string    `db:"owner_hash"`
	Level     string    `db:"level"`
	Locale    string    `db:"locale"`
	SeenAt    time.Time `db:"seen_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

// CitizenIdle is how long a citizen's session lives without use, as
// ID-porten's own: 30 minutes. CitizenSeenEvery is how often its use is
// written down (not on every keystroke's validation).
const (
	CitizenIdle      = 30 * time.Minute
	CitizenSeenEvery = time.Minute
)

// OwnerHash is how an application records the citizen it belongs to: a
// hash of her pid. It is unkeyed: a fødselsnummer can be found from it by
// trying them all, so it only spares the column from being read as one.
func OwnerHash(pid string) string { return secret.Hash("owner\x00" + pid) }

// CitizenByToken reads the live session of a citizen's token at now;
// anything else (unknown, ended, idle too long, a resume token) is
// fault.ErrNotFound.
func CitizenByToken(ctx context.Context, ex storage.Executor, token string, now time.Time) (Citizen, error) {
	if !IsCitizenToken(token) {
		return Citizen{}, fault.ErrNotFound
	}
	var c Citizen
	if err := ex.Get(ctx, &c, `SELECT id, pid, owner_hash, level, locale, seen_at, expires_at FROM citizen_sessions
		WHERE token_hash = ? AND expires_at > ? AND seen_at > ?`, secret.Hash(token), now, now.Add(-CitizenIdle)); err != nil {
		return Citizen{}, fmt.Errorf("citizen session: %w", err)
	}
	return c, nil
}

// Holds tells whether a token opens an application: the session of the
// signed-in citizen it belongs to (owner is the application's owner_hash),
// and only that; or, for one that belongs to no one signed in, its resume
// token. A resume token is a link that may travel: it must not let anyone
// act, or resubmit under another name, on an application ID-porten's
// citizen owns.
func Holds(ctx context.Context, ex storage.Executor, token, resumeHash string, owner *string, now time.Time) bool {
	if owner != nil {
		c, err := CitizenByToken(ctx, ex, token, now)
		return err == nil && c.OwnerHash == *owner
	}
	return !IsCitizenToken(token) && secret.Matches(token, resumeHash)
}

// HoldsToChange is Holds for a write: the session that opens the
// application is noted as used, so that a citizen who is filling in the
// form (the widget saves her draft as she goes) and submits is not signed
// out as idle while she works. Saving a draft and submitting use it.
func HoldsToChange(ctx context.Context, tx storage.Tx, token, resumeHash string, owner *string, now time.Time) (bool, error) {
	if owner == nil {
		return Holds(ctx, tx, token, resumeHash, nil, now), nil
	}
	c, err := CitizenByToken(ctx, tx, token, now)
	if err != nil || c.OwnerHash != *owner {
		return false, nil
	}
	return true, TouchCitizen(ctx, tx, c, now)
}

// TouchCitizen notes a session's use, at most once every CitizenSeenEvery
// (validating as she types must not write).
func TouchCitizen(ctx context.Context, ex storage.Executor, c Citizen, now time.Time) error {
	if now.Sub(c.SeenAt) < CitizenSeenEvery {
		return nil
	}
	if _, err := ex.Exec(ctx, `UPDATE citizen_sessions SET seen_at = ? WHERE id = ?`, now, c.SessionID); err != nil {
		return fmt.Errorf("citizen session: %w", err)
	}
	return nil
}
