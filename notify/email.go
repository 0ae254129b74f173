package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of an SMTP server: STARTTLS required (the default, as a mail
// relay on the Internet), TLS from the first byte (port 465), or none (a
// relay on the same host or in tests).
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// SMTPConfig is where e-mail goes out.
type SMTPConfig struct {
	Addr     string // host:port of the relay
	From     string // the sender, e.g. "Oslo kommune <ikke-svar@oslo.kommune.no>"
	Username string // empty: no authentication
	Password string
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	// Domain is the right-hand side of Message-IDs; the From address's
	// domain by default.
	Domain string
}

// Email sends notices by SMTP, with wneessen/go-mail (a well-kept client
// that handles STARTTLS, authentication and RFC 5322 encoding).
type Email struct {
	cfg  SMTPConfig
	host string
	port int
}

// NewEmail checks the configuration; it does not connect.
func NewEmail(cfg SMTPConfig) (*Email, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("notify: the SMTP address %q is not host:port", cfg.Addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 {
		return nil, fmt.Errorf("notify: the SMTP address %q has no port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: the sender %q is not an e-mail address", cfg.From)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("notify: SMTP TLS is starttls, tls or none, not %q", cfg.TLS)
	}
	if cfg.Domain == "" {
		if _, domain, ok := cutLast(from.Address, "@"); ok {
			cfg.Domain = domain
		}
	}
	return &Email{cfg: cfg, host: host, port: port}, nil
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// Name is "email".
func (e *Email) Name() string { return "email" }

// ErrAddress: the recipient's address is not one mail can go to. Sending
// again will not help.
var ErrAddress = errors.New("not an e-mail address")

// Send delivers one message to the relay. Its Message-ID is the notice's
// id, so that a second delivery after a crash is recognisable as the same.
func (e *Email) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrAddress, err)
	}
	msg := gomail.NewMsg()
	if err := msg.From(e.cfg.From); err != nil {
		return err
	}
	if err := msg.To(to.Address); err != nil {
		return fmt.Errorf("%w: %v", ErrAddress, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@" + e.cfg.Domain)
	}
	if m.Lang != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, string(m.Lang))
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	opts := []gomail.Option{gomail.WithPort(e.port), gomail.WithTimeout(30 * time.Second)}
	switch e.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if e.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(e.cfg.Username), gomail.WithPassword(e.cfg.Password))
	}
	client, err := gomail.NewClient(e.host, opts...)
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send to the SMTP relay %s: %w", e.cfg.Addr, err)
	}
	return nil
}
