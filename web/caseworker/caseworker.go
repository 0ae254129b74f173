// Package caseworker is the kommune caseworker's web UI at /caseworker/:
// sign-in (a local password, or the kommune's own OpenID provider, oidc.go),
// the exception queue, an application shown with the form's own
// labels, the actions on it, paper applications, and for admins the accounts
// and audit trails. It is server-rendered HTML (html/template) with no
// script, styled with Digdir designsystemet.
//
// It owns HTTP concerns only: sessions, CSRF, the sign-in rate limit and the
// pages. Who may see and change what, the audit events and the optimistic
// locking are the engine's (engine/casework.go), so no page can skip them.
package caseworker

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/web/assets"
	"github.com/skjema/skjema/web/input"
	"github.com/skjema/skjema/web/ratelimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

var stylesheets = func() assets.Set {
	set, err := assets.Load(assetFS, "assets")
	if err != nil {
		panic(err) // embedded: a build mistake
	}
	return set
}()

// Config for the caseworker UI.
type Config struct {
	Store *engine.Store
	Forms *forms.Registry
	// BehindHTTPS says that browsers reach the UI over HTTPS, through a
	// proxy that terminates TLS (serve's -hsts or an https -public-url),
	// whatever the proxy's headers say.
	BehindHTTPS bool
	// Calendar gives the monthly cut-off the queue warns about (New refuses
	// one that Validate refuses). Defaults to the 25th, moved to the next
	// working day.
	Calendar calendar.Calendar
	// CutoffWarning is how long before a deadline day the queue marks what
	// is still open. Defaults to 5 days.
	CutoffWarning time.Duration
	// SessionTTL is how long a sign-in lasts. Defaults to 8 hours, a
	// working day.
	SessionTTL time.Duration
	// Failed sign-ins (and wrong current passwords at a change) are limited
	// three ways, each a burst and then one per interval; a success counts
	// for none. LoginPerAddress: from one client address, whatever the
	// account; defaults to 20, then one per 6 s. LoginPerAccount: for one
	// account from one address; defaults to 5, then one per 30 s.
	// LoginPerAccountEverywhere: for one account from all addresses
	// together, the last guard against guessing from many; defaults to 100,
	// then one a minute. Keyed by account and address, strangers' wrong
	// passwords do not keep the owner out from her own address.
	LoginPerAddress, LoginPerAccount, LoginPerAccountEverywhere       time.Duration
	LoginAddressBurst, LoginAccountBurst, LoginAccountEverywhereBurst int
	// Clock defaults to time.Now.
	Clock func() time.Time
	// Logger defaults to slog.Default(). It never receives field values.
	Logger *slog.Logger
	// Registers name the kommuner (SSB's register, as imported); without
	// them kommuner are shown by number only.
	Registers *nid.Registers
	// KommuneLogin is the kommune's own OpenID provider caseworkers may
	// sign in with. Defaults to none: passwords only.
	KommuneLogin *KommuneLogin
	// FontDir holds Inter's OpenType files (Debian's fonts-inter); the UI
	// serves them. Defaults to DefaultFontDir; where they are missing, the
	// system's sans-serif is used.
	FontDir string
	// APIBase is where the paper form's widget finds the citizen API and
	// its script, relative to this server. Defaults to "/".
	APIBase string
}

// Handler serves /caseworker/.
type Handler struct {
	cfg   Config
	store *engine.Store
	forms *forms.Registry
	log   *slog.Logger
	pages map[string]map[string]*template.Template // by language, by name
	// The sign-in limits; see Config.
	byAddress, byAccountFrom, byAccount *ratelimit.Keyed
	mux                                 *http.ServeMux
	plainHTTPLogged                     atomic.Bool
}

// New builds the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Forms == nil {
		return nil, errors.New("caseworker: Store and Forms are required")
	}
	if err := cfg.Calendar.Validate(); err != nil {
		return nil, fmt.Errorf("caseworker: calendar: %w", err)
	}
	cfg.Calendar = cfg.Calendar.WithDefaults()
	if cfg.CutoffWarning == 0 {
		cfg.CutoffWarning = 5 * 24 * time.Hour
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.LoginPerAddress == 0 {
		cfg.LoginPerAddress, cfg.LoginAddressBurst = 6*time.Second, 20
	}
	if cfg.LoginPerAccount == 0 {
		cfg.LoginPerAccount, cfg.LoginAccountBurst = 30*time.Second, 5
	}
	if cfg.LoginPerAccountEverywhere == 0 {
		cfg.LoginPerAccountEverywhere, cfg.LoginAccountEverywhereBurst = time.Minute, 100
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FontDir == "" {
		cfg.FontDir = DefaultFontDir
	}
	if cfg.APIBase == "" {
		cfg.APIBase = "/"
	}
	if cfg.KommuneLogin != nil && cfg.KommuneLogin.Client == nil {
		return nil, errors.New("caseworker: KommuneLogin needs its Client")
	}
	h := &Handler{
		cfg: cfg, store: cfg.Store, forms: cfg.Forms, log: cfg.Logger, pages: map[string]map[string]*template.Template{},
		byAddress:     ratelimit.New(1/cfg.LoginPerAddress.Seconds(), cfg.LoginAddressBurst),
		byAccountFrom: ratelimit.New(1/cfg.LoginPerAccount.Seconds(), cfg.LoginAccountBurst),
		byAccount:     ratelimit.New(1/cfg.LoginPerAccountEverywhere.Seconds(), cfg.LoginAccountEverywhereBurst),
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range langs {
		h.pages[lang] = map[string]*template.Template{}
		for _, name := range names {
			if name == "templates/layout.html" {
				continue
			}
			t, err := template.New("").Funcs(templateFuncs).Funcs(h.funcs(lang)).ParseFS(templateFS, "templates/layout.html", name)
			if err != nil {
				return nil, fmt.Errorf("caseworker template %s: %w", name, err)
			}
			h.pages[lang][strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")] = t
		}
	}
	h.mux = http.NewServeMux()
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	h.mux.HandleFunc("GET /caseworker/assets/{file}", h.page(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-cache") // revalidated by its ETag
		if !stylesheets.Serve(w, r, r.PathValue("file")) {
			return errNotFound
		}
		return nil
	}))
	h.mux.HandleFunc("GET /caseworker/fonts.css", h.page(h.fontsCSS))
	h.mux.HandleFunc("GET /caseworker/fonts/{file}", h.page(h.font))
	h.mux.HandleFunc("GET /caseworker/login", h.page(h.loginPage))
	h.mux.HandleFunc("POST /caseworker/login", h.page(h.login))
	h.mux.HandleFunc("POST /caseworker/logout", h.withStartPassword(h.logout))
	h.mux.HandleFunc("GET "+startPath, h.page(h.kommuneLoginStart))
	h.mux.HandleFunc("GET "+CallbackPath, h.page(h.kommuneLoginCallback))
	h.mux.HandleFunc("GET /caseworker/password", h.withStartPassword(h.passwordPage))
	h.mux.HandleFunc("POST /caseworker/password", h.withStartPassword(h.changePassword))
	h.mux.HandleFunc("GET /caseworker/{$}", h.signedIn(h.listPage))
	h.mux.HandleFunc("POST /caseworker/language", h.signedIn(h.setLanguage))
	h.mux.HandleFunc("GET /caseworker/export.csv", h.signedIn(h.exportCSV))
	h.mux.HandleFunc("GET /caseworker/search", h.signedIn(h.searchPage))
	h.mux.HandleFunc("POST /caseworker/bulk", h.signedIn(h.bulk))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/assign", h.signedIn(h.assign))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/notes", h.signedIn(h.addNote))
	h.mux.HandleFunc("GET /caseworker/applications/{id}", h.signedIn(h.casePage))
	h.mux.HandleFunc("GET /caseworker/applications/{id}/files/{file}", h.signedIn(h.caseFile))
	h.mux.HandleFunc("GET /caseworker/applications/{id}/letters/{letter}", h.signedIn(h.caseLetter))
	h.mux.HandleFunc("GET /caseworker/applications/{id}/copy", h.signedIn(h.caseCopy))
	h.mux.HandleFunc("GET /caseworker/applications/{id}/correct", h.signedIn(h.correctPage))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/correct", h.signedIn(h.correct))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/approve", h.signedIn(h.approve))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/recommend", h.signedIn(h.recommend))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/decide", h.signedIn(h.decide))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/return", h.signedIn(h.returnToCitizen))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/documents", h.signedIn(h.requestDocuments))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/reject", h.signedIn(h.reject))
	h.mux.HandleFunc("POST /caseworker/applications/{id}/withdraw", h.signedIn(h.withdraw))
	h.mux.HandleFunc("GET /caseworker/applications/{id}/audit", h.signedIn(h.auditPage))
	h.mux.HandleFunc("GET /caseworker/statistics", h.signedIn(h.statisticsPage))
	h.mux.HandleFunc("GET /caseworker/paper", h.signedIn(h.paperPage))
	h.mux.HandleFunc("POST /caseworker/paper/{id}", h.signedIn(h.paperSubmit))
	h.mux.HandleFunc("GET /caseworker/users", h.signedIn(h.usersPage))
	h.mux.HandleFunc("POST /caseworker/users", h.signedIn(h.addUser))
	h.mux.HandleFunc("POST /caseworker/users/{id}/disabled", h.signedIn(h.disableUser))
	h.mux.HandleFunc("POST /caseworker/users/{id}/password", h.signedIn(h.resetPassword))
	h.mux.HandleFunc("POST /caseworker/users/{id}/decides", h.signedIn(h.setDecides))
	h.mux.HandleFunc("/caseworker/", h.page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
}

// kommune shows a kommunenummer with its name where the register has it:
// "0301 Oslo".
func (h *Handler) kommune(number string) string {
	if !h.cfg.Registers.HasKommuner() {
		return number
	}
	k, err := h.cfg.Registers.Kommunenummer(number, h.cfg.Clock())
	if err != nil || k.Name == "" {
		return number
	}
	return number + " " + k.Name
}

// unitName is a unit's name as the units file gives it; "" for none.
func (h *Handler) unitName(kommune string, unit *string) string {
	if unit == nil {
		return ""
	}
	return h.store.Units().Name(kommune, *unit)
}

// unitNames names an account's units: "Bydel Frogner, Bydel Sagene".
func (h *Handler) unitNames(refs []units.Ref) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = h.store.Units().Name(r.Kommune, r.Unit)
	}
	return strings.Join(names, ", ")
}

// pagePolicy is the pages' Content-Security-Policy.
const pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP serves the UI with its own Content-Security-Policy: its styles
// and images from itself, forms posted only to itself, no script (the paper
// form's page alone loads the widget), never framed; it frames only its own
// previews of a case's files.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", pagePolicy)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// Errors a handler returns, shown as pages.
var (
	errNotFound  = &pageError{status: http.StatusNotFound, title: nb("Fant ikke siden"), text: nb("Siden finnes ikke, eller du har ikke tilgang til den.")}
	errForbidden = &pageError{status: http.StatusForbidden, title: nb("Skjemaet er utløpt"), text: nb("Skjemaet var ikke lenger gyldig. Gå tilbake, last siden på nytt og prøv igjen.")}
)

// pageError is an error with the page that explains it.
type pageError struct {
	status      int
	title, text string
}

func (e *pageError) Error() string { return e.title }

// page runs a handler and shows its error, if any, as a page.
//
// A form post is read here, at most maxForm, and refused before any handler
// sees it if a field holds text the databases cannot store alike (security
// review V2).
func (h *Handler) page(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := readForm(w, r); err != nil {
			h.fail(w, r, err)
			return
		}
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	}
}

var errUnstorable = &pageError{status: http.StatusBadRequest, title: nb("Teksten kan ikke lagres"),
	text: nb("Et felt inneholder et kontrolltegn eller ugyldige tegn. Skriv teksten inn på nytt (ikke lim den inn fra et annet program), og prøv igjen.")}

// readForm parses a URL-encoded form post and checks its fields.
func readForm(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method != http.MethodPost || mt != "application/x-www-form-urlencoded" {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return &pageError{status: http.StatusBadRequest, title: nb("Skjemaet kunne ikke leses"), text: nb("Skjemaet som ble sendt, var for stort eller ødelagt. Gå tilbake og prøv igjen.")}
	}
	if input.Values("form", r.PostForm) != nil {
		return errUnstorable
	}
	return nil
}

// fail maps an error to its page: this is the one place an engine error
// becomes a status here. Not found and not yours look the same.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, engine.ErrNotFound):
		pe = errNotFound
	case errors.Is(err, engine.ErrConflict), errors.Is(err, engine.ErrIllegalTransition):
		pe = &pageError{status: http.StatusConflict, title: nb("Søknaden er endret"), text: conflictText(err)}
	default:
		if status, text, ok := refusal(h.langOf(r), err); ok {
			pe = &pageError{status: status, title: nb("Kan ikke utføres"), text: text}
			break
		}
		h.log.ErrorContext(r.Context(), "caseworker request failed", "route", r.Pattern, "error", err)
		pe = &pageError{status: http.StatusInternalServerError, title: nb("Noe gikk galt"), text: nb("Noe gikk galt hos oss. Prøv igjen om litt.")}
	}
	u, _ := userOf(r.Context())
	h.render(w, r, pe.status, "error", view{Title: pe.title, User: u, Data: pe.text})
}

func conflictText(err error) string {
	if errors.Is(err, casework.ErrStale) {
		return nb("Noen andre har endret søknaden etter at du åpnet den. Ingenting er lagret. Åpne søknaden på nytt for å se endringen.")
	}
	return nb("Søknaden er ikke lenger i en tilstand der dette kan gjøres. Åpne den på nytt for å se hvor den er.")
}

// view is what every page template gets.
type view struct {
	// Lang is the page's language; Here its own address, to come back to.
	Lang, Here string
	Title      string
	User       *engine.User
	CSRF       string
	Flash      string
	Data       any
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	if v.User != nil && v.CSRF == "" {
		v.CSRF = csrfOf(r.Context())
	}
	v.Lang, v.Here = h.langOf(r), r.URL.RequestURI()
	t := h.pages[v.Lang][name]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", name, "error", err)
		http.Error(w, "Noe gikk galt", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// --- sessions ---------------------------------------------------------------

// maxForm is the largest form post read: a message to a citizen and its
// list of fields fit many times over.
const maxForm = 256 << 10

// The session cookie: __Host- makes the browser refuse it unless it is
// Secure, for this host only and for every path.
const sessionCookie = "__Host-skjema-session"

type ctxKey int

const (
	userKey ctxKey = iota
	csrfKey
)

func userOf(ctx context.Context) (*engine.User, bool) {
	u, ok := ctx.Value(userKey).(*engine.User)
	return u, ok
}

func csrfOf(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey).(string)
	return s
}

// signedIn runs a handler for a signed-in user. Without a session a page is
// redirected to sign-in; a post without its session's CSRF token is refused
// (403) before anything is done. A user who still has the start password an
// admin handed out is sent to change it, and nothing else is done.
func (h *Handler) signedIn(fn func(w http.ResponseWriter, r *http.Request, u engine.User) error) http.HandlerFunc {
	return h.session(fn, false)
}

// withStartPassword is signedIn for what a user may do before she has
// changed her start password: change it, and sign out.
func (h *Handler) withStartPassword(fn func(w http.ResponseWriter, r *http.Request, u engine.User) error) http.HandlerFunc {
	return h.session(fn, true)
}

func (h *Handler) session(fn func(w http.ResponseWriter, r *http.Request, u engine.User) error, startPasswordAllowed bool) http.HandlerFunc {
	return h.page(func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(sessionCookie)
		var u engine.User
		var csrf string
		if err == nil {
			u, csrf, err = h.store.Accounts.SessionUser(r.Context(), c.Value)
		}
		if errors.Is(err, engine.ErrNotFound) || errors.Is(err, http.ErrNoCookie) {
			if r.Method != http.MethodGet {
				return errForbidden
			}
			http.Redirect(w, r, "/caseworker/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			got := r.Header.Get("X-CSRF-Token") // the paper form's widget
			if got == "" {
				got = r.PostFormValue("csrf")
			}
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(csrf)) != 1 {
				return errForbidden
			}
		}
		if u.MustChangePassword && !startPasswordAllowed {
			http.Redirect(w, r, "/caseworker/password", http.StatusSeeOther)
			return nil
		}
		ctx := context.WithValue(context.WithValue(r.Context(), userKey, &u), csrfKey, csrf)
		return fn(w, r.WithContext(ctx), u)
	})
}
