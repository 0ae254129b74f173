package web

import (
	"net/http"
	"strings"
)

// cors lets the widget, embedded on a kommune's own site, call the citizen
// API from the browser, for the origins the installation allows and no
// others. The agency API and operations endpoints never answer CORS.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		citizen := strings.HasPrefix(r.URL.Path, "/api/v1/") && !strings.HasPrefix(r.URL.Path, "/api/v1/agency/")
		if origin == "" || !citizen {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		if !s.origins[origin] {
			s.logRefusedOrigin(r, origin)
			if r.Method == http.MethodOptions {
				writeProblem(w, r, s.log, problem(http.StatusForbidden, "origin-not-allowed", "Origin not allowed", "this installation does not serve the site "+origin))
				return
			}
			next.ServeHTTP(w, r) // the browser withholds the answer: no Allow-Origin
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "ETag, Location, Retry-After, X-Request-Id")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, If-Match, Accept-Language")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logRefusedOrigin tells the operator, once per site, that a page the
// installation does not serve embeds the widget: a kommune whose site is
// missing from -origins sees only "the form could not be loaded". At most
// 100 sites are remembered, so that a flood of made-up origins cannot grow
// the log or the memory.
func (s *Server) logRefusedOrigin(r *http.Request, origin string) {
	if s.refusedOrigins.Load() >= 100 {
		return
	}
	if len(origin) > 200 {
		origin = origin[:200] // a site's origin is short; a made-up one need not be kept whole
	}
	if _, seen := s.refusedSeen.LoadOrStore(origin, true); seen {
		return
	}
	s.refusedOrigins.Add(1)
	s.log.WarnContext(r.Context(), "a site not in -origins (SKJEMA_ORIGINS) calls the citizen API; its browser withholds the answers", "origin", origin)
}
