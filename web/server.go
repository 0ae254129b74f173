// Package web speaks HTTP: the citizen API and the widget's assets, the
// agency API, health checks and metrics; the caseworker UI is its own
// package, web/caseworker, mounted at /caseworker/. Handlers are thin:
// decode, call engine, encode; toProblem maps every error to an RFC 9457
// problem document in one place.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/freg"
	"github.com/skjema/skjema/web/input"
	"github.com/skjema/skjema/web/ratelimit"
	"github.com/skjema/skjema/web/signin"
)

// Config for the HTTP handler.
type Config struct {
	// Store holds the applications. Required.
	Store *engine.Store
	// Forms are the forms the API serves and validates against. Required.
	Forms *forms.Registry
	// Logger defaults to slog.Default(). Request logs carry the route,
	// status and duration, never bodies, query strings or field values.
	Logger *slog.Logger
	// Registry serves /metrics. Defaults to a new registry.
	Registry *prometheus.Registry
	// RatePerClient limits requests per second from one client address to
	// the API, with bursts of RateBurst; over it the answer is 429. Zero
	// turns the limit off (the default, for tests and benchmarks; serve sets
	// its own).
	RatePerClient float64
	RateBurst     int
	// DraftsPerHour limits the new drafts one client address may start in
	// an hour (in bursts of as many), and UploadBytesPerHour the bytes it
	// may upload: anyone may start a draft, so without them one address
	// could fill the disk (security review V3). Zero turns a limit off (the
	// default; serve sets 60 drafts and 500 MiB).
	DraftsPerHour      int
	UploadBytesPerHour int64
	// UploadsPerAddress is how many uploads one client address may have in
	// flight at once: the memory all uploads share is taken a chunk at a
	// time while a client sends, so one address that trickles many uploads
	// could otherwise hold all of it. Zero turns the limit off (the default;
	// serve sets 4).
	UploadsPerAddress int
	// MaxInFlight caps the requests handled at once. One more is answered
	// at once with 503 and Retry-After: 1, without touching the database;
	// /healthz and /readyz are never refused. Zero means no cap (the
	// default, for tests and benchmarks; serve sets its own).
	MaxInFlight int
	// Origins are the kommune web sites allowed to call the citizen API from
	// a browser (the embedded widget), as "https://www.oslo.kommune.no".
	// Defaults to none: no CORS.
	Origins []string
	// HSTS sends Strict-Transport-Security on every response, for a server
	// behind a load balancer that terminates TLS. Defaults to off: then it is
	// sent only on requests that came over TLS to this process.
	HSTS bool
	// ExampleDir, when set, is served at /example/: the example kommune page
	// that embeds the widget (skjema serve -dev). Empty in production.
	ExampleDir string
	// Caseworker serves the caseworker UI at /caseworker/ (package
	// web/caseworker). Defaults to none.
	Caseworker http.Handler
	// Registers are the imported kommune and postnummer registers: the
	// widget shows the poststed after a postnummer, and the review page the
	// kommune's name. Defaults to none (only numbers are shown).
	Registers *nid.Registers
	// IDPorten signs citizens in (package identity). Defaults to none: no
	// sign-in; whether a citizen may then apply at all is the store's
	// anonymous route (engine.Config.Anonymous).
	IDPorten *identity.IDPorten
	// PublicURL is this server's address as browsers reach it
	// ("https://skjema.oslo.kommune.no"): where ID-porten's sign-out comes
	// back to, and a page of it may be returned to after a sign-in (the
	// example page). Cookies are Secure when it is https. Required with
	// IDPorten.
	PublicURL string
	// Folkeregisteret fills a signed-in citizen's draft with her household
	// (package identity/freg). Defaults to none: she fills in by hand.
	Folkeregisteret *freg.Client
}

// Server is the HTTP side of Skjema.
type Server struct {
	store   *engine.Store
	forms   *forms.Registry
	log     *slog.Logger
	metrics *httpMetrics
	// refusedSeen and refusedOrigins remember the sites refused (see
	// logRefusedOrigin).
	refusedSeen sync.Map
	// definitions holds encoded form definitions (see definition).
	definitions    sync.Map
	refusedOrigins atomic.Int64
	registry       *prometheus.Registry
	limiter        *ratelimit.Keyed
	// drafts and uploadBytes are the per-address budgets of new drafts and
	// uploaded bytes; nil when off.
	drafts        *ratelimit.Keyed
	draftsPerHour int
	uploadBytes   *ratelimit.Keyed
	inflight      chan struct{} // a token per request being handled; nil: no cap
	uploading     inFlight      // uploads in flight per client address
	hsts          bool
	origins       map[string]bool
	example       string
	cw            http.Handler
	registers     *nid.Registers
	signin        *signin.Service
	draining      atomic.Bool
}

// Drain makes /readyz answer 503 from now on, so that a load balancer stops
// sending requests here before the server shuts down; requests that still
// come are served as usual.
func (s *Server) Drain() { s.draining.Store(true) }

// New builds the server. It refuses a Config without a Store or Forms, as
// queue.New and caseworker.New do, rather than build a server that fails
// on the first request that needs them.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Forms == nil {
		return nil, errors.New("web: Store and Forms are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = slog.New(LogHandler(cfg.Logger.Handler()))
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{store: cfg.Store, forms: cfg.Forms, log: cfg.Logger, registry: cfg.Registry, hsts: cfg.HSTS, example: cfg.ExampleDir, cw: cfg.Caseworker,
		registers: cfg.Registers}
	var err error
	s.signin, err = signin.New(signin.Config{Store: cfg.Store, Forms: cfg.Forms, IDPorten: cfg.IDPorten, Folkeregisteret: cfg.Folkeregisteret,
		PublicURL: cfg.PublicURL, Origins: cfg.Origins, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.origins = map[string]bool{}
	for _, o := range cfg.Origins {
		s.origins[strings.TrimSuffix(o, "/")] = true
	}
	s.metrics = newHTTPMetrics(cfg.Registry)
	if cfg.RatePerClient > 0 {
		s.limiter = ratelimit.New(cfg.RatePerClient, cfg.RateBurst)
	}
	s.uploading.max = cfg.UploadsPerAddress
	if cfg.DraftsPerHour > 0 {
		s.drafts, s.draftsPerHour = ratelimit.New(float64(cfg.DraftsPerHour)/3600, cfg.DraftsPerHour), cfg.DraftsPerHour
	}
	if cfg.UploadBytesPerHour > 0 {
		s.uploadBytes = ratelimit.New(float64(cfg.UploadBytesPerHour)/3600, int(cfg.UploadBytesPerHour))
	}
	if cfg.MaxInFlight > 0 {
		s.inflight = make(chan struct{}, cfg.MaxInFlight)
	}
	return s, nil
}

// route is one endpoint of the API.
type route struct {
	pattern string
	handle  func(w http.ResponseWriter, r *http.Request) error
}

func (s *Server) routes() []route {
	return []route{
		{"GET /api/v1/forms", s.listForms},
		{"GET /api/v1/forms/{form}", s.getForm},
		{"POST /api/v1/forms/{form}/validate", s.validate},
		{"POST /api/v1/drafts", s.createDraft},
		{"GET /api/v1/drafts/{id}", s.getDraft},
		{"PUT /api/v1/drafts/{id}", s.putDraft},
		{"GET /api/v1/drafts/{id}/copy", s.applicationCopy},
		{"POST /api/v1/forms/{form}/submissions", s.submit},
		{"POST /api/v1/drafts/{id}/files", s.uploadFile},
		{"POST /api/v1/drafts/{id}/prefill", s.signin.Prefill},
		{"DELETE /api/v1/drafts/{id}/files/{file}", s.deleteFile},
		{"GET /api/v1/submissions/{id}", s.submissionStatus},
		{"GET /api/v1/postnummer/{postnummer}", s.postnummer},
		{"GET /api/v1/sign-in", s.signin.Info},
		{"POST /api/v1/citizen/session", s.signin.Session},
		{"GET /api/v1/citizen", s.signin.Citizen},
		{"GET /api/v1/citizen/applications", s.signin.Applications},
		{"GET /api/v1/citizen/applications/{id}/letters/{letter}", s.signin.Letter},
		{"POST /api/v1/citizen/sign-out", s.signin.SignOut},
		{"GET /auth/idporten/login", s.signin.Login},
		{"GET /auth/idporten/callback", s.signin.Callback},
		{"GET /auth/idporten/signed-out", s.signin.SignedOut},
		{"GET /api/v1/agency/batches", s.listBatches},
		{"GET /api/v1/agency/batches/{id}", s.getBatch},
		{"POST /api/v1/agency/batches/{id}/receipts", s.postReceipts},
		{"GET /api/v1/agency/files/{id}", s.agencyFile},
		{"GET /api/v1/agency/applications/{reference}/copy", s.agencyCopy},
		{"GET /api/v1/openapi.json", serveOpenAPI},
		{"GET /healthz", healthz},
		{"GET /readyz", s.ready},
	}
}

// Routes lists the API's patterns ("GET /api/v1/forms"), for the OpenAPI
// check.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.pattern)
	}
	return out
}

// AdminHandler serves what an operator's tools read, on a listener of its
// own (serve's -admin-addr) that the citizens' and agencies' traffic never
// reaches: /metrics (Prometheus), and /healthz and /readyz as on the public
// listener.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	mux.Handle("GET /healthz", s.answer(healthz))
	mux.Handle("GET /readyz", s.answer(s.ready))
	return mux
}

// answer serves a handler, answering the error it returns as a problem.
func (s *Server) answer(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeProblem(w, r, s.log, err)
		}
	}
}

func healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// Handler routes every request.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		handler := s.observe(s.answer(rt.handle))
		if _, path, _ := strings.Cut(rt.pattern, " "); strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/auth/") {
			handler = s.limit(handler)
		}
		mux.Handle(rt.pattern, handler)
	}
	mux.Handle("GET /widget/{file}", s.observe(serveWidget))
	if s.example != "" {
		mux.Handle("GET /example/", s.observe(serveExample(s.example).ServeHTTP))
		mux.Handle("GET /{$}", http.RedirectHandler("/example/", http.StatusFound))
	}
	if s.cw != nil {
		mux.Handle("/caseworker/", s.observe(s.cw.ServeHTTP))
	}
	mux.Handle("/", s.observe(func(w http.ResponseWriter, r *http.Request) { writeProblem(w, r, s.log, errNotFound) }))
	return s.securityHeaders(s.cors(s.shed(s.refuseUnstorable(mux))))
}

// refuseUnstorable answers 400 to a request whose path, query or headers
// hold text the databases cannot store alike, before any handler (or the
// example page's file server) sees it.
func (s *Server) refuseUnstorable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := input.Request(r); err != nil {
			writeProblem(w, r, s.log, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	if s.draining.Load() {
		return problem(http.StatusServiceUnavailable, "not-ready", "Not ready", "shutting down")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		// The database's own words (a host name, a user) are for the log,
		// not for whoever asks.
		s.log.WarnContext(r.Context(), "not ready: the database does not answer or is not migrated", "error", err)
		return problem(http.StatusServiceUnavailable, "not-ready", "Not ready", "the database does not answer or is not migrated; the log says why")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// securityHeaders: the API serves JSON only, so nothing may run, frame or
// sniff it.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if r.TLS != nil || s.hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
