package web

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/skjema/skjema/web/ratelimit"
)

// maxDepth is the deepest JSON nesting the API reads. The bostøtte form
// nests four levels; 64 leaves room for any form while refusing inputs built
// to exhaust a parser.
const maxDepth = 64

// maxNumberLength and maxExponentDigits bound the numbers the API reads. Any
// amount a form asks for fits in far less; but the validator compares numbers
// exactly, and one 1e999999 costs it tens of milliseconds of CPU.
const (
	maxNumberLength   = 40
	maxExponentDigits = 3
)

// maxMembers is the most members one JSON object may have. The largest
// object in the bostøtte form has under twenty; a body of tens of thousands
// of unknown keys is refused here, in one pass over its bytes, before it is
// decoded into a map and validated (the security review's L2).
const maxMembers = 1000

// jsonShape scans a JSON text (already known to be valid) for the deepest
// nesting of objects and arrays, the most members in one object, and whether
// any number is too large to accept. Brackets, colons and digits inside
// strings do not count.
func jsonShape(b []byte) (depth, members int, hugeNumber bool) {
	level := 0
	// perLevel counts the members of the open object at each level; deeper
	// than maxDepth the body is refused anyway.
	var perLevel [maxDepth + 2]int
	inString, escaped := false, false
	numLen, expDigits, inExp := 0, 0, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		isNum := c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
		if isNum {
			numLen++
			switch {
			case c == 'e' || c == 'E':
				inExp, expDigits = true, 0
			case inExp && c >= '0' && c <= '9':
				expDigits++
			}
			if numLen > maxNumberLength || expDigits > maxExponentDigits {
				hugeNumber = true
			}
			continue
		}
		numLen, expDigits, inExp = 0, 0, false
		switch c {
		case '"':
			inString = true
		case '{', '[':
			level++
			depth = max(depth, level)
			if level < len(perLevel) {
				perLevel[level] = 0
			}
		case '}', ']':
			level--
		case ':': // outside a string, a colon ends an object member's name
			if level < len(perLevel) {
				perLevel[level]++
				members = max(members, perLevel[level])
			}
		}
	}
	return depth, members, hugeNumber
}

var errTooManyRequests = problem(http.StatusTooManyRequests, "too-many-requests", "Too many requests", "slow down and try again in a moment")

// limit answers 429 to a client over its rate, with Retry-After.
func (s *Server) limit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.Allow(ratelimit.Host(r.RemoteAddr), time.Now()) {
			w.Header().Set("Retry-After", strconv.Itoa(1))
			writeProblem(w, r, s.log, errTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var errDraftQuota = problem(http.StatusTooManyRequests, "too-many-drafts", "Too many new applications",
	"this address has started too many applications in a short time; continue one you have, or try again later")

var errUploadQuota = problem(http.StatusTooManyRequests, "upload-quota", "Too much uploaded",
	"this address has uploaded too much in a short time; try again later")

// allowDraft charges a new draft to the client address's hourly budget.
func (s *Server) allowDraft(w http.ResponseWriter, r *http.Request) error {
	if s.drafts == nil || s.drafts.Allow(ratelimit.Host(r.RemoteAddr), time.Now()) {
		return nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(time.Hour.Seconds())/max(1, s.draftsPerHour)))
	return errDraftQuota
}

// uploadQuota charges what an upload reads to the client address's hourly
// budget of bytes; over it, the read fails with errUploadQuota.
func (s *Server) uploadQuota(w http.ResponseWriter, r *http.Request, content io.Reader) io.Reader {
	if s.uploadBytes == nil {
		return content
	}
	return &quotaReader{r: content, charge: func(n int) error {
		if s.uploadBytes.AllowN(ratelimit.Host(r.RemoteAddr), time.Now(), n) {
			return nil
		}
		w.Header().Set("Retry-After", "600")
		return errUploadQuota
	}}
}

type quotaReader struct {
	r      io.Reader
	charge func(n int) error
}

func (q *quotaReader) Read(p []byte) (int, error) {
	n, err := q.r.Read(p)
	if n > 0 {
		if qerr := q.charge(n); qerr != nil {
			return 0, qerr
		}
	}
	return n, err
}

var errOverloaded = problem(http.StatusServiceUnavailable, "overloaded", "Overloaded", "the server is busy; try again in a moment")

// shed answers 503 with Retry-After at once when Config.MaxInFlight requests
// are being handled already. Past its capacity the server used to queue every
// request on the database until clients timed out and descriptors ran out,
// answering 500 (security review V6); now the excess costs microseconds.
// Health checks are never shed: a balancer must tell a busy node from a dead
// one.
func (s *Server) shed(next http.Handler) http.Handler {
	if s.inflight == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case s.inflight <- struct{}{}:
			defer func() { <-s.inflight }()
			next.ServeHTTP(w, r)
		default:
			s.metrics.shed.Inc()
			w.Header().Set("Retry-After", "1")
			writeProblem(w, r, s.log, errOverloaded)
		}
	})
}
