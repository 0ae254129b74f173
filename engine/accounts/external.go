package accounts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms/nid"
)

// A kommune's own login (OpenID Connect: Entra ID, ADFS) vouches for a
// caseworker at each sign-in: who she is (the issuer and her sub), her name
// and e-mail address, and the values of a group or role claim. What those
// values grant here is the kommune's GroupMap, and the grant is set on her
// account at every sign-in (just-in-time provisioning): the kommune's
// directory, not Skjema, is the truth of who works where. Local accounts
// with passwords live on beside these, for small kommuner.

// GroupMap says what the values of one claim of a kommune's identity
// provider grant: an Entra ID group's object id (the groups claim) or an
// app role's name (roles), an ADFS group or role, each to kommuner and
// perhaps the admin role or the decision role.
type GroupMap struct {
	// Claim is the id_token's claim that holds the values: "groups",
	// "roles", …
	Claim string `json:"claim"`
	// Map is what each value grants.
	Map map[string]Grant `json:"map"`
}

// Grant is what a user is given: the kommuner whose applications she works
// on, the units of them she belongs to (written "0301/gamle-oslo"; none in
// a kommune: all of it), whether she is their admin, and those of them
// where she has the decision role (fullmaktshaver).
type Grant struct {
	Kommuner []string    `json:"kommuner"`
	Units    []units.Ref `json:"units,omitempty"`
	Admin    bool        `json:"admin,omitempty"`
	Decides  []string    `json:"decides,omitempty"`
}

// ParseGroupMap reads a GroupMap from JSON, strictly: an unknown member, a
// value that grants no kommune, a kommunenummer that is not four digits
// or not in the kommune register (in force on the day; reg may hold none),
// a unit of a kommune the value does not grant or that the units file
// (un, which may be nil) does not have, and the decision role in a kommune
// the value does not grant are each refused, saying which.
func ParseGroupMap(raw []byte, reg *nid.Registers, un *units.Units, on time.Time) (GroupMap, error) {
	var gm GroupMap
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&gm); err != nil {
		return GroupMap{}, fmt.Errorf(`not a group map ({"claim": "groups", "map": {"<value>": {"kommuner": ["0301"], "units": ["0301/gamle-oslo"], "admin": false, "decides": ["0301"]}}}): %w`, err)
	}
	if dec.More() {
		return GroupMap{}, errors.New("not a group map: more after the object")
	}
	if strings.TrimSpace(gm.Claim) == "" {
		return GroupMap{}, errors.New(`"claim" names no claim (e.g. "groups" or "roles")`)
	}
	if len(gm.Map) == 0 {
		return GroupMap{}, errors.New(`"map" grants nothing: no one could sign in`)
	}
	for value, g := range gm.Map {
		if len(g.Kommuner) == 0 {
			return GroupMap{}, fmt.Errorf("%q grants no kommune: a caseworker belongs to at least one", value)
		}
		if err := checkKommuner(reg, on, g.Kommuner); err != nil {
			return GroupMap{}, fmt.Errorf("%q: %w", value, err)
		}
		if err := (&Service{units: un}).checkUnits(g.Kommuner, g.Units); err != nil {
			return GroupMap{}, fmt.Errorf("%q: %w", value, err)
		}
		if err := checkDecides(g.Kommuner, g.Decides); err != nil {
			return GroupMap{}, fmt.Errorf("%q: %w", value, err)
		}
	}
	return gm, nil
}

// Grant is what a user with these values of the claim is given: every
// kommune any of them grants, and the admin role only if each of those
// kommuner comes with it from some value (the admin role is an account's,
// over all her kommuner, so a group that makes her admin of one kommune
// does not make her admin of another). Her units are those any value
// grants, except in a kommune some value grants without units: a group of
// the whole kommune is not narrowed by a group of one of its units. The
// decision role is a kommune's, not the account's: she has it in every
// kommune some value gives it in.
func (gm GroupMap) Grant(values []string) Grant {
	var g Grant
	var adminOf, whole []string
	for _, v := range values {
		m, ok := gm.Map[v]
		if !ok {
			continue
		}
		g.Kommuner = append(g.Kommuner, m.Kommuner...)
		if m.Admin {
			adminOf = append(adminOf, m.Kommuner...)
		}
		for _, k := range m.Kommuner {
			if !slices.ContainsFunc(m.Units, func(r units.Ref) bool { return r.Kommune == k }) {
				whole = append(whole, k)
			}
		}
		g.Units = append(g.Units, m.Units...)
		g.Decides = append(g.Decides, m.Decides...)
	}
	g.Kommuner = slices.Compact(slices.Sorted(slices.Values(g.Kommuner)))
	g.Decides = slices.Compact(slices.Sorted(slices.Values(g.Decides)))
	g.Units = units.Sorted(slices.DeleteFunc(g.Units, func(r units.Ref) bool { return slices.Contains(whole, r.Kommune) }))
	g.Admin = len(g.Kommuner) > 0
	for _, k := range g.Kommuner {
		g.Admin = g.Admin && slices.Contains(adminOf, k)
	}
	return g
}

// String says a grant as the account log keeps it: "admin of 0301, 4601",
// "caseworker of 0301, with the decision role in 0301".
func (g Grant) String() string {
	role := "caseworker"
	if g.Admin {
		role = "admin"
	}
	if len(g.Kommuner) == 0 {
		return "no kommune"
	}
	out := role + " of " + strings.Join(g.Kommuner, ", ")
	if len(g.Units) > 0 {
		refs := make([]string, len(g.Units))
		for i, r := range g.Units {
			refs[i] = r.String()
		}
		out += " (units " + strings.Join(refs, ", ") + ")"
	}
	if len(g.Decides) > 0 {
		out += ", with the decision role in " + strings.Join(g.Decides, ", ")
	}
	return out
}

// External is a user as a kommune's identity provider vouches for her at a
// sign-in.
type External struct {
	// Provider is the identity provider's issuer URL, Subject her sub: the
	// identity the account is found by, never the e-mail address.
	Provider, Subject string
	Email, Name       string
	Grant             Grant
}

// Refusals of SignInExternal, for the UI to explain.
var (
	// ErrNoKommune: her claims grant no kommune here.
	ErrNoKommune = fmt.Errorf("%w: the identity provider's claims grant no kommune here", fault.ErrForbidden)
	// ErrDisabled: an admin has disabled her account.
	ErrDisabled = fmt.Errorf("%w: the account is disabled", fault.ErrForbidden)
	// ErrEmailTaken: another account, a local one, has her e-mail address.
	// It is not taken over: an address is not an identity.
	ErrEmailTaken = fmt.Errorf("%w: another account has the e-mail address", fault.ErrConflict)
)

// ProviderActor is the actor of an account change made by an identity
// provider's claims at a sign-in.
func ProviderActor(provider string) string { return "provider:" + provider }

// SignInExternal finds or makes the account of an identity provider's
// subject, and sets its name, e-mail address, kommuner, units, admin role
// and decision role to what the provider says now: a new account and every
// change of its grant are account events, by ProviderActor. The claims
// are the only source of the decision role too: a role given by hand
// before the group map could give it is taken away at her next sign-in
// unless a value gives it (SetDecides refuses such accounts). A grant of
// no kommune is refused with ErrNoKommune, and an account that had
// kommuner loses them and its sessions end (her group was taken from her
// at the kommune). A disabled account stays disabled (ErrDisabled): an
// admin's word stands over the claims. An e-mail address of another
// account is ErrEmailTaken.
func (s *Service) SignInExternal(ctx context.Context, e External) (User, error) {
	if e.Provider == "" || e.Provider == ProviderLocal || e.Subject == "" {
		return User{}, fmt.Errorf("%w: an external sign-in needs its provider and subject", fault.ErrInvalid)
	}
	addr, err := mail.ParseAddress(e.Email)
	if err != nil || addr.Address != strings.TrimSpace(e.Email) {
		return User{}, fmt.Errorf("%w: the identity provider gave no e-mail address", fault.ErrInvalid)
	}
	email, name := strings.ToLower(addr.Address), strings.TrimSpace(e.Name)
	if name == "" {
		name = email
	}
	g := e.Grant
	g.Kommuner = slices.Compact(slices.Sorted(slices.Values(g.Kommuner)))
	g.Units = units.Sorted(slices.Clone(g.Units))
	g.Decides = slices.Compact(slices.Sorted(slices.Values(g.Decides)))
	if err := s.checkKommuner(g.Kommuner); err != nil {
		return User{}, err
	}
	if err := s.checkUnits(g.Kommuner, g.Units); err != nil {
		return User{}, err
	}
	if err := checkDecides(g.Kommuner, g.Decides); err != nil {
		return User{}, err
	}
	if len(g.Kommuner) == 0 {
		g.Admin, g.Units = false, nil
	}
	actor := ProviderActor(e.Provider)
	var id string
	var refused error
	write := func(tx storage.Tx) error {
		refused = nil
		var row struct {
			ID       string `db:"id"`
			Email    string `db:"email"`
			Name     string `db:"name"`
			Admin    bool   `db:"admin"`
			Disabled bool   `db:"disabled"`
		}
		err := tx.Get(ctx, &row, `SELECT u.id, u.email, u.name, u.admin, u.disabled FROM identities i JOIN users u ON u.id = i.user_id
			WHERE i.provider = ? AND i.subject = ?`, e.Provider, e.Subject)
		if errors.Is(err, fault.ErrNotFound) {
			if len(g.Kommuner) == 0 {
				refused = ErrNoKommune
				return nil
			}
			id = secret.ID()
			return s.provision(ctx, tx, actor, e, User{ID: id, Email: email, Name: name, Admin: g.Admin, Kommuner: g.Kommuner, Units: g.Units, Decides: g.Decides})
		}
		if err != nil {
			return err
		}
		id = row.ID
		if row.Disabled {
			refused = ErrDisabled
			return nil
		}
		var had []struct {
			Kommune string `db:"kommune"`
			Decides bool   `db:"decides"`
		}
		if err := tx.Select(ctx, &had, `SELECT kommune, decides FROM user_kommuner WHERE user_id = ? ORDER BY kommune`, id); err != nil {
			return err
		}
		if row.Email != email || row.Name != name {
			if _, err := tx.Exec(ctx, `UPDATE users SET email = ?, name = ? WHERE id = ?`, email, name, id); err != nil {
				return err
			}
		}
		var hadUnits []struct {
			Kommune string `db:"kommune"`
			Unit    string `db:"unit"`
		}
		if err := tx.Select(ctx, &hadUnits, `SELECT kommune, unit FROM user_units WHERE user_id = ? ORDER BY kommune, unit`, id); err != nil {
			return err
		}
		was := Grant{Admin: row.Admin && len(had) > 0}
		for _, k := range had {
			was.Kommuner = append(was.Kommuner, k.Kommune)
			if k.Decides {
				was.Decides = append(was.Decides, k.Kommune)
			}
		}
		for _, r := range hadUnits {
			was.Units = append(was.Units, units.Ref{Kommune: r.Kommune, Unit: r.Unit})
		}
		if slices.Equal(was.Kommuner, g.Kommuner) && slices.Equal(units.Sorted(was.Units), g.Units) && was.Admin == g.Admin && slices.Equal(was.Decides, g.Decides) {
			return nil
		}
		if len(g.Kommuner) == 0 {
			refused = ErrNoKommune
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if err := s.setGrant(ctx, tx, id, g); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "grant", id, g.String()+" (was "+was.String()+")")
	}
	err = s.db.Write(ctx, write)
	if errors.Is(err, storage.ErrUnique) {
		// Two first sign-ins of one person at once (a double click) both
		// make her account; the one that lost finds it when it tries again.
		err = s.db.Write(ctx, write)
	}
	if errors.Is(err, storage.ErrUnique) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("external sign-in at %s: %w", e.Provider, err)
	}
	if refused != nil {
		return User{}, refused
	}
	return s.User(ctx, id)
}

// provision makes the account of a new external identity.
func (s *Service) provision(ctx context.Context, tx storage.Tx, actor string, e External, u User) error {
	if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, admin, created_at) VALUES (?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, u.Admin, s.now()); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO identities (provider, subject, user_id) VALUES (?, ?, ?)`, e.Provider, e.Subject, u.ID); err != nil {
		return err
	}
	g := Grant{Kommuner: u.Kommuner, Units: u.Units, Admin: u.Admin, Decides: u.Decides}
	if err := s.setGrant(ctx, tx, u.ID, g); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "create", u.ID, g.String())
}

// setGrant replaces an account's kommuner, units, admin role and decision
// role.
func (s *Service) setGrant(ctx context.Context, tx storage.Tx, id string, g Grant) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET admin = ? WHERE id = ?`, g.Admin, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM user_kommuner WHERE user_id = ?`, id); err != nil {
		return err
	}
	for _, k := range g.Kommuner {
		if _, err := tx.Exec(ctx, `INSERT INTO user_kommuner (user_id, kommune, decides) VALUES (?, ?, ?)`, id, k, slices.Contains(g.Decides, k)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM user_units WHERE user_id = ?`, id); err != nil {
		return err
	}
	for _, r := range g.Units {
		if _, err := tx.Exec(ctx, `INSERT INTO user_units (user_id, kommune, unit) VALUES (?, ?, ?)`, id, r.Kommune, r.Unit); err != nil {
			return err
		}
	}
	return nil
}
