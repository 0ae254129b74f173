// Package notify tells citizens that there is news of their applications:
// by e-mail now, through a Channel so that an SMS gateway or Digipost can
// be added beside it. As public services do, a notice says only that there
// is news and where to sign in to read it, in the citizen's language: no
// personal data, no reference, no reason. The texts are the form's own
// (notice.* in its texts files).
//
// Notices are sent by River jobs (package queue), one per notice the
// engine wrote in the transaction of the change it tells of
// (engine/notices).
package notify

import (
	"context"
	"strings"

	"github.com/skjema/skjema/forms"
)

// Message is one notice, ready for a channel.
type Message struct {
	To      string // the address: e-mail for Email
	Subject string
	Text    string // plain text
	Lang    forms.Lang
	// ID identifies the notice; a channel that can uses it to make a
	// second delivery of the same notice recognisable (Message-ID).
	ID string
}

// Channel sends messages one way: e-mail, SMS, Digipost.
type Channel interface {
	// Name is how the channel is recorded with a sent notice ("email").
	Name() string
	Send(ctx context.Context, m Message) error
}

// Reader is how the citizen reads more of her application.
type Reader int

const (
	// SignedIn: in Mine søknader, signed in with ID-porten.
	SignedIn Reader = iota
	// WithLink: with the link on her receipt; she did not sign in.
	WithLink
	// OnPaper: she applied on paper, and has neither.
	OnPaper
)

// Compose writes the notice of an event in the form's texts, in the
// language: what happened, and where she reads more. One signed in is sent
// to sign in (readURL, the kommune's page with the form; empty: "where you
// applied"); one who did not sign in to her link (notice.readUnsigned);
// a paper applicant to the kommune (notice.readPaper). Neither of the last
// two can read a letter in Mine søknader: where the form has
// notice.<event>.unsigned, that text is their whole notice (the kommune's
// decision letter goes by post).
func Compose(f *forms.Form, lang forms.Lang, event, readURL string, reader Reader) Message {
	if lang == "" {
		lang = forms.Bokmal
	}
	if t := f.Text(lang, "notice."+event+".unsigned"); reader != SignedIn && t != "" {
		return Message{Subject: f.Text(lang, "notice.subject"), Text: t + "\n\n-- \n" + f.Text(lang, "notice.footer"), Lang: lang}
	}
	read := f.Text(lang, "notice.readHere")
	switch {
	case reader == WithLink:
		read = f.Text(lang, "notice.readUnsigned") // her link, not a sign-in she did not use
	case reader == OnPaper:
		read = f.Text(lang, "notice.readPaper")
	case readURL != "":
		read = strings.ReplaceAll(f.Text(lang, "notice.read"), "{url}", readURL)
	}
	// The footer after the signature separator ("-- " on its own line).
	body := f.Text(lang, "notice."+event) + "\n\n" + read + "\n\n-- \n" + f.Text(lang, "notice.footer")
	return Message{Subject: f.Text(lang, "notice.subject"), Text: body, Lang: lang}
}
