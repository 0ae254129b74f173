package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/engine/notices"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/notify"
)

// NotifyArgs asks for one notice to be sent to the citizen.
type NotifyArgs struct {
	NoticeID string `json:"notice_id"`
}

// Kind is River's name for the job.
func (NotifyArgs) Kind() string { return "notify" }

type notifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	q *Queue
}

// Work sends a notice by the installation's channel, to the address the
// citizen gave in her application, in her language. A notice that was
// sent, or can never be (no address, no channel), is settled and not sent
// again; a channel that fails is tried again with backoff, and the last
// attempt fails the notice.
func (w *notifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	svc := w.q.store.Notices
	n, due, err := svc.Due(ctx, job.Args.NoticeID)
	if err != nil || !due {
		return err
	}
	if w.q.cfg.Notifier == nil {
		return svc.MarkUnsendable(ctx, n.ID, notices.NoChannel)
	}
	f, ok := w.q.cfg.Forms.Form(n.Form)
	if !ok {
		return fmt.Errorf("notice %s: no form %q", n.ID, n.Form)
	}
	to := address(f, n.Data)
	if to == "" {
		return svc.MarkUnsendable(ctx, n.ID, notices.NoAddress)
	}
	reader := notify.SignedIn
	switch {
	case n.Paper:
		reader = notify.OnPaper
	case !n.Owned:
		reader = notify.WithLink
	}
	m := notify.Compose(f, forms.ParseLang(n.Lang), n.Event, w.q.cfg.ReadURL, reader)
	m.To, m.ID = to, n.ID
	if err := w.q.cfg.Notifier.Send(ctx, m); err != nil {
		final := job.Attempt >= job.MaxAttempts || errors.Is(err, notify.ErrAddress)
		if merr := svc.MarkAttempt(ctx, n.ID, err, final); merr != nil {
			return errors.Join(err, merr)
		}
		if errors.Is(err, notify.ErrAddress) {
			return river.JobCancel(err) // another try would not help
		}
		return err
	}
	w.q.log.InfoContext(ctx, "notice sent", "notice", n.ID, "event", n.Event, "channel", w.q.cfg.Notifier.Name())
	return svc.MarkSent(ctx, n.ID, w.q.cfg.Notifier.Name())
}

// address is the e-mail address the applicant gave, where the form asks
// for one.
func address(f *forms.Form, data string) string {
	if f.Layout.Email == "" {
		return ""
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		return ""
	}
	v, _ := jsondoc.Lookup(doc, jsondoc.Split(f.Layout.Email))
	s, _ := v.(string)
	return s
}
