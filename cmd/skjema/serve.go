package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/freg"
	"github.com/skjema/skjema/letters"
	"github.com/skjema/skjema/notify"
	"github.com/skjema/skjema/queue"
	"github.com/skjema/skjema/web"
	"github.com/skjema/skjema/web/caseworker"
	"github.com/skjema/skjema/web/connlimit"
)

// Main is the running program: ParseFlags, Run, Close. The end-to-end tests
// drive it with a temporary database and Addr "127.0.0.1:0".
type Main struct {
	Addr            string
	AdminAddr       string
	Database        string
	FormsDir        string
	RegistersDir    string
	AgenciesFile    string
	BatchSize       int
	BatchMaxAge     time.Duration
	SealInterval    time.Duration
	RescueAfter     time.Duration
	RatePerClient   float64
	DraftsPerHour   int
	UploadMBPerHour int
	UploadsPerAddr  int
	DraftRetention  time.Duration
	BatchRetention  time.Duration
	HSTS            bool
	Origins         string
	DeadlineDay     int
	ClosedDays      string
	Kommuner        string
	UnitsFile       string
	LetterheadsFile string
	FontDir         string
	AllowSynthetic  bool
	Anonymous       string
	PublicURL       string
	IDPortenIssuer  string
	IDPortenClient  string
	IDPortenSecret  string
	IDPortenKey     string
	IDPortenKeyID   string
	// The kommune's own login for caseworkers (OpenID Connect). Its
	// client secret comes from SKJEMA_CASEWORKER_OIDC_SECRET only, never
	// a flag.
	CaseworkerOIDCIssuer string
	CaseworkerOIDCClient string
	CaseworkerOIDCSecret string
	CaseworkerOIDCGroups string
	CaseworkerOIDCName   string
	CaseworkerOIDCOnly   bool
	SMTPAddr             string
	SMTPFrom             string
	SMTPUser             string
	SMTPPassword         string
	SMTPTLS              string
	CitizenURL           string
	FregURL              string
	MaskinIssuer         string
	MaskinClient         string
	MaskinKeyID          string
	MaskinKey            string
	NoMigrate            bool
	LogLevel             string
	LogFormat            string
	Dev                  bool
	ExampleDir           string
	// MaxInFlight and MaxConnsPerAddr shed load (package web and
	// web/connlimit); zero turns each off.
	MaxInFlight     int
	MaxConnsPerAddr int
	DrainDelay      time.Duration

	Stdout, Stderr io.Writer

	forms     *forms.Registry
	registers *nid.Registers
	units     *units.Units
	// registersLoaded describes each register loaded, for the start summary.
	registersLoaded []string
	agencies        map[string]queue.Agency
	store           *engine.Store
	queue           *queue.Queue
	web             *web.Server
	server          *http.Server
	listener        net.Listener
	admin           *http.Server
	adminListener   net.Listener
	unlock          func() // releases the SQLite file for another serve
	registry        *prometheus.Registry
	command         string // serve or migrate, for -h; serve when empty
}

// Shutdown budgets: each stage of Close has its own, so a slow stage cannot
// use up the next one's time.
const (
	httpDrainBudget = 15 * time.Second // in-flight requests finish
	jobStopBudget   = 20 * time.Second // running jobs finish
	jobCancelBudget = 5 * time.Second  // then jobs still running are cancelled
)

// splitList reads a comma-separated flag.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ParseFlags reads flags, each of which may come from its environment
// variable instead, SKJEMA_ and the flag's name (-batch-max-age:
// SKJEMA_BATCH_MAX_AGE); -registers reads SKJEMA_REGISTERS_DIR, as it always
// has. A malformed value, from either, and an unknown flag are errors; -h
// lists the flags on Stdout and answers flag.ErrHelp.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("skjema "+cmp.Or(m.command, "serve"), flag.ContinueOnError)
	fs.StringVar(&m.Addr, "addr", "127.0.0.1:8080", "listen address (SKJEMA_ADDR)")
	fs.StringVar(&m.AdminAddr, "admin-addr", "", "listen address for the operator's /metrics, /healthz and /readyz, apart from the citizens' and agencies' traffic, e.g. 127.0.0.1:9090; none when empty (SKJEMA_ADMIN_ADDR)")
	fs.StringVar(&m.Database, "db", "skjema.db", "SQLite file, or a postgres:// URL (SKJEMA_DB)")
	fs.StringVar(&m.FormsDir, "forms-dir", "", "directory of extra form definitions (SKJEMA_FORMS_DIR)")
	fs.StringVar(&m.RegistersDir, "registers", "registers", "directory of imported kommune and postnummer registers (SKJEMA_REGISTERS_DIR)")
	fs.StringVar(&m.AgenciesFile, "agencies", "", "JSON file: how each agency receives batches, {\"husbanken\": {\"transport\": \"push\", \"url\": …, \"secret\": …}}; agencies not listed pull (SKJEMA_AGENCIES)")
	fs.IntVar(&m.BatchSize, "batch-size", 500, "seal a batch at this many applications (SKJEMA_BATCH_SIZE)")
	fs.DurationVar(&m.BatchMaxAge, "batch-max-age", 15*time.Minute, "seal a batch this long after it opened (SKJEMA_BATCH_MAX_AGE)")
	fs.DurationVar(&m.SealInterval, "seal-interval", time.Minute, "how often to look for batches to seal (SKJEMA_SEAL_INTERVAL)")
	fs.DurationVar(&m.RescueAfter, "rescue-after", 2*time.Minute, "run a job again when it has been running this long (its node died); jobs time out at half of it (SKJEMA_RESCUE_AFTER)")
	fs.Float64Var(&m.RatePerClient, "rate-limit", 20, "API requests per second from one client address, with bursts of three times as many; 0 turns it off (SKJEMA_RATE_LIMIT)")
	fs.IntVar(&m.MaxInFlight, "max-inflight", 1024, "requests handled at once; one more is answered 503 with Retry-After at once; 0 turns it off (SKJEMA_MAX_INFLIGHT)")
	fs.IntVar(&m.MaxConnsPerAddr, "max-conns-per-addr", 64, "open connections from one client address; more are closed at once; 0 turns it off, as behind a load balancer (SKJEMA_MAX_CONNS_PER_ADDR)")
	fs.IntVar(&m.DraftsPerHour, "drafts-per-hour", 60, "new applications one client address may start in an hour; 0 turns the limit off (SKJEMA_DRAFTS_PER_HOUR)")
	fs.IntVar(&m.UploadMBPerHour, "upload-mb-per-hour", 500, "MiB of attachments one client address may upload in an hour; 0 turns the limit off (SKJEMA_UPLOAD_MB_PER_HOUR)")
	fs.IntVar(&m.UploadsPerAddr, "uploads-per-addr", 4, "files one client address may be uploading at once; 0 turns the limit off, as behind a load balancer (SKJEMA_UPLOADS_PER_ADDR)")
	fs.DurationVar(&m.DraftRetention, "draft-retention", 30*24*time.Hour, "delete drafts (and their files) untouched this long (SKJEMA_DRAFT_RETENTION)")
	fs.DurationVar(&m.BatchRetention, "batch-retention", 30*24*time.Hour, "empty a delivered batch's body this long after delivery (SKJEMA_BATCH_RETENTION)")
	fs.StringVar(&m.Origins, "origins", "", "kommune web sites allowed to call the citizen API from a browser, comma-separated, e.g. https://www.oslo.kommune.no (SKJEMA_ORIGINS)")
	fs.BoolVar(&m.HSTS, "hsts", false, "send Strict-Transport-Security on every response: set it when a load balancer terminates TLS in front (SKJEMA_HSTS=true)")
	fs.IntVar(&m.DeadlineDay, "deadline-day", 25, "the monthly application deadline, a day of the month from 1 to 28; moved to the next working day (SKJEMA_DEADLINE_DAY)")
	fs.StringVar(&m.ClosedDays, "closed-days", "", "extra non-working days besides weekends and public holidays, comma-separated yyyy-mm-dd (SKJEMA_CLOSED_DAYS)")
	fs.StringVar(&m.Kommuner, "kommuner", "", "comma-separated kommunenumre this installation serves; empty serves any (SKJEMA_KOMMUNER)")
	fs.StringVar(&m.UnitsFile, "units", "", "JSON file dividing kommuner into units by postnummer, {\"0301\": {\"units\": [{\"id\": \"gamle-oslo\", \"name\": \"Bydel Gamle Oslo\", \"postnummer\": [\"0190\"]}]}}; none when empty (SKJEMA_UNITS)")
	fs.StringVar(&m.LetterheadsFile, "letterheads", "", "JSON file: how each kommune's decision letters are signed and where appeals go, {\"0301\": {\"name\": \"Oslo kommune\", \"unit\": \"Boligkontoret\", \"address\": [\"Postboks 1\", \"0037 Oslo\"], \"phone\": …, \"email\": …, \"web\": …, \"appealBody\": \"Klagenemnda\"}}; a kommune not listed signs with the register's name (SKJEMA_LETTERHEADS)")
	fs.StringVar(&m.FontDir, "font-dir", caseworker.DefaultFontDir, "directory of Inter's OpenType files (Debian's fonts-inter) the caseworker UI is served in; without them it falls back to the system's sans-serif (SKJEMA_FONT_DIR)")
	fs.BoolVar(&m.AllowSynthetic, "allow-synthetic", false, "accept synthetic test fødselsnumre: test installations only (SKJEMA_ALLOW_SYNTHETIC=true)")
	fs.StringVar(&m.Anonymous, "anonymous", "", "applications from citizens who do not sign in, where the form asks for ID-porten: no (refused), review (taken, a caseworker checks who applies first) or open (taken as any other); default no, and open with -dev when no ID-porten is configured (SKJEMA_ANONYMOUS)")
	fs.StringVar(&m.PublicURL, "public-url", "", "this server's address as browsers reach it, e.g. https://skjema.oslo.kommune.no; default http://ADDR (SKJEMA_PUBLIC_URL)")
	fs.StringVar(&m.IDPortenIssuer, "idporten-issuer", "", "ID-porten's issuer: https://idporten.no, https://test.idporten.no, or a local one (examples/idporten-test); empty: no sign-in (SKJEMA_IDPORTEN_ISSUER)")
	fs.StringVar(&m.IDPortenClient, "idporten-client-id", "", "the client id ID-porten gave this installation (SKJEMA_IDPORTEN_CLIENT_ID)")
	fs.StringVar(&m.IDPortenSecret, "idporten-client-secret", "", "its client secret; give it in the environment rather than on the command line (SKJEMA_IDPORTEN_CLIENT_SECRET)")
	fs.StringVar(&m.IDPortenKey, "idporten-client-key", "", "a file with the client's private key (PEM), for private_key_jwt instead of the secret (SKJEMA_IDPORTEN_CLIENT_KEY)")
	fs.StringVar(&m.IDPortenKeyID, "idporten-client-key-id", "", "the id of that key as registered with ID-porten (SKJEMA_IDPORTEN_CLIENT_KEY_ID)")
	fs.StringVar(&m.CaseworkerOIDCIssuer, "caseworker-oidc-issuer", "", "the kommune's own OpenID provider caseworkers sign in with beside passwords: Entra ID's https://login.microsoftonline.com/<tenant id>/v2.0, ADFS's https://adfs.<kommune>.no/adfs; its client secret in SKJEMA_CASEWORKER_OIDC_SECRET (SKJEMA_CASEWORKER_OIDC_ISSUER)")
	fs.StringVar(&m.CaseworkerOIDCClient, "caseworker-oidc-client-id", "", "the client id the kommune's provider gave this installation (SKJEMA_CASEWORKER_OIDC_CLIENT_ID)")
	fs.StringVar(&m.CaseworkerOIDCGroups, "caseworker-oidc-groups", "", "JSON file: what the provider's group or role claim grants, {\"claim\": \"groups\", \"map\": {\"<group id>\": {\"kommuner\": [\"0301\"], \"units\": [\"0301/gamle-oslo\"], \"admin\": false, \"decides\": [\"0301\"]}}}; decides: the group's kommuner where it gives the decision role (fullmaktshaver). The groups are the source of truth for this login's accounts: kommuner, units, admin and decision role are set from them at every sign-in, and an admin cannot give or take the decision role by hand (SKJEMA_CASEWORKER_OIDC_GROUPS)")
	fs.StringVar(&m.CaseworkerOIDCName, "caseworker-oidc-name", "", "the login's name on the sign-in page's button, \"Logg inn med <name>\", e.g. \"Oslo kommunes innlogging\"; default kommunens innlogging (SKJEMA_CASEWORKER_OIDC_NAME)")
	fs.BoolVar(&m.CaseworkerOIDCOnly, "caseworker-oidc-only", false, "caseworkers sign in with the kommune's provider only; passwords are not taken (SKJEMA_CASEWORKER_OIDC_ONLY=true)")
	fs.StringVar(&m.SMTPAddr, "smtp-addr", "", "host:port of the SMTP relay citizens' notices go out through; empty: none are sent (SKJEMA_SMTP_ADDR)")
	fs.StringVar(&m.SMTPFrom, "smtp-from", "", "the sender of notices, e.g. \"Oslo kommune <ikke-svar@oslo.kommune.no>\" (SKJEMA_SMTP_FROM)")
	fs.StringVar(&m.SMTPUser, "smtp-user", "", "the relay's user name; empty: no authentication (SKJEMA_SMTP_USER)")
	fs.StringVar(&m.SMTPPassword, "smtp-password", "", "the relay's password; give it in the environment (SKJEMA_SMTP_PASSWORD)")
	fs.StringVar(&m.SMTPTLS, "smtp-tls", "starttls", "starttls, tls (from the first byte) or none (SKJEMA_SMTP_TLS)")
	fs.StringVar(&m.CitizenURL, "citizen-url", "", "where a notice tells the citizen to sign in and read more: the kommune's page with the form (SKJEMA_CITIZEN_URL)")
	fs.StringVar(&m.FregURL, "freg-url", "", "Folkeregisteret's API (https://folkeregisteret.api.skatteetaten.no, or examples/freg-test); empty: no prefill (SKJEMA_FREG_URL)")
	fs.StringVar(&m.MaskinIssuer, "maskinporten-issuer", "", "Maskinporten's issuer for Folkeregisteret's token: https://maskinporten.no/ or https://test.maskinporten.no/ (SKJEMA_MASKINPORTEN_ISSUER)")
	fs.StringVar(&m.MaskinClient, "maskinporten-client-id", "", "this installation's Maskinporten client id (SKJEMA_MASKINPORTEN_CLIENT_ID)")
	fs.StringVar(&m.MaskinKeyID, "maskinporten-key-id", "", "the id of the key registered with the client (SKJEMA_MASKINPORTEN_KEY_ID)")
	fs.StringVar(&m.MaskinKey, "maskinporten-key", "", "a file with the client's private key in PEM, readable by the service user only (SKJEMA_MASKINPORTEN_KEY)")
	fs.BoolVar(&m.NoMigrate, "no-migrate", false, "do not apply migrations on start (SKJEMA_NO_MIGRATE=true)")
	fs.BoolVar(&m.Dev, "dev", false, "development: serve the example kommune page that embeds the widget at /example/ (SKJEMA_DEV=true)")
	fs.StringVar(&m.ExampleDir, "example-dir", filepath.Join("examples", "kommune-page"), "the example kommune page served with -dev (SKJEMA_EXAMPLE_DIR)")
	fs.DurationVar(&m.DrainDelay, "drain-delay", 0, "on shutdown, answer /readyz 503 this long before refusing new connections, so a load balancer stops sending requests first; set it to the balancer's readiness probe interval (SKJEMA_DRAIN_DELAY)")
	fs.StringVar(&m.LogLevel, "log-level", "info", "debug, info, warn or error (SKJEMA_LOG_LEVEL)")
	fs.StringVar(&m.LogFormat, "log-format", "json", "json (one object a line, for a log collector) or text (key=value, for a terminal) (SKJEMA_LOG_FORMAT)")
	if _, err := parseFlags(fs, args, m.Stdout, envPrefix, map[string]string{"registers": "SKJEMA_REGISTERS_DIR"}); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.LogLevel)); err != nil {
		return fmt.Errorf("SKJEMA_LOG_LEVEL=%q (-log-level): use debug, info, warn or error", m.LogLevel)
	}
	if m.LogFormat != "json" && m.LogFormat != "text" {
		return fmt.Errorf("SKJEMA_LOG_FORMAT=%q (-log-format): use json or text", m.LogFormat)
	}
	if _, err := engine.ParseAnonymous(m.Anonymous); err != nil {
		return fmt.Errorf("SKJEMA_ANONYMOUS=%q (-anonymous): use no, review or open", m.Anonymous)
	}
	if _, err := m.notifier(); err != nil {
		return fmt.Errorf("SKJEMA_SMTP_ADDR=%q (-smtp-addr): %v", m.SMTPAddr, err)
	}
	if m.FregURL != "" && (m.MaskinIssuer == "" || m.MaskinClient == "" || m.MaskinKey == "") {
		return fmt.Errorf("SKJEMA_FREG_URL=%q (-freg-url) needs -maskinporten-issuer, -maskinporten-client-id and -maskinporten-key", m.FregURL)
	}
	m.CaseworkerOIDCSecret = os.Getenv("SKJEMA_CASEWORKER_OIDC_SECRET")
	if m.CaseworkerOIDCIssuer != "" && (m.CaseworkerOIDCClient == "" || m.CaseworkerOIDCGroups == "" || m.CaseworkerOIDCSecret == "") {
		return fmt.Errorf("SKJEMA_CASEWORKER_OIDC_ISSUER=%q (-caseworker-oidc-issuer) needs -caseworker-oidc-client-id, -caseworker-oidc-groups and the client secret in SKJEMA_CASEWORKER_OIDC_SECRET", m.CaseworkerOIDCIssuer)
	}
	for _, f := range []struct{ flag, value string }{
		{"caseworker-oidc-client-id", m.CaseworkerOIDCClient},
		{"caseworker-oidc-groups", m.CaseworkerOIDCGroups},
		{"caseworker-oidc-only", map[bool]string{true: "true"}[m.CaseworkerOIDCOnly]},
	} {
		if m.CaseworkerOIDCIssuer == "" && f.value != "" {
			env := "SKJEMA_" + strings.ToUpper(strings.ReplaceAll(f.flag, "-", "_"))
			return fmt.Errorf("%s=%q (-%s) needs -caseworker-oidc-issuer (SKJEMA_CASEWORKER_OIDC_ISSUER)", env, f.value, f.flag)
		}
	}
	if m.IDPortenIssuer != "" && m.IDPortenClient == "" {
		return fmt.Errorf("SKJEMA_IDPORTEN_ISSUER=%q (-idporten-issuer) needs -idporten-client-id (SKJEMA_IDPORTEN_CLIENT_ID) and its secret", m.IDPortenIssuer)
	}
	return nil
}

// notifier is the channel citizens' notices go out by: e-mail through the
// SMTP relay, or none.
func (m *Main) notifier() (notify.Channel, error) {
	if m.SMTPAddr == "" {
		return nil, nil
	}
	return notify.NewEmail(notify.SMTPConfig{Addr: m.SMTPAddr, From: m.SMTPFrom, Username: m.SMTPUser, Password: m.SMTPPassword, TLS: m.SMTPTLS})
}

// anonymous is the route for citizens who do not sign in: as set, or
// open for a developer's -dev without ID-porten, else closed.
func (m *Main) anonymous() engine.Anonymous {
	a, _ := engine.ParseAnonymous(m.Anonymous)
	if m.Anonymous == "" && m.Dev && m.IDPortenIssuer == "" {
		return engine.AnonymousOpen
	}
	return a
}

func (m *Main) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(m.Stderr, opts)
	if m.LogFormat == "text" {
		h = slog.NewTextHandler(m.Stderr, opts)
	}
	return slog.New(web.LogHandler(h))
}

// loadUnits reads the units file, if one is named, strictly (package
// engine/units): its kommuner checked against the kommune register and,
// where the installation lists the kommuner it serves, against those.
func (m *Main) loadUnits() (*units.Units, error) {
	if m.UnitsFile == "" {
		return nil, nil
	}
	u, err := units.Load(m.UnitsFile, m.registers, time.Now())
	if err != nil {
		return nil, err
	}
	if served := splitList(m.Kommuner); len(served) > 0 {
		for _, k := range u.Kommuner() {
			if !slices.Contains(served, k) {
				return nil, fmt.Errorf("units file %s: kommune %s is not one -kommuner serves", m.UnitsFile, k)
			}
		}
	}
	return u, nil
}

// loadLetterheads reads the letterheads file, if one is named, strictly
// (letters.ParseSenders).
func (m *Main) loadLetterheads() (map[string]letters.Sender, error) {
	if m.LetterheadsFile == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(m.LetterheadsFile)
	if err != nil {
		return nil, err
	}
	heads, err := letters.ParseSenders(raw, m.registers, time.Now())
	if err != nil {
		return nil, fmt.Errorf("letterheads file %s: %w", m.LetterheadsFile, err)
	}
	return heads, nil
}

// open loads the forms, connects the store and builds the queue on it.
func (m *Main) open(ctx context.Context, log *slog.Logger, reg prometheus.Registerer) error {
	registers, described, err := loadRegisters(m.RegistersDir)
	if err != nil {
		return err
	}
	m.registers, m.registersLoaded = registers, described
	if m.units, err = m.loadUnits(); err != nil {
		return err
	}
	heads, err := m.loadLetterheads()
	if err != nil {
		return err
	}
	m.forms, err = forms.Load(forms.Config{Dir: m.FormsDir, Registers: registers, Person: nid.PersonOptions{AllowSynthetic: m.AllowSynthetic}})
	if err != nil {
		return fmt.Errorf("load forms: %w", err)
	}
	agencies := map[string]queue.Agency{}
	if m.AgenciesFile != "" {
		b, err := os.ReadFile(m.AgenciesFile)
		if err != nil {
			return err
		}
		if agencies, err = queue.ParseAgencies(b, m.forms.Agencies()); err != nil {
			return fmt.Errorf("agencies file %s: %w", m.AgenciesFile, err)
		}
	}
	m.agencies = agencies
	cal := m.calendar()
	store, err := engine.Open(ctx, engine.Config{Database: m.Database, Logger: log, Kommuner: splitList(m.Kommuner), Calendar: cal,
		BatchSize: m.BatchSize, Anonymous: m.anonymous(), Registers: registers, Units: m.units, Letterheads: heads})
	if err != nil {
		return err
	}
	notifier, err := m.notifier()
	if err != nil {
		store.Close()
		return err
	}
	q, err := queue.New(queue.Config{Store: store, Logger: log, Registerer: reg, Forms: m.forms, Agencies: agencies, Notifier: notifier, ReadURL: m.CitizenURL,
		BatchSize: m.BatchSize, BatchMaxAge: m.BatchMaxAge, SealInterval: m.SealInterval, RescueAfter: m.RescueAfter,
		Calendar:  cal,
		Retention: engine.Retention{Drafts: m.DraftRetention, BatchBodies: m.BatchRetention}})
	if err != nil {
		store.Close()
		return err
	}
	store.UseEnqueuer(q)
	m.store, m.queue = store, q
	return nil
}

// Migrate applies the store's and River's migrations.
func (m *Main) Migrate(ctx context.Context) error {
	log := m.logger()
	if err := m.open(ctx, log, nil); err != nil {
		return err
	}
	defer m.store.Close()
	if err := m.migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "migrations applied")
	return nil
}

// migrate applies the store's and River's migrations, one node at a time.
func (m *Main) migrate(ctx context.Context) error {
	return m.store.WithMigrationLock(ctx, func() error {
		if err := m.store.Migrate(ctx); err != nil {
			return err
		}
		return m.queue.Migrate(ctx)
	})
}

// Run starts the server and the workers and returns once they listen.
func (m *Main) Run(ctx context.Context) error {
	log := m.logger()
	slog.SetDefault(log)
	reg := prometheus.NewRegistry()
	m.registry = reg
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// The addresses first: a port in use is said before the database is
	// opened or migrated. A second serve on one SQLite file is refused: two
	// would each seal and push the same batches.
	if err := m.listen(); err != nil {
		return err
	}
	if err := m.open(ctx, log, reg); err != nil {
		m.Close()
		return err
	}
	if !m.NoMigrate {
		if err := m.migrate(ctx); err != nil {
			m.Close()
			return err
		}
	} else if err := m.store.Ready(ctx); err != nil {
		m.Close()
		return fmt.Errorf("-no-migrate, and the database is not migrated (%v): run `skjema migrate` first", err)
	}
	// Applications submitted before applicants' names were kept get them
	// now, so a caseworker's search finds them too; once done, this reads
	// nothing.
	if n, err := m.store.Casework.NameAll(ctx, m.forms.Form); err != nil {
		m.Close()
		return err
	} else if n > 0 {
		log.Info("applicants named for the caseworkers' search", "applications", n)
	}
	if err := m.queue.Start(context.WithoutCancel(ctx)); err != nil {
		m.Close()
		return fmt.Errorf("start workers: %w", err)
	}
	public := cmp.Or(m.PublicURL, "http://"+m.listener.Addr().String())
	idp, err := m.idporten(ctx, public)
	if err != nil {
		m.Close()
		return err
	}
	folk, err := m.folkeregisteret(ctx)
	if err != nil {
		m.Close()
		return err
	}
	cfg := web.Config{Store: m.store, Forms: m.forms, Logger: log, Registry: reg, Registers: m.registers, IDPorten: idp, PublicURL: public,
		Folkeregisteret: folk,
		RatePerClient:   m.RatePerClient, RateBurst: int(3 * m.RatePerClient), HSTS: m.HSTS, Origins: splitList(m.Origins),
		DraftsPerHour: m.DraftsPerHour, UploadBytesPerHour: int64(m.UploadMBPerHour) << 20, UploadsPerAddress: m.UploadsPerAddr, MaxInFlight: m.MaxInFlight}
	if m.Dev {
		if _, err := os.Stat(filepath.Join(m.ExampleDir, "index.html")); err != nil {
			log.Warn("-dev: no example kommune page; run from the repository's root or set -example-dir", "dir", m.ExampleDir)
		} else {
			cfg.ExampleDir = m.ExampleDir
		}
	}
	kl, err := m.kommuneLogin(ctx, public)
	if err != nil {
		m.Close()
		return err
	}
	cw, err := caseworker.New(caseworker.Config{Store: m.store, Forms: m.forms, Logger: log, Registers: m.registers,
		BehindHTTPS:  m.HSTS || strings.HasPrefix(m.PublicURL, "https://"),
		Calendar:     m.calendar(),
		KommuneLogin: kl,
		FontDir:      m.FontDir})
	if err != nil {
		m.Close()
		return err
	}
	cfg.Caseworker = cw
	srv, err := web.New(cfg)
	if err != nil {
		m.Close()
		return err
	}
	m.web = srv
	if m.MaxConnsPerAddr > 0 {
		limited := connlimit.New(m.listener, m.MaxConnsPerAddr)
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "skjema_connections_refused_total", Help: "Connections closed on accept because their address had MaxConnsPerAddr open.",
		}, func() float64 { return float64(limited.Refused()) }))
		m.listener = limited
	}
	m.server = &http.Server{
		Handler: srv.Handler(),
		// A client has 10 s to send its headers and 30 s for its body
		// (slowloris holds, see the security review). An idle keep-alive
		// connection is kept 2 minutes, longer than the 60 s a load
		// balancer commonly keeps its own, so that a balancer never reuses
		// a connection this side has just closed; one address holds at
		// most MaxConnsPerAddr of them.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server stopped", "error", err)
		}
	}()
	if m.adminListener != nil {
		m.admin = &http.Server{Handler: srv.AdminHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() {
			if err := m.admin.Serve(m.adminListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("admin server stopped", "error", err)
			}
		}()
	}
	where := "SQLite file " + m.Database
	if engine.IsPostgresURL(m.Database) {
		where = "PostgreSQL"
	}
	fmt.Fprintf(m.Stdout, "Skjema is running at http://%s/ (database: %s)\n", m.listener.Addr(), where)
	fmt.Fprintf(m.Stdout, "Caseworkers sign in at http://%s/caseworker/ (a first account: skjema users add -admin …)\n", m.listener.Addr())
	if kl != nil {
		only := ", beside passwords"
		if kl.Only {
			only = ", and not with passwords"
		}
		fmt.Fprintf(m.Stdout, "Caseworkers sign in with the kommune's login at %s%s; its callback is %s\n", m.CaseworkerOIDCIssuer, only,
			strings.TrimSuffix(public, "/")+caseworker.CallbackPath)
	}
	m.summary(log)
	if cfg.ExampleDir != "" {
		fmt.Fprintf(m.Stdout, "The example kommune page with the form: http://%s/example/\n", m.listener.Addr())
	}
	if folk != nil {
		fmt.Fprintf(m.Stdout, "Signed-in citizens' households are filled in from Folkeregisteret at %s\n", m.FregURL)
	}
	switch {
	case idp != nil:
		fmt.Fprintf(m.Stdout, "Citizens sign in with ID-porten at %s\n", m.IDPortenIssuer)
	case m.anonymous() == engine.AnonymousClosed:
		fmt.Fprintln(m.Stdout, "No ID-porten configured and -anonymous no: citizens cannot submit forms that ask for sign-in (see the README: Sign-in)")
	}
	if a := m.anonymous(); a != engine.AnonymousClosed {
		fmt.Fprintf(m.Stdout, "Applications without sign-in are taken (-anonymous %s)\n", a)
	}
	return nil
}

// summary says, on start, what this installation serves: its forms and
// their agencies (and how each gets batches), its kommuner, and the
// registers it loaded; on Stdout and in the log.
func (m *Main) summary(log *slog.Logger) {
	var formsLine, agencyLine []string
	seen := map[string]bool{}
	for _, f := range m.forms.Forms() {
		if f.Road() == forms.RoadKommune {
			formsLine = append(formsLine, f.ID+" "+f.Version+" (decided by the kommune)")
			continue
		}
		formsLine = append(formsLine, f.ID+" "+f.Version+" (to "+f.Agency+")")
		if seen[f.Agency] {
			continue
		}
		seen[f.Agency] = true
		a, ok := m.agencies[f.Agency]
		switch {
		case ok && a.Transport == queue.TransportPush:
			agencyLine = append(agencyLine, f.Agency+" pushed to "+a.URL)
		default:
			agencyLine = append(agencyLine, f.Agency+" pulls")
		}
	}
	kommuner := cmp.Or(m.Kommuner, "any")
	registers := "none imported"
	if len(m.registersLoaded) > 0 {
		registers = strings.Join(m.registersLoaded, "; ")
	}
	fmt.Fprintf(m.Stdout, "Forms: %s; kommuner: %s; agencies: %s; registers: %s\n", strings.Join(formsLine, ", "), kommuner,
		strings.Join(agencyLine, ", "), registers)
	log.Info("serving", "forms", formsLine, "kommuner", kommuner, "agencies", agencyLine, "registers", registers)
}

// folkeregisteret is the client of Folkeregisteret, with Maskinporten's
// tokens, if one is configured.
func (m *Main) folkeregisteret(ctx context.Context) (*freg.Client, error) {
	if m.FregURL == "" {
		return nil, nil
	}
	key, err := os.ReadFile(m.MaskinKey)
	if err != nil {
		return nil, fmt.Errorf("-maskinporten-key: %w", err)
	}
	tokens, err := identity.Maskinporten(ctx, identity.MaskinportenConfig{Issuer: m.MaskinIssuer, ClientID: m.MaskinClient, KeyID: m.MaskinKeyID,
		PrivateKey: key, Scopes: []string{freg.Scope}})
	if err != nil {
		return nil, err
	}
	return freg.New(m.FregURL, tokens, 5*time.Second), nil
}

// idporten connects to ID-porten's discovery, if one is configured.
func (m *Main) idporten(ctx context.Context, public string) (*identity.IDPorten, error) {
	if m.IDPortenIssuer == "" {
		return nil, nil
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var key []byte
	if m.IDPortenKey != "" {
		var err error
		if key, err = os.ReadFile(m.IDPortenKey); err != nil {
			return nil, fmt.Errorf("-idporten-client-key: %w", err)
		}
	}
	return identity.NewIDPorten(dctx, identity.Config{Issuer: m.IDPortenIssuer, ClientID: m.IDPortenClient, ClientSecret: m.IDPortenSecret,
		PrivateKey: key, KeyID: m.IDPortenKeyID,
		RedirectURL: strings.TrimSuffix(public, "/") + "/auth/idporten/callback", Person: nid.PersonOptions{AllowSynthetic: m.AllowSynthetic}})
}

// listen takes the listen addresses and, on SQLite, the database file.
func (m *Main) listen() error {
	var err error
	if !engine.IsPostgresURL(m.Database) {
		if m.unlock, err = lockDatabase(m.Database); err != nil {
			return err
		}
	}
	if m.listener, err = net.Listen("tcp", m.Addr); err != nil {
		m.Close()
		return fmt.Errorf("-addr %s (SKJEMA_ADDR): %w", m.Addr, err)
	}
	if m.AdminAddr != "" {
		if m.adminListener, err = net.Listen("tcp", m.AdminAddr); err != nil {
			m.Close()
			return fmt.Errorf("-admin-addr %s (SKJEMA_ADMIN_ADDR): %w", m.AdminAddr, err)
		}
	}
	return nil
}

// AdminURL is where the admin listener listens ("" without one).
func (m *Main) AdminURL() string {
	if m.adminListener == nil {
		return ""
	}
	return "http://" + m.adminListener.Addr().String()
}

// URL is where the server listens.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Close shuts down in order, each stage with a budget of its own: /readyz
// answers 503 (for DrainDelay, so a load balancer stops sending requests),
// in-flight requests finish, running jobs finish (and are cancelled if they
// will not), and only once River has stopped is the database closed: closing
// it under running jobs would fail their writes half-way.
func (m *Main) Close() error {
	var errs []error
	if m.web != nil {
		slog.Info("shutting down: /readyz answers 503, requests in flight and running jobs finish")
		m.web.Drain()
		if m.server != nil && m.DrainDelay > 0 {
			time.Sleep(m.DrainDelay)
		}
	}
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), httpDrainBudget)
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drain HTTP: %w", err))
		}
		cancel()
	} else if m.listener != nil {
		m.listener.Close() // Run failed between listening and serving
	}
	if m.admin != nil {
		m.admin.Close()
	} else if m.adminListener != nil {
		m.adminListener.Close()
	}
	stopped := true
	if m.queue != nil {
		stopped = m.stopQueue(&errs)
	}
	if m.store != nil {
		if stopped {
			errs = append(errs, m.store.Close())
		} else {
			errs = append(errs, errors.New("the database is left open: jobs are still running"))
		}
	}
	// Closing the lock's descriptor would drop SQLite's own POSIX locks
	// with it while the database is open, so it is released only after.
	if m.unlock != nil && stopped {
		m.unlock()
		m.unlock = nil
	}
	return errors.Join(errs...)
}

// stopQueue stops River: running jobs get jobStopBudget to finish, then are
// cancelled and get jobCancelBudget to return. It reports whether River
// has stopped.
func (m *Main) stopQueue(errs *[]error) bool {
	ctx, cancel := context.WithTimeout(context.Background(), jobStopBudget)
	err := m.queue.Stop(ctx)
	cancel()
	if err == nil {
		return true
	}
	*errs = append(*errs, fmt.Errorf("stop workers: %w", err))
	ctx, cancel = context.WithTimeout(context.Background(), jobCancelBudget)
	defer cancel()
	if err := m.queue.StopAndCancel(ctx); err != nil {
		*errs = append(*errs, fmt.Errorf("cancel workers: %w", err))
		return false
	}
	return true
}

// formsCheck loads and checks the definitions in dir: a directory of form
// directories (schemas), or one form's own directory (schemas/<form>).
func formsCheck(dir string, stdout io.Writer) error {
	fsys := os.DirFS(dir)
	if _, err := os.Stat(filepath.Join(dir, "layout.json")); err == nil {
		one, err := oneForm(dir)
		if err != nil {
			return err
		}
		fsys = one
	}
	registry, err := forms.Load(forms.Config{Builtin: fsys})
	if err != nil {
		return err
	}
	for _, f := range registry.Forms() {
		fmt.Fprintf(stdout, "%s %s: ok\n", f.ID, f.Version)
	}
	if len(registry.Forms()) == 0 {
		return fmt.Errorf("no form definitions in %s", dir)
	}
	return nil
}

// oneForm presents one form's directory as a directory of forms holding
// only it, under its own name, as forms.Load reads them. Definitions are a
// few files of JSON, read into memory.
func oneForm(dir string) (fs.FS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	name, out := filepath.Base(abs), fstest.MapFS{}
	err = fs.WalkDir(os.DirFS(abs), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(abs, path))
		out[name+"/"+path] = &fstest.MapFile{Data: data, Mode: 0o644}
		return err
	})
	return out, err
}

// calendar is the deadline calendar the settings give, one for the engine
// (the month applied for), the queue (cut-offs) and the caseworker UI.
func (m *Main) calendar() calendar.Calendar {
	return calendar.Calendar{DeadlineDay: m.DeadlineDay, Closed: splitList(m.ClosedDays)}
}
