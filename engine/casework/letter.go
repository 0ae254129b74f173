package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/letters"
)

// Letter is a letter sent to the citizen (record's).
type Letter = record.Letter

// Senders give the letterhead of a kommune's letters, by kommunenummer.
type Senders func(kommune string) letters.Sender

// letterNames are a decision letter's file name in each language.
var letterNames = map[forms.Lang]string{forms.Bokmal: "vedtak", forms.Nynorsk: "vedtak", forms.English: "decision"}

// writeDecisionLetter makes the decision letter of an approved
// recommendation, in the application's language, and keeps it with the
// application, in the decision's transaction: the citizen reads the letter
// the decision made, never one made again later from other data.
func (s *Service) writeDecisionLetter(ctx context.Context, tx storage.Tx, f *forms.Form, a record.Application, rec RecommendationRecord,
	decider accounts.User, now time.Time) error {
	lang := forms.ParseLang(a.Lang)
	var doc map[string]any
	if err := json.Unmarshal([]byte(a.Data), &doc); err != nil {
		return err
	}
	var reasons []string
	for _, code := range rec.ReasonCodes() {
		reasons = append(reasons, f.Text(lang, "decision.reason."+code))
	}
	recommender, err := s.userName(ctx, tx, rec.Author)
	if err != nil {
		return err
	}
	reference := a.ID
	if a.Reference != nil {
		reference = *a.Reference
	}
	d := letters.Decision{Sender: s.sender(a.Kommune), Lang: lang, Reference: reference, Title: f.Text(lang, "letter.title"),
		To: f.Applicants(doc), At: now, Granted: rec.Outcome == OutcomeGrant, RatePercent: rec.Rate, Reasons: reasons, Grounds: rec.Body,
		LegalBasis: f.Text(lang, "letter.legalBasis"), DecidedBy: decider.Name, RecommendedBy: recommender}
	if rec.Amount != nil && rec.TermYears != nil {
		d.Amount, d.TermYears = *rec.Amount, *rec.TermYears
	}
	pdf, err := letters.DecisionLetter(d)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(pdf)
	_, err = tx.Exec(ctx, `INSERT INTO letters (id, application_id, kind, recommendation_id, lang, name, sha256, content, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, secret.ID(), a.ID, record.LetterDecision, rec.ID, string(lang),
		letterNames[lang]+"-"+reference+".pdf", hex.EncodeToString(sum[:]), pdf, now)
	return err
}

// sender is the letterhead of a kommune: the installation's, or the
// register's name.
func (s *Service) sender(kommune string) letters.Sender {
	if s.senders != nil {
		if h := s.senders(kommune); h.Name != "" {
			return h
		}
	}
	return letters.Sender{Name: "Kommune " + kommune}
}

// userName is the name of the caseworker an actor ("caseworker:<id>") is.
func (s *Service) userName(ctx context.Context, tx storage.Tx, actor string) (string, error) {
	var names []string
	if err := tx.Select(ctx, &names, `SELECT name FROM users WHERE id = ?`, strings.TrimPrefix(actor, "caseworker:")); err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", nil
	}
	return names[0], nil
}

// Letters are the letters sent on an application a caseworker sees,
// oldest first; part of the case she opened (OpenCase audits the view).
func (s *Service) Letters(ctx context.Context, u accounts.User, id string) ([]Letter, error) {
	if _, err := s.FormOf(ctx, u, id); err != nil {
		return nil, err
	}
	return record.LettersOf(ctx, s.db.Read(), id)
}

// CaseLetter reads one letter of an application for a caseworker, audited
// as a file download is.
func (s *Service) CaseLetter(ctx context.Context, u accounts.User, appID, letterID string) (Letter, []byte, error) {
	var (
		l       Letter
		content []byte
	)
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		a, err := s.caseTx(ctx, tx, u, appID)
		if err != nil {
			return err
		}
		if l, content, err = record.LetterContent(ctx, tx, appID, letterID); err != nil {
			return err
		}
		return record.Audit(ctx, tx, s.clock.Now(), record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: u.Actor(),
			Action: ActionViewFile, Detail: "letter:" + l.Name})
	})
	if err != nil {
		return Letter{}, nil, fmt.Errorf("letter %s of %s: %w", letterID, appID, err)
	}
	return l, content, nil
}
