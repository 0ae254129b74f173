package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// A request id names one request in every log line written while it is
// handled, and in its answer's X-Request-Id, so that an operator can find
// the lines of a request a citizen or an agency reports. A proxy's id is
// kept when it is a short token; otherwise the server makes one.
type requestIDKey struct{}

const headerRequestID = "X-Request-Id"

func requestID(given string) string {
	if len(given) > 0 && len(given) <= 64 && isToken(given) {
		return given
	}
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// RequestID is the id of the request being handled in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler adds the request id to every line logged with a request's
// context. A handler that already does is returned as it is.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
