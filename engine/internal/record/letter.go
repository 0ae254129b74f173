package record

import (
	"context"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/storage"
)

// LetterDecision is the kind of the kommune's decision letter.
const LetterDecision = "decision"

// Letter is a letter sent to the citizen, as a list shows it; its content
// is read apart.
type Letter struct {
	ID            string    `db:"id" json:"id"`
	ApplicationID string    `db:"application_id" json:"-"`
	Kind          string    `db:"kind" json:"kind"`
	Lang          string    `db:"lang" json:"lang"`
	Name          string    `db:"name" json:"name"`
	SHA256        string    `db:"sha256" json:"sha256"`
	Size          int64     `db:"size" json:"size"`
	CreatedAt     time.Time `db:"created_at" json:"createdAt"`
}

const letterColumns = `id, application_id, kind, lang, name, sha256, LENGTH(content) AS size, created_at`

// LettersOf are the letters of applications, oldest first.
func LettersOf(ctx context.Context, ex storage.Executor, ids ...string) ([]Letter, error) {
	out := []Letter{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := storage.InList(ids)
	if err := ex.Select(ctx, &out, `SELECT `+letterColumns+` FROM letters WHERE application_id IN `+in+` ORDER BY created_at, id`, args...); err != nil {
		return nil, fmt.Errorf("letters: %w", err)
	}
	return out, nil
}

// LetterContent reads one letter of an application.
func LetterContent(ctx context.Context, ex storage.Executor, appID, letterID string) (Letter, []byte, error) {
	var l Letter
	if err := ex.Get(ctx, &l, `SELECT `+letterColumns+` FROM letters WHERE id = ? AND application_id = ?`, letterID, appID); err != nil {
		return Letter{}, nil, fmt.Errorf("letter %s: %w", letterID, err)
	}
	var content []byte
	if err := ex.Get(ctx, &content, `SELECT content FROM letters WHERE id = ?`, letterID); err != nil {
		return Letter{}, nil, fmt.Errorf("letter %s: %w", letterID, err)
	}
	return l, content, nil
}
