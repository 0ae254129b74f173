package queue

import (
	"context"
	"log/slog"
)

// riverChatter lowers River's own log lines below WARN to DEBUG: its
// "producer job counts" every few seconds and "job errored; retrying" are a
// developer's detail, and the workers log what an operator needs (a batch
// sealed, pushed, delivered, or refused) themselves. River's warnings and
// errors keep their level.
type riverChatter struct{ slog.Handler }

func (h riverChatter) Enabled(ctx context.Context, l slog.Level) bool {
	if l < slog.LevelWarn {
		l = slog.LevelDebug
	}
	return h.Handler.Enabled(ctx, l)
}

func (h riverChatter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h riverChatter) WithAttrs(as []slog.Attr) slog.Handler {
	return riverChatter{h.Handler.WithAttrs(as)}
}

func (h riverChatter) WithGroup(name string) slog.Handler {
	return riverChatter{h.Handler.WithGroup(name)}
}
