package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/web/caseworker"
)

// kommuneLogin connects to the kommune's own OpenID provider for
// caseworkers, if one is configured, with its group map read strictly
// (kommuner checked against the kommune register loaded, units against the
// units file, a decision role only in the group's own kommuner).
func (m *Main) kommuneLogin(ctx context.Context, public string) (*caseworker.KommuneLogin, error) {
	if m.CaseworkerOIDCIssuer == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(m.CaseworkerOIDCGroups)
	if err != nil {
		return nil, fmt.Errorf("-caseworker-oidc-groups: %w", err)
	}
	groups, err := accounts.ParseGroupMap(raw, m.registers, m.units, time.Now())
	if err != nil {
		return nil, fmt.Errorf("-caseworker-oidc-groups %s: %w", m.CaseworkerOIDCGroups, err)
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	client, err := identity.NewStaffLogin(dctx, identity.StaffConfig{Issuer: m.CaseworkerOIDCIssuer, ClientID: m.CaseworkerOIDCClient,
		ClientSecret: m.CaseworkerOIDCSecret, RedirectURL: strings.TrimSuffix(public, "/") + caseworker.CallbackPath, Claim: groups.Claim})
	if err != nil {
		return nil, err
	}
	return &caseworker.KommuneLogin{Client: client, Groups: groups, Name: m.CaseworkerOIDCName, Only: m.CaseworkerOIDCOnly}, nil
}
