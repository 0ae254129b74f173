// Package accounts keeps the caseworkers' accounts: users and their
// kommuner, local passwords (bcrypt) and other identity providers'
// subjects, sessions, and what an admin may do to whom (only accounts of
// her own kommuner). Every exported method that changes anything is one
// transaction. It knows nothing of applications; the engine's casework
// takes its User.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms/nid"
)

// ProviderLocal is the identity provider of passwords kept by Skjema itself.
// An OpenID Connect provider is added beside it as another provider (its
// issuer URL), mapping its subjects to the same users.
const ProviderLocal = "local"

// MinPasswordLength is the shortest password a local account may have.
const MinPasswordLength = 12

// Config makes a Service.
type Config struct {
	// Clock stamps what is written. Defaults to time.Now.
	Clock func() time.Time
	// PasswordCost is bcrypt's work factor for the passwords the service
	// sets. Defaults to 12: about 0.2 s a check on a small server, slow to
	// guess offline and still quick to sign in. Tests set bcrypt.MinCost
	// (4); a hash keeps the cost it was made with, so lowering it later
	// only affects new passwords.
	PasswordCost int
	// Registers hold the kommune register an account's kommunenumre are
	// checked against: a number must be in force on the day it is given.
	// Defaults to none, and then only a number's form (four digits) is
	// checked.
	Registers *nid.Registers
	// Units are the units file an account's units are checked against: a
	// unit of a kommune the file divides must be one of its units.
	// Defaults to none, and then only a unit's form is checked.
	Units *units.Units
}

// Service keeps the accounts in the engine's database.
type Service struct {
	db           *storage.DB
	clock        func() time.Time
	passwordCost int
	registers    *nid.Registers
	units        *units.Units
	// dummyHash is compared against when there is no such user, so that a
	// wrong e-mail address takes as long as a wrong password. Made at
	// passwordCost on the first sign-in.
	dummyHash     []byte
	dummyHashOnce sync.Once
}

// New is the accounts service over db.
func New(db *storage.DB, cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = 12
	}
	if cfg.PasswordCost < bcrypt.MinCost || cfg.PasswordCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("accounts: PasswordCost %d is not between %d and %d", cfg.PasswordCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	return &Service{db: db, clock: cfg.Clock, passwordCost: cfg.PasswordCost, registers: cfg.Registers, units: cfg.Units}, nil
}

// now is the clock in UTC with microseconds (what both databases keep).
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// PurgeSessions deletes the sessions past their expiry and answers how
// many.
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, s.now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return int(n), nil
}

// User is a caseworker or an admin.
type User struct {
	ID       string   `json:"id"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Admin    bool     `json:"admin"`
	Kommuner []string `json:"kommuner"`
	// Units are the units she belongs to (package engine/units), each in a
	// kommune of hers. In a kommune where she has any she sees only their
	// applications; in one where she has none, all of it.
	Units []units.Ref `json:"units,omitempty"`
	// MustChangePassword: she signs in with a start password an admin
	// handed out, and must replace it before anything else.
	MustChangePassword bool `json:"mustChangePassword"`
	// HasPassword: she has a local password (and may change it); a user
	// of the kommune's own login alone has none.
	HasPassword bool `json:"hasPassword"`
	// Lang is the language she chose for the UI (nb or nn), or empty.
	Lang string `json:"lang,omitempty"`
	// Decides are the kommuner where she has the decision role
	// (fullmaktshaver): she approves another's recommendation on an
	// application the kommune decides.
	Decides []string `json:"decides,omitempty"`
}

// DecidesIn says whether she has the decision role in a kommune.
func (u User) DecidesIn(kommune string) bool { return slices.Contains(u.Decides, kommune) }

// Actor is how a user appears in the audit log.
func (u User) Actor() string { return "caseworker:" + u.ID }

// Sees says whether the user works on applications of a kommune (all of
// them, or those of her units there: SeesCase).
func (u User) Sees(kommune string) bool { return slices.Contains(u.Kommuner, kommune) }

// UnitsIn are the ids of her units in a kommune; none means she works on
// all of it.
func (u User) UnitsIn(kommune string) []string {
	var out []string
	for _, r := range u.Units {
		if r.Kommune == kommune {
			out = append(out, r.Unit)
		}
	}
	return out
}

// SeesCase says whether the user may see an application of a kommune that
// a unit handles ("" for none): one of her kommuner, and where she belongs
// to units of it, one of them. An application of no unit is for the
// kommune's caseworkers of no unit.
func (u User) SeesCase(kommune, unit string) bool {
	if !u.Sees(kommune) {
		return false
	}
	in := u.UnitsIn(kommune)
	return len(in) == 0 || slices.Contains(in, unit)
}

// NewUser is an account to create. Password may be empty for a user who
// will sign in only through an identity provider.
type NewUser struct {
	Email    string
	Name     string
	Admin    bool
	Kommuner []string
	// Units are units of those kommuner she belongs to (none: all of
	// them).
	Units    []units.Ref
	Password string
	// Decides gives her the decision role (fullmaktshaver) in all her
	// kommuner.
	Decides bool
	// StartPassword: Password is handed to the user by someone else, and
	// she must change it at her first sign-in. CreateAccount always sets
	// it; the command line sets it for a password it made up.
	StartPassword bool
}

// CreateUser adds an account with a local password, for any kommune: the
// operator's, from the command line. An admin's UI uses CreateAccount.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	return s.createUser(ctx, Operator, nu)
}

// Operator is the actor of what is done from the command line.
const Operator = "operator"

func (s *Service) createUser(ctx context.Context, actor string, nu NewUser) (User, error) {
	addr, err := mail.ParseAddress(nu.Email)
	if err != nil || addr.Address != strings.TrimSpace(nu.Email) {
		return User{}, fmt.Errorf("%w: %q is not an e-mail address", fault.ErrInvalid, nu.Email)
	}
	if strings.TrimSpace(nu.Name) == "" {
		return User{}, fmt.Errorf("%w: a user needs a name", fault.ErrInvalid)
	}
	if err := s.checkKommuner(nu.Kommuner); err != nil {
		return User{}, err
	}
	if len(nu.Kommuner) == 0 && !nu.Admin {
		return User{}, fmt.Errorf("%w: a caseworker belongs to at least one kommune", fault.ErrInvalid)
	}
	if err := s.checkUnits(nu.Kommuner, nu.Units); err != nil {
		return User{}, err
	}
	var hash []byte
	if nu.Password != "" {
		if hash, err = s.hashPassword(nu.Password); err != nil {
			return User{}, err
		}
	}
	u := User{ID: secret.ID(), Email: strings.ToLower(addr.Address), Name: strings.TrimSpace(nu.Name), Admin: nu.Admin, Kommuner: slices.Compact(slices.Sorted(slices.Values(nu.Kommuner))),
		Units: units.Sorted(slices.Clone(nu.Units)), MustChangePassword: hash != nil && nu.StartPassword}
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, admin, created_at) VALUES (?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, u.Admin, s.now()); err != nil {
			return err
		}
		if err := s.setGrant(ctx, tx, u.ID, Grant{Kommuner: u.Kommuner, Units: u.Units, Admin: u.Admin}); err != nil {
			return err
		}
		if nu.Decides {
			if _, err := tx.Exec(ctx, `UPDATE user_kommuner SET decides = TRUE WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "decides", u.ID, strings.Join(u.Kommuner, ",")); err != nil {
				return err
			}
			u.Decides = u.Kommuner
		}
		if err := s.audit(ctx, tx, actor, "create", u.ID, Grant{Kommuner: u.Kommuner, Units: u.Units, Admin: u.Admin}.String()); err != nil {
			return err
		}
		if hash == nil {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO identities (provider, subject, user_id, secret_hash, must_change) VALUES (?, ?, ?, ?, ?)`, ProviderLocal, u.Email, u.ID, string(hash), u.MustChangePassword)
		return err
	})
	if errors.Is(err, storage.ErrUnique) {
		return User{}, fmt.Errorf("%w: there is already a user %s", fault.ErrConflict, u.Email)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// hashPassword checks a new local password's length and hashes it.
func (s *Service) hashPassword(password string) ([]byte, error) {
	if len([]rune(password)) < MinPasswordLength {
		return nil, fmt.Errorf("%w: a password has at least %d characters", fault.ErrInvalid, MinPasswordLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.passwordCost)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", fault.ErrInvalid, err) // longer than bcrypt's 72 bytes
	}
	return hash, nil
}

// noSuchUser compares a password against a hash of the service's cost, so
// that a wrong e-mail address takes as long as a wrong password.
func (s *Service) noSuchUser(password string) {
	s.dummyHashOnce.Do(func() {
		s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user, no such password"), s.passwordCost)
	})
	bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
}

// Authenticate checks a local password. Any failure is fault.ErrUnauthorized,
// the same for an unknown address, a wrong password and a disabled user.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	var row struct {
		UserID string `db:"user_id"`
		Hash   string `db:"secret_hash"`
	}
	err := s.db.Read().Get(ctx, &row, `SELECT i.user_id, i.secret_hash FROM identities i JOIN users u ON u.id = i.user_id
		WHERE i.provider = ? AND i.subject = ? AND NOT u.disabled AND i.secret_hash IS NOT NULL`, ProviderLocal, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, fault.ErrNotFound) {
		s.noSuchUser(password)
		return User{}, fault.ErrUnauthorized
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(row.Hash), []byte(password)) != nil {
		return User{}, fault.ErrUnauthorized
	}
	return s.User(ctx, row.UserID)
}

// UserByIdentity finds the user an identity provider's subject belongs to:
// the hook for OpenID Connect.
func (s *Service) UserByIdentity(ctx context.Context, provider, subject string) (User, error) {
	var id string
	if err := s.db.Read().Get(ctx, &id, `SELECT i.user_id FROM identities i JOIN users u ON u.id = i.user_id
		WHERE i.provider = ? AND i.subject = ? AND NOT u.disabled`, provider, subject); err != nil {
		return User{}, err
	}
	return s.User(ctx, id)
}

// User reads one user with her kommuner.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	var row struct {
		ID          string `db:"id"`
		Email       string `db:"email"`
		Name        string `db:"name"`
		Admin       bool   `db:"admin"`
		MustChange  bool   `db:"must_change"`
		HasPassword bool   `db:"has_password"`
		Lang        string `db:"lang"`
	}
	if err := s.db.Read().Get(ctx, &row, `SELECT id, email, name, admin, lang,
		EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider = ? AND i.must_change) AS must_change,
		EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider = ? AND i.secret_hash IS NOT NULL) AS has_password
		FROM users WHERE id = ? AND NOT disabled`, ProviderLocal, ProviderLocal, id); err != nil {
		return User{}, fmt.Errorf("user %s: %w", id, err)
	}
	u := User{ID: row.ID, Email: row.Email, Name: row.Name, Admin: row.Admin, Kommuner: []string{}, MustChangePassword: row.MustChange,
		HasPassword: row.HasPassword, Lang: row.Lang}
	if err := s.db.Read().Select(ctx, &u.Kommuner, `SELECT kommune FROM user_kommuner WHERE user_id = ? ORDER BY kommune`, id); err != nil {
		return User{}, fmt.Errorf("kommuner of %s: %w", id, err)
	}
	if err := s.db.Read().Select(ctx, &u.Decides, `SELECT kommune FROM user_kommuner WHERE user_id = ? AND decides ORDER BY kommune`, id); err != nil {
		return User{}, fmt.Errorf("decision role of %s: %w", id, err)
	}
	var refs []struct {
		Kommune string `db:"kommune"`
		Unit    string `db:"unit"`
	}
	if err := s.db.Read().Select(ctx, &refs, `SELECT kommune, unit FROM user_units WHERE user_id = ? ORDER BY kommune, unit`, id); err != nil {
		return User{}, fmt.Errorf("units of %s: %w", id, err)
	}
	for _, r := range refs {
		u.Units = append(u.Units, units.Ref{Kommune: r.Kommune, Unit: r.Unit})
	}
	return u, nil
}

// Session is a signed-in user's session: the cookie's token (shown once,
// stored hashed) and the CSRF token every form post must carry.
type Session struct {
	Token     string
	CSRF      string
	ExpiresAt time.Time
}

// CreateSession signs a user in for ttl.
func (s *Service) CreateSession(ctx context.Context, userID string, ttl time.Duration) (Session, error) {
	now := s.now()
	sess := Session{Token: secret.Token() + secret.Token(), CSRF: secret.Token(), ExpiresAt: now.Add(ttl)}
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			secret.Hash(sess.Token), userID, sess.CSRF, now, sess.ExpiresAt)
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	return sess, nil
}

// SessionUser answers the user of a live session and its CSRF token; an
// unknown or expired session is fault.ErrNotFound.
func (s *Service) SessionUser(ctx context.Context, token string) (User, string, error) {
	if token == "" {
		return User{}, "", fault.ErrNotFound
	}
	var row struct {
		UserID string `db:"user_id"`
		CSRF   string `db:"csrf_token"`
	}
	if err := s.db.Read().Get(ctx, &row, `SELECT user_id, csrf_token FROM sessions WHERE token_hash = ? AND expires_at > ?`, secret.Hash(token), s.now()); err != nil {
		return User{}, "", err
	}
	u, err := s.User(ctx, row.UserID)
	return u, row.CSRF, err
}

// EndSession signs out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.db.Write(ctx, func(tx storage.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, secret.Hash(token))
		return err
	})
}

// Account management is scoped like casework. An account is an admin's to
// list, disable and enable when it belongs to at least one kommune and every
// one of its kommuner is hers; any other account is fault.ErrNotFound to her, as
// one that does not exist. She makes accounts, admins included, only for
// kommuner of her own. An admin of no kommune manages no one: she is not an
// operator of the installation. The operator makes the first account of a
// kommune with `skjema users add`, through CreateUser.

// manages says whether u, as an admin, may manage an account of these
// kommuner: all of them hers, and at least one.
func (u User) manages(kommuner []string) bool {
	if !u.Admin || len(kommuner) == 0 {
		return false
	}
	for _, k := range kommuner {
		if !u.Sees(k) {
			return false
		}
	}
	return true
}

// CreateAccount is an admin making an account: CreateUser, refused with
// fault.ErrForbidden unless every kommune of the new account is hers. Its
// password is a start password.
func (s *Service) CreateAccount(ctx context.Context, admin User, nu NewUser) (User, error) {
	// A number that is no kommune is said to be so, before it is said not
	// to be hers.
	if err := s.checkKommuner(nu.Kommuner); err != nil {
		return User{}, err
	}
	if !admin.manages(nu.Kommuner) {
		return User{}, fmt.Errorf("create account by %s: %w: an admin makes accounts only for her own kommuner", admin.ID, fault.ErrForbidden)
	}
	nu.StartPassword = true
	return s.createUser(ctx, admin.Actor(), nu)
}

// Account is a user as an admin or the operator lists her: with whether
// she is disabled and how she signs in.
type Account struct {
	User
	Disabled bool `json:"disabled"`
	// SignIn are the identity providers she signs in with: ProviderLocal
	// for a password, an issuer's URL for a kommune's own login.
	SignIn []string `json:"signIn"`
}

// Provisioned says whether she signs in with a kommune's login, whose
// groups set her kommuner, units and roles at every sign-in
// (SignInExternal), a local password beside it or not.
func (a Account) Provisioned() bool {
	return slices.ContainsFunc(a.SignIn, func(p string) bool { return p != ProviderLocal })
}

// Accounts lists the accounts an admin manages, by e-mail address. Anyone
// but an admin gets fault.ErrNotFound.
func (s *Service) Accounts(ctx context.Context, admin User) ([]Account, error) {
	if !admin.Admin {
		return nil, fmt.Errorf("accounts for %s: %w", admin.ID, fault.ErrNotFound)
	}
	all, err := s.allAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts for %s: %w", admin.ID, err)
	}
	out := []Account{}
	for _, a := range all {
		if admin.manages(a.Kommuner) {
			out = append(out, a)
		}
	}
	return out, nil
}

// AllAccounts lists every account of the installation, by e-mail address:
// the operator's view, from the command line. No UI calls it.
func (s *Service) AllAccounts(ctx context.Context) ([]Account, error) {
	all, err := s.allAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("all accounts: %w", err)
	}
	return all, nil
}

func (s *Service) allAccounts(ctx context.Context) ([]Account, error) {
	var rows []struct {
		ID          string `db:"id"`
		Email       string `db:"email"`
		Name        string `db:"name"`
		Admin       bool   `db:"admin"`
		Disabled    bool   `db:"disabled"`
		MustChange  bool   `db:"must_change"`
		HasPassword bool   `db:"has_password"`
	}
	if err := s.db.Read().Select(ctx, &rows, `SELECT id, email, name, admin, disabled,
		EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider = ? AND i.must_change) AS must_change,
		EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider = ? AND i.secret_hash IS NOT NULL) AS has_password
		FROM users ORDER BY email`, ProviderLocal, ProviderLocal); err != nil {
		return nil, err
	}
	var links []struct {
		UserID string `db:"user_id"`
		Value  string `db:"value"`
	}
	if err := s.db.Read().Select(ctx, &links, `SELECT user_id, kommune AS value FROM user_kommuner ORDER BY kommune`); err != nil {
		return nil, err
	}
	kommuner := map[string][]string{}
	for _, l := range links {
		kommuner[l.UserID] = append(kommuner[l.UserID], l.Value)
	}
	if err := s.db.Read().Select(ctx, &links, `SELECT user_id, kommune AS value FROM user_kommuner WHERE decides ORDER BY kommune`); err != nil {
		return nil, err
	}
	decides := map[string][]string{}
	for _, l := range links {
		decides[l.UserID] = append(decides[l.UserID], l.Value)
	}
	var unitLinks []struct {
		UserID  string `db:"user_id"`
		Kommune string `db:"kommune"`
		Unit    string `db:"unit"`
	}
	if err := s.db.Read().Select(ctx, &unitLinks, `SELECT user_id, kommune, unit FROM user_units ORDER BY kommune, unit`); err != nil {
		return nil, err
	}
	unitsOf := map[string][]units.Ref{}
	for _, l := range unitLinks {
		unitsOf[l.UserID] = append(unitsOf[l.UserID], units.Ref{Kommune: l.Kommune, Unit: l.Unit})
	}
	// A local identity without a password (its hash cleared) signs no one in.
	if err := s.db.Read().Select(ctx, &links, `SELECT user_id, provider AS value FROM identities
		WHERE provider <> ? OR secret_hash IS NOT NULL ORDER BY provider`, ProviderLocal); err != nil {
		return nil, err
	}
	signIn := map[string][]string{}
	for _, l := range links {
		signIn[l.UserID] = append(signIn[l.UserID], l.Value)
	}
	out := []Account{}
	for _, r := range rows {
		out = append(out, Account{User: User{ID: r.ID, Email: r.Email, Name: r.Name, Admin: r.Admin, Kommuner: append([]string{}, kommuner[r.ID]...),
			Units: unitsOf[r.ID], MustChangePassword: r.MustChange, HasPassword: r.HasPassword, Decides: decides[r.ID]}, Disabled: r.Disabled, SignIn: append([]string{}, signIn[r.ID]...)})
	}
	return out, nil
}

// SetDisabled turns an account the admin manages off (its sessions end at
// once) or on again. Any other account is fault.ErrNotFound.
func (s *Service) SetDisabled(ctx context.Context, admin User, id string, disabled bool) error {
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var kommuner []string
		if err := tx.Select(ctx, &kommuner, `SELECT kommune FROM user_kommuner WHERE user_id = ?`, id); err != nil {
			return err
		}
		if !admin.manages(kommuner) {
			return fault.ErrNotFound
		}
		n, err := tx.Exec(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return fault.ErrNotFound
		}
		action := "enable"
		if disabled {
			action = "disable"
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, admin.Actor(), action, id, "")
	})
	if err != nil {
		return fmt.Errorf("set disabled of %s by %s: %w", id, admin.ID, err)
	}
	return nil
}

// ChangePassword replaces a user's local password after checking the
// current one (fault.ErrUnauthorized if wrong). Her other sessions end; keep
// names the one she is using.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepSession string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := s.Authenticate(ctx, u.Email, current); err != nil {
		return err
	}
	hash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE identities SET secret_hash = ?, must_change = FALSE WHERE provider = ? AND user_id = ?`, string(hash), ProviderLocal, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, secret.Hash(keepSession)); err != nil {
			return err
		}
		return s.audit(ctx, tx, u.Actor(), "change-password", userID, "")
	})
	if err != nil {
		return fmt.Errorf("change password of %s: %w", userID, err)
	}
	return nil
}

// ResetPassword gives an account the admin manages a new start password
// (any other account is fault.ErrNotFound): her sessions end, and she must
// change it at her next sign-in. An account without a local password gets
// one.
func (s *Service) ResetPassword(ctx context.Context, admin User, id, password string) error {
	hash, err := s.hashPassword(password)
	if err != nil {
		return fmt.Errorf("reset password of %s: %w", id, err)
	}
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		var kommuner []string
		if err := tx.Select(ctx, &kommuner, `SELECT kommune FROM user_kommuner WHERE user_id = ?`, id); err != nil {
			return err
		}
		if !admin.manages(kommuner) {
			return fault.ErrNotFound
		}
		var email string
		if err := tx.Get(ctx, &email, `SELECT email FROM users WHERE id = ?`, id); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE identities SET secret_hash = ?, must_change = TRUE WHERE provider = ? AND user_id = ?`, string(hash), ProviderLocal, id)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO identities (provider, subject, user_id, secret_hash, must_change) VALUES (?, ?, ?, ?, TRUE)`, ProviderLocal, email, id, string(hash)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, admin.Actor(), "reset-password", id, "")
	})
	if err != nil {
		return fmt.Errorf("reset password of %s by %s: %w", id, admin.ID, err)
	}
	return nil
}

// Event is one change to an account, as its audit log keeps it.
type Event struct {
	ID     int64     `db:"id" json:"id"`
	UserID string    `db:"user_id" json:"userId"`
	Actor  string    `db:"actor" json:"actor"`
	Action string    `db:"action" json:"action"`
	Detail string    `db:"detail" json:"detail,omitempty"`
	At     time.Time `db:"at" json:"at"`
}

// audit writes one event of an account's log, in the change's transaction.
func (s *Service) audit(ctx context.Context, tx storage.Tx, actor, action, userID, detail string) error {
	_, err := tx.Exec(ctx, `INSERT INTO account_events (user_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)`,
		userID, actor, action, detail, s.now())
	return err
}

// AccountEvents is an account's log, oldest first.
func (s *Service) AccountEvents(ctx context.Context, userID string) ([]Event, error) {
	var out []Event
	if err := s.db.Read().Select(ctx, &out, `SELECT id, user_id, actor, action, detail, at FROM account_events WHERE user_id = ? ORDER BY id`, userID); err != nil {
		return nil, fmt.Errorf("events of account %s: %w", userID, err)
	}
	return out, nil
}
