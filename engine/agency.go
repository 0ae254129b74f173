package engine

import (
	"context"
	"fmt"
	"regexp"
)

var agencyName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// CreateAgencyKey makes a new API key for an agency, replacing any old one,
// and answers it: it is shown once and stored only as a hash.
func (s *Store) CreateAgencyKey(ctx context.Context, agency string) (string, error) {
	if !agencyName.MatchString(agency) {
		return "", fmt.Errorf("%w: an agency name is 2 to 40 lowercase letters, digits and dashes", ErrInvalid)
	}
	key := "skj_" + agency + "_" + newToken() + newToken()
	err := s.Write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM agency_keys WHERE agency = ?`, agency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO agency_keys (agency, api_key_hash, created_at) VALUES (?, ?, ?)`, agency, tokenHash(key), s.now())
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
	if err := s.read().Get(ctx, &agency, `SELECT agency FROM agency_keys WHERE api_key_hash = ?`, tokenHash(key)); err != nil {
		return "", err
	}
	return agency, nil
}
