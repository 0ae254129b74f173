package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/notify"
	"github.com/skjema/skjema/notify/smtptest"
)

func bostotte(t *testing.T) *forms.Form {
	t.Helper()
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := reg.Form("bostotte")
	return f
}

// TestAnEmailSaysThereIsNewsInHerLanguage: the notice reaches a real SMTP
// server with its subject and text in the citizen's language, where to
// read more, the notice's id as Message-ID, and nothing about her.
func TestAnEmailSaysThereIsNewsInHerLanguage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Serve(t)
	email, err := notify.NewEmail(notify.SMTPConfig{Addr: srv.Addr, From: "Oslo kommune <ikke-svar@oslo.kommune.no>", TLS: notify.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	f := bostotte(t)
	m := notify.Compose(f, forms.Nynorsk, "returned", "https://www.oslo.kommune.no/bostotte/", notify.SignedIn)
	m.To, m.ID = "kari.nordmann@example.no", "a1b2c3"
	if err := email.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if got.Header.Get("Subject") != f.Text(forms.Nynorsk, "notice.subject") || got.Header.Get("Content-Language") != "nn" {
		t.Errorf("subject %q, language %q", got.Header.Get("Subject"), got.Header.Get("Content-Language"))
	}
	if got.Header.Get("Message-Id") != "<a1b2c3@oslo.kommune.no>" || got.To[0] != "kari.nordmann@example.no" {
		t.Errorf("Message-ID %q, to %v", got.Header.Get("Message-Id"), got.To)
	}
	for _, want := range []string{f.Text(forms.Nynorsk, "notice.returned"), "https://www.oslo.kommune.no/bostotte/", f.Text(forms.Nynorsk, "notice.footer")} {
		if !strings.Contains(got.Body, want) {
			t.Errorf("the body lacks %q:\n%s", want, got.Body)
		}
	}
	if strings.Contains(string(got.Raw), "Kari") || strings.Contains(string(got.Raw), "BOS-") {
		t.Errorf("the mail names her or her application:\n%s", got.Raw)
	}
}

func TestComposeWithoutAnAddressToReadAt(t *testing.T) {
	t.Parallel()
	f := bostotte(t)
	m := notify.Compose(f, forms.English, "accepted", "", notify.SignedIn)
	if m.Subject != f.Text(forms.English, "notice.subject") || !strings.Contains(m.Text, f.Text(forms.English, "notice.readHere")) {
		t.Fatalf("%+v", m)
	}
	// One blank line between paragraphs, and the footer after "-- ".
	if want := f.Text(forms.English, "notice.accepted") + "\n\n" + f.Text(forms.English, "notice.readHere") + "\n\n-- \n" + f.Text(forms.English, "notice.footer"); m.Text != want {
		t.Errorf("the notice reads %q, want %q", m.Text, want)
	}
}

func TestEmailRefusesWhatIsNoAddress(t *testing.T) {
	t.Parallel()
	email, err := notify.NewEmail(notify.SMTPConfig{Addr: "127.0.0.1:9", From: "ikke-svar@oslo.kommune.no", TLS: notify.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	if err := email.Send(context.Background(), notify.Message{To: "not an address"}); !errors.Is(err, notify.ErrAddress) {
		t.Fatalf("%v, want ErrAddress", err)
	}
	for _, bad := range []notify.SMTPConfig{{Addr: "nohost", From: "a@b.no"}, {Addr: "h:25", From: "nobody"}, {Addr: "h:25", From: "a@b.no", TLS: "ssl3"}} {
		if _, err := notify.NewEmail(bad); err == nil {
			t.Errorf("NewEmail(%+v) took it", bad)
		}
	}
}

// TestANoticeToWhoCannotSignInSaysTheLetterComesByPost: a startlån decision
// on an application no signed-in citizen owns (paper, or sent without
// ID-porten) cannot be read in Mine søknader; the notice says the letter
// comes by post and does not send her to sign in (code review: she was
// told to read a letter she could never reach). Other notices send her to
// her link, or on paper to the kommune.
func TestANoticeToWhoCannotSignInSaysTheLetterComesByPost(t *testing.T) {
	t.Parallel()
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := reg.Form("startlan")
	for _, lang := range forms.Langs {
		for _, event := range []string{"decided", "rejected"} {
			signed := notify.Compose(f, lang, event, "https://www.oslo.kommune.no/startlan/", notify.SignedIn)
			if !strings.Contains(signed.Text, "Mine søknader") || !strings.Contains(signed.Text, "https://www.oslo.kommune.no/startlan/") {
				t.Errorf("%s %s, signed in: %q", lang, event, signed.Text)
			}
			for _, reader := range []notify.Reader{notify.WithLink, notify.OnPaper} {
				post := notify.Compose(f, lang, event, "https://www.oslo.kommune.no/startlan/", reader)
				if strings.Contains(post.Text, "Mine søknader") || strings.Contains(post.Text, "https://") ||
					!strings.Contains(post.Text, f.Text(lang, "notice."+event+".unsigned")) || !strings.HasSuffix(post.Text, f.Text(lang, "notice.footer")) {
					t.Errorf("%s %s, not signed in (%d): %q", lang, event, reader, post.Text)
				}
			}
		}
	}
	// Other events send her to her link, not to a sign-in she did not use.
	for _, form := range []string{"startlan", "bostotte"} {
		f, _ := reg.Form(form)
		m := notify.Compose(f, forms.Bokmal, "returned", "https://www.oslo.kommune.no/", notify.WithLink)
		if !strings.Contains(m.Text, f.Text(forms.Bokmal, "notice.returned")) || !strings.Contains(m.Text, f.Text(forms.Bokmal, "notice.readUnsigned")) ||
			strings.Contains(m.Text, "Logg inn med ID-porten") {
			t.Errorf("%s returned, not signed in: %q", form, m.Text)
		}
		// On paper there is no link to open: the kommune is where she asks.
		if m := notify.Compose(f, forms.Bokmal, "returned", "https://www.oslo.kommune.no/", notify.OnPaper); !strings.Contains(m.Text, f.Text(forms.Bokmal, "notice.readPaper")) ||
			strings.Contains(m.Text, "lenken") || strings.Contains(m.Text, "Logg inn med ID-porten") {
			t.Errorf("%s returned, on paper: %q", form, m.Text)
		}
	}
}
