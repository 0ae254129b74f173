package engine

import (
	"context"
	"fmt"
	"regexp"

	"github.com/skjema/skjema/engine/secret"
)

// Audit actions for an agency's reads of personal data (DESIGN.md §5: every
// read is audited, the agency's as much as a caseworker's).
const (
	ActionAgencyView     = "agency-view"      // a batch holding the application was fetched
	ActionAgencyViewFile = "agency-view-file" // one of its files was fetched
)

// AgencyActor names an agency in the audit log.
func AgencyActor(agency string) string { return "agency:" + agency }

// FetchBatch is an agency fetching one of its sealed batches: it is recorded
// as delivered, and the read is audited for each application in it, in one
// transaction. Another agency's batch, or one not sealed yet, is
// ErrNotFound.
func (s *Store) FetchBatch(ctx context.Context, agency, id string) (Batch, error) {
	b, err := s.Batch(ctx, id)
	if err != nil {
		return Batch{}, err
	}
	if b.Agency == agency && b.Status == BatchDelivered && b.Body == "" {
		return Batch{}, fmt.Errorf("%w: batch %s was delivered and its content purged after the retention time; its applications are each kept", ErrGone, id)
	}
	if b.Agency != agency || b.Body == "" {
		return Batch{}, fmt.Errorf("batch %s: %w", id, ErrNotFound)
	}
	actor := AgencyActor(agency)
	err = s.write(ctx, func(tx Tx) error {
		if err := s.markDelivered(ctx, tx, id, actor); err != nil {
			return err
		}
		var apps []struct {
			ID     string `db:"id"`
			Status Status `db:"status"`
		}
		if err := tx.Select(ctx, &apps, `SELECT id, status FROM applications WHERE batch_id = ? ORDER BY id`, id); err != nil {
			return err
		}
		now := s.now()
		for _, a := range apps {
			if err := s.audit(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: actor,
				Action: ActionAgencyView, Detail: "batch " + id}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Batch{}, fmt.Errorf("fetch batch %s: %w", id, err)
	}
	return b, nil
}

var agencyName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// CreateAgencyKey makes a new API key for an agency, replacing any old one,
// and answers it: it is shown once and stored only as a hash.
func (s *Store) CreateAgencyKey(ctx context.Context, agency string) (string, error) {
	if !agencyName.MatchString(agency) {
		return "", fmt.Errorf("%w: an agency name is 2 to 40 lowercase letters, digits and dashes", ErrInvalid)
	}
	key := "skj_" + agency + "_" + secret.Token() + secret.Token()
	err := s.write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM agency_keys WHERE agency = ?`, agency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO agency_keys (agency, api_key_hash, created_at) VALUES (?, ?, ?)`, agency, secret.Hash(key), s.now())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create key for %s: %w", agency, err)
	}
	return key, nil
}

// AgencyByKey answers the agency an API key belongs to, or ErrNotFound.
func (s *Store) AgencyByKey(ctx context.Context, key string) (string, error) {
	if key == "" {
		return "", ErrNotFound
	}
	var agency string
	if err := s.read().Get(ctx, &agency, `SELECT agency FROM agency_keys WHERE api_key_hash = ?`, secret.Hash(key)); err != nil {
		return "", err
	}
	return agency, nil
}
