package queue

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/batches"
)

// Transports an agency can be reached by.
const (
	TransportPush = "push" // Skjema POSTs each sealed batch to the agency's URL
	TransportPull = "pull" // the agency fetches sealed batches from the agency API
)

// Agency is how one agency receives batches.
type Agency struct {
	// Transport is push or pull. Defaults to pull.
	Transport string `json:"transport"`
	// URL receives pushed batches.
	URL string `json:"url,omitempty"`
	// Secret signs pushed batches (HMAC-SHA256). It is configuration, never
	// stored in the database.
	Secret string `json:"secret,omitempty"`
}

// Push headers (DESIGN.md §4).
const (
	HeaderBatchID   = "Skjema-Batch-Id"
	HeaderSignature = "Skjema-Signature"
)

// Sign is the Skjema-Signature for a body sent at a time:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
func Sign(secret string, at time.Time, body []byte) string {
	t := strconv.FormatInt(at.Unix(), 10)
	return "t=" + t + ",v1=" + mac(secret, t, body)
}

func mac(secret, t string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(t))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// MaxSignatureAge is how old a signature a receiver accepts; older ones are
// replays.
const MaxSignatureAge = 5 * time.Minute

// ErrBadSignature is what Verify answers for a missing, wrong or stale
// signature.
var ErrBadSignature = errors.New("bad signature")

// Verify checks a Skjema-Signature on the receiving side: the HMAC matches
// and its time is within MaxSignatureAge of now (either way).
func Verify(secret, header string, body []byte, now time.Time) error {
	var t, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v1 == "" {
		return ErrBadSignature
	}
	if age := now.Sub(time.Unix(sec, 0)); age > MaxSignatureAge || age < -MaxSignatureAge {
		return fmt.Errorf("%w: signed %s ago", ErrBadSignature, age.Round(time.Second))
	}
	if !hmac.Equal([]byte(mac(secret, t, body)), []byte(v1)) {
		return ErrBadSignature
	}
	return nil
}

// PushResponse is what an agency may answer a push with: receipts now, or
// none (they come later through the agency API).
type PushResponse struct {
	Receipts []batches.ReceiptItem `json:"receipts"`
}

// misconfigured are the 4xx answers that say the push is set up wrong (its
// credentials or its address), not that the batch is refused.
var misconfigured = map[int]bool{http.StatusUnauthorized: true, http.StatusForbidden: true, http.StatusNotFound: true,
	http.StatusMethodNotAllowed: true, http.StatusProxyAuthRequired: true, http.StatusMisdirectedRequest: true}

// permanentError is a delivery that must not be retried (the agency answered
// 4xx: it will not take this batch as it is).
type permanentError struct{ error }

// unreadableReceipts is a 2xx answer whose body could not be read or is not
// receipts JSON: the agency has the batch (it said so), only its receipts are
// lost, and it can post them through the agency API.
type unreadableReceipts struct{ error }

// push POSTs a sealed batch. A 2xx settles it, and an unreadableReceipts
// error then says only that its body held no usable receipts; a 4xx is
// permanent, unless it says the push is set up wrong (misconfigured); anything else (5xx, timeout, connection refused) is temporary
// and retried.
func push(ctx context.Context, client *http.Client, a Agency, b batches.Batch, now time.Time) ([]batches.ReceiptItem, error) {
	body := []byte(b.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
	if err != nil {
		return nil, permanentError{fmt.Errorf("agency URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderBatchID, b.ID)
	req.Header.Set(HeaderSignature, Sign(a.Secret, now, body))
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("push batch %s: %w", b.ID, err)
	}
	defer res.Body.Close()
	answer, readErr := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		if readErr != nil {
			return nil, unreadableReceipts{fmt.Errorf("push batch %s: read the agency's answer: %w", b.ID, readErr)}
		}
		var pr PushResponse
		if len(bytes.TrimSpace(answer)) > 0 {
			if err := json.Unmarshal(answer, &pr); err != nil {
				return nil, unreadableReceipts{fmt.Errorf("push batch %s: the agency's answer is not receipts: %w", b.ID, err)}
			}
		}
		return pr.Receipts, nil
	case misconfigured[res.StatusCode]:
		// Not this batch's fault: the agency does not know us, or we have
		// its address wrong. Failing the batch would send every application
		// to the kommune's queue one by one (review finding 24); it is
		// retried instead, and the push failures alert the operator.
		return nil, fmt.Errorf("push batch %s: the agency answered %s: check its url and secret in the agencies file%s", b.ID, res.Status, excerpt(answer))
	case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusRequestTimeout:
		return nil, permanentError{fmt.Errorf("push batch %s: the agency refused it: %s%s", b.ID, res.Status, excerpt(answer))}
	}
	if readErr != nil {
		return nil, fmt.Errorf("push batch %s: %s (and its body could not be read: %v)", b.ID, res.Status, readErr)
	}
	return nil, fmt.Errorf("push batch %s: %s%s", b.ID, res.Status, excerpt(answer))
}

// excerpt is the start of an agency's error answer, for the log and the
// batch's last error: enough to say "maintenance until 03:00", on one line,
// with numbers and e-mail addresses an answer may echo scrubbed (an agency's
// 422 may repeat the fødselsnummer it refused).
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(body[:min(len(body), 1024)], nil))), " ")
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return ": " + strconv.Quote(scrub(s))
}

// ParseAgencies reads the agencies file strictly (issue #18 item 3): every
// name must be an agency the forms send to (known), every member one this
// file has, a push agency needs a URL and a secret, and its URL https
// unless on this host (loopback); a pull agency takes neither. It answers
// every problem at once.
func ParseAgencies(data []byte, known []string) (map[string]Agency, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON object of agencies: %w", err)
	}
	out := map[string]Agency{}
	var problems []error
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if !slices.Contains(known, name) {
			problems = append(problems, fmt.Errorf("%q is no agency the forms send to (%s)", name, strings.Join(known, ", ")))
			continue
		}
		var a Agency
		dec := json.NewDecoder(bytes.NewReader(raw[name]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			problems = append(problems, fmt.Errorf("%s: %v (the members are transport, url and secret)", name, err))
			continue
		}
		switch a.Transport {
		case TransportPush:
			u, err := url.Parse(a.URL)
			switch {
			case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
				problems = append(problems, fmt.Errorf("%s: push needs a url, https://…", name))
			case u.Scheme == "http" && !loopback(u.Hostname()):
				problems = append(problems, fmt.Errorf("%s: the url must be https (http only on this host)", name))
			}
			if a.Secret == "" {
				problems = append(problems, fmt.Errorf("%s: push needs the secret its batches are signed with", name))
			}
		case "", TransportPull:
			a.Transport = TransportPull
			if a.URL != "" || a.Secret != "" {
				problems = append(problems, fmt.Errorf("%s: a pull agency takes no url or secret (did you mean transport push?)", name))
			}
		default:
			problems = append(problems, fmt.Errorf("%s: transport is push or pull, not %q", name, a.Transport))
		}
		out[name] = a
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return out, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
