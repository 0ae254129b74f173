package engine

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/forms"
)

// SubmitRequest is one submit as the citizen API receives it.
type SubmitRequest struct {
	Form *forms.Form
	// Body is the document exactly as sent; its hash makes a retry with the
	// same key recognisable.
	Body []byte
	// IdempotencyKey identifies the submit: a draft's id (with its Token), or
	// a random key of the client's own of at least 16 characters, which then
	// also serves as the token for reading the application's status.
	IdempotencyKey string
	// Token is the draft's resume token, or the session token of the
	// citizen signed in with ID-porten: then the application is hers, and
	// its applicant is the person ID-porten vouched for.
	Token string
	// Kommune is the kommune the application is for; empty means the
	// address's kommunenummer.
	Kommune string
	Lang    forms.Lang
	// Registrar is the caseworker who registers a paper application on the
	// citizen's behalf; nil for the citizen's own submit. It is the submit
	// event's actor, and the application's channel is then "paper".
	Registrar *User
}

// Receipt is what the citizen gets back: the same for every retry.
type Receipt struct {
	ID          string    `json:"id"`
	Reference   string    `json:"reference"`
	Status      Status    `json:"status"`
	SubmittedAt time.Time `json:"submittedAt"`
	// ApplicationMonth is the month the application is for (yyyy-mm).
	ApplicationMonth string `json:"applicationMonth,omitempty"`
}

// MinIdempotencyKey is the shortest key a client may submit without a draft:
// the key is then also the secret that reads the status.
const MinIdempotencyKey = 16

// Submit validates a document in full and, if it is valid, stores the
// application, its audit event and its routing job in one transaction. It
// answers only once that transaction is durably committed. A retry with the
// same key and document gets the same receipt and creates nothing; the same
// key with another document is ErrConflict (unless the application was
// returned to the citizen: that is her resubmission).
//
// The application's kommune is the draft's, or for a submit without a draft
// the one the request names; where the installation lists its kommuner it
// must be one of them, and the address the citizen gives must lie in it.
func (s *Store) Submit(ctx context.Context, req SubmitRequest) (Receipt, error) {
	if s.enqueuer == nil {
		return Receipt{}, fmt.Errorf("submit: %w", errNoEnqueuer)
	}
	if len(req.IdempotencyKey) > 200 {
		return Receipt{}, fmt.Errorf("%w: the Idempotency-Key is longer than 200 characters", ErrInvalid)
	}
	// The citizen never types her kommune (issue #13 item 7): it is the one
	// the request names, or her draft's, and her address must lie in it.
	kommune := req.Kommune
	if kommune == "" {
		kommune = s.draftKommune(ctx, req.IdempotencyKey)
	}
	citizen, unidentified, err := s.Citizens.Applicant(ctx, req.Token, req.Form, req.Registrar != nil, s.anonymous)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	body := req.Body
	if citizen != nil {
		if body, err = citizens.WithApplicant(req.Form, body, citizen.PID); err != nil {
			return Receipt{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	opts := forms.Options{Mode: forms.Full, Lang: req.Lang, Kommune: kommune}
	res, err := req.Form.ValidateJSON(body, opts)
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	// The document re-encoded (keys sorted, no spaces) is what is stored, and
	// what the request hash covers: a client that rebuilds its JSON for a
	// retry sends the same document, not a different one.
	data, err := json.Marshal(res.Document)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	sum := sha256.Sum256(append([]byte(req.Form.ID+"\x00"+req.Kommune+"\x00"), data...))
	requestHash := hex.EncodeToString(sum[:])
	// While the kommune waits for documents (ettersending), they are all
	// she may change, so they are all that is checked: her answers were
	// taken when she sent them, and a rule or a register that has moved on
	// since must not hold her documents up with an error she may not fix.
	// A retry of such a send gets its receipt. The transaction makes sure
	// it is still so (lenient).
	var lenient *forms.Result
	if !res.Valid {
		switch asked := s.askedDocuments(ctx, req.IdempotencyKey, req.Token); {
		case len(asked) > 0:
			if mine := documentsOnly(res, asked); !mine.Valid {
				return Receipt{}, invalid(mine)
			}
		case !s.sentBefore(ctx, req.IdempotencyKey, requestHash):
			return Receipt{}, invalid(res)
		}
		lenient = &res
	}

	// Where references are handed out before the transaction, taking one
	// inside would hold a pooled connection while waiting for another.
	ref, err := s.referenceBefore(ctx, req.Form)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	// The submit's time, fixed here, decides the month applied for; age and
	// household are judged on its 1st (forskrift om bustøtte § 10).
	now := s.now()
	// A form without the monthly calendar is for no month: its
	// applications are handled as they come, and judged on the day.
	var month calendar.Month
	on := now.In(calendar.Oslo)
	if req.Form.Calendar() == forms.CalendarMonthly {
		month = s.calendar.ApplicationMonth(now, req.channel())
		on = month.First()
	}
	// The routing rules run here, on the document already decoded, outside
	// the transaction: the route job then need not read and decode it.
	reasonList := req.Form.ReviewReasons(res.Document, on)
	if unidentified && s.anonymous == AnonymousReview {
		reasonList = append(reasonList, ReasonUnidentified)
	}
	if req.Form.Road() == forms.RoadKommune {
		// The kommune decides every application of the form: each goes to
		// its caseworkers, and none into a batch.
		reasonList = append(reasonList, ReasonKommuneDecides)
	}
	reasons := strings.Join(reasonList, ",")
	var receipt Receipt
	write := func(tx Tx) error {
		r, err := s.submitTx(ctx, tx, submission{req: req, opts: opts, doc: res.Document, data: string(data), requestHash: requestHash,
			ref: ref, reasons: reasons, now: now, month: month, citizen: citizen, lenient: lenient})
		receipt = r
		return err
	}
	err = s.write(ctx, write)
	if errors.Is(err, errUnique) || errors.Is(err, errRaced) {
		// Two submits with one key raced on PostgreSQL: the loser now finds
		// the winner's row and answers its receipt.
		err = s.write(ctx, write)
	}
	if errors.Is(err, errRaced) {
		err = fmt.Errorf("%w: the application changed while it was submitted", ErrConflict)
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	return receipt, nil
}

// draftKommune is the kommune of the application a key names (a draft's
// id), read on the readers; empty if it names none. The transaction checks
// it again (applicationKommune).
func (s *Store) draftKommune(ctx context.Context, key string) string {
	var k string
	if err := s.read().Get(ctx, &k, `SELECT kommune FROM applications WHERE id = ?`, key); err != nil {
		return ""
	}
	return k
}

// lang is the language the citizen used, which her notices are written in.
func (req SubmitRequest) lang() forms.Lang {
	if req.Lang == "" {
		return forms.Bokmal
	}
	return req.Lang
}

// channel is how the application reaches the kommune: on paper where a
// caseworker registers it.
func (req SubmitRequest) channel() calendar.Channel {
	if req.Registrar != nil {
		return calendar.Paper
	}
	return calendar.Digital
}

// ApplicationMonth is the month an application of the channel completed now
// would be for: what the citizen's review page tells her before she submits.
func (s *Store) ApplicationMonth(ch calendar.Channel) calendar.Month {
	return s.calendar.ApplicationMonth(s.now(), ch)
}

// submission is one submit as its transaction writes it: the request, the
// validated document, and what was decided before the transaction.
type submission struct {
	req         SubmitRequest
	doc         map[string]any
	data        string // the document as stored
	requestHash string
	ref         string // the reference, where taken before the transaction
	reasons     string // the routing rules' reasons
	now         time.Time
	month       calendar.Month
	citizen     *record.Citizen // signed in with ID-porten; nil if not
	opts        forms.Options   // how the document was validated
	// lenient is the validation of a document that did not pass, taken
	// because only the documents asked for were checked, or as the retry
	// of such a send: refused unless the application still waits for them,
	// or the same send was taken before.
	lenient *forms.Result
}

// ReasonUnidentified is the queue reason of an unidentified applicant's
// application where the anonymous route is for review (citizens').
const ReasonUnidentified = citizens.ReasonUnidentified

// errRaced is a submit that lost a race for the draft it submits: another
// submit of it committed first. Submit runs it again once, to answer the
// winner's receipt.
var errRaced = errors.New("submit raced another")

// submitRow is what a submit needs to know of an existing row: a prior
// submit under the same key, or the draft the key names.
type submitRow struct {
	ID              string     `db:"id"`
	Form            string     `db:"form"`
	Kommune         string     `db:"kommune"`
	Status          Status     `db:"status"`
	ResumeTokenHash string     `db:"resume_token_hash"`
	KeyHash         *string    `db:"idempotency_key_hash"`
	RequestHash     *string    `db:"request_hash"`
	Receipt         string     `db:"receipt"`
	Channel         string     `db:"channel"`
	Month           string     `db:"application_month"`
	CompleteBy      *time.Time `db:"complete_by"`
	OwnerHash       *string    `db:"owner_hash"`
	Data            string     `db:"data"`
	Requested       string     `db:"requested_documents"`
}

// keyHash is how an Idempotency-Key is kept: for a submit without a draft it
// is also the secret that reads the application (code review B2).
func keyHash(key string) string { return secret.Hash("idempotency-key\x00" + key) }

func (s *Store) submitTx(ctx context.Context, tx Tx, sub submission) (Receipt, error) {
	req, doc, data, requestHash, ref, now := sub.req, sub.doc, sub.data, sub.requestHash, sub.ref, sub.now
	key := req.IdempotencyKey
	var rows []submitRow
	if err := tx.Select(ctx, &rows, `SELECT id, form, kommune, status, resume_token_hash, idempotency_key_hash, request_hash, receipt,
		channel, application_month, complete_by, owner_hash, CAST(data AS TEXT) AS data, requested_documents FROM applications
		WHERE idempotency_key_hash = ? OR id = ?`, keyHash(key), key); err != nil {
		return Receipt{}, err
	}
	var draft *submitRow
	for i, r := range rows {
		if r.KeyHash != nil && *r.KeyHash == keyHash(key) {
			return s.submittedBefore(ctx, tx, sub, r)
		}
		if r.ID == key {
			draft = &rows[i]
		}
	}
	if sub.lenient != nil {
		return Receipt{}, invalid(*sub.lenient)
	}

	receipt := Receipt{Status: StatusSubmitted, SubmittedAt: now, ApplicationMonth: monthOf(sub.month)}
	var completeBy *time.Time
	if !sub.month.IsZero() {
		end := s.calendar.CompleteByEnd(sub.month, req.channel())
		completeBy = &end
	}
	from := StatusDraft
	kommune := req.Kommune
	if draft != nil {
		if ok, err := record.HoldsToChange(ctx, tx, req.Token, draft.ResumeTokenHash, draft.OwnerHash, now); err != nil {
			return Receipt{}, err
		} else if !ok {
			return Receipt{}, fmt.Errorf("draft %s: %w", key, ErrNotFound)
		}
		if draft.Form != req.Form.ID {
			return Receipt{}, fmt.Errorf("%w: draft %s is for form %s", ErrConflict, key, draft.Form)
		}
		if draft.Status != StatusDraft {
			return Receipt{}, fmt.Errorf("%w: the application is %s, not a draft", ErrConflict, draft.Status)
		}
		if kommune != "" && draft.Kommune != "" && kommune != draft.Kommune {
			return Receipt{}, fmt.Errorf("%w: the draft is for kommune %s, not %s", ErrConflict, draft.Kommune, kommune)
		}
		kommune = cmp.Or(draft.Kommune, kommune)
	} else if len(key) < MinIdempotencyKey {
		return Receipt{}, fmt.Errorf("%w: without a draft the Idempotency-Key must be a random value of at least %d characters", ErrInvalid, MinIdempotencyKey)
	}
	kommune, err := s.applicationKommune(req, doc, kommune)
	if err != nil {
		return Receipt{}, err
	}
	applicant, duplicateOf, reasons, err := s.duplicate(ctx, tx, sub, kommune, key)
	if err != nil {
		return Receipt{}, err
	}
	var owner *string
	identified := ""
	if sub.citizen != nil {
		owner, identified = &sub.citizen.OwnerHash, sub.citizen.Level
	}
	if draft != nil {
		if err := checkFiles(ctx, tx, req.Form, req.Lang, key, doc); err != nil {
			return Receipt{}, err
		}
		n, err := tx.Exec(ctx, `UPDATE applications SET status = ?, form_version = ?, kommune = ?, data = ?, route_reasons = ?,
			idempotency_key_hash = ?, request_hash = ?, submitted_at = ?, updated_at = ?, application_month = ?, complete_by = ?,
			applicant_hash = ?, duplicate_of = ?, owner_hash = COALESCE(?, owner_hash), identified = ?, version = version + 1
			WHERE id = ? AND status = ?`,
			string(StatusSubmitted), req.Form.Version, kommune, data, reasons, keyHash(key), requestHash, now, now,
			monthOf(sub.month), completeBy, applicant, duplicateOf, owner, identified, key, string(StatusDraft))
		if err != nil {
			return Receipt{}, err
		}
		if n == 0 {
			return Receipt{}, errRaced
		}
		receipt.ID = key
	} else {
		if err := checkFiles(ctx, tx, req.Form, req.Lang, "", doc); err != nil {
			return Receipt{}, err // files can only be uploaded to a draft
		}
		receipt.ID, from = secret.ID(), ""
		if _, err := tx.Exec(ctx, `INSERT INTO applications (id, form, form_version, kommune, status, data, route_reasons, resume_token_hash,
			idempotency_key_hash, request_hash, created_at, updated_at, submitted_at, application_month, complete_by,
			applicant_hash, duplicate_of, owner_hash, identified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			receipt.ID, req.Form.ID, req.Form.Version, kommune, string(StatusSubmitted), data, reasons, secret.Hash(key),
			keyHash(key), requestHash, now, now, now, monthOf(sub.month), completeBy, applicant, duplicateOf, owner, identified); err != nil {
			return Receipt{}, err
		}
	}
	actor, action := "citizen", "submit"
	if req.Registrar != nil {
		if !req.Registrar.Sees(kommune) {
			return Receipt{}, fmt.Errorf("%w: kommune %s is not yours", ErrInvalid, kommune)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET channel = 'paper' WHERE id = ?`, receipt.ID); err != nil {
			return Receipt{}, err
		}
		actor, action = req.Registrar.Actor(), "paper"
	}
	if err := record.Index(ctx, tx, s.units, req.Form, sub.doc, kommune, receipt.ID); err != nil {
		return Receipt{}, err
	}
	if err := record.Audit(ctx, tx, now, Transition{ApplicationID: receipt.ID, From: from, To: StatusSubmitted, Actor: actor, Action: action}); err != nil {
		return Receipt{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET lang = ? WHERE id = ?`, string(req.lang()), receipt.ID); err != nil {
		return Receipt{}, err
	}
	if err := record.Notice(ctx, tx, now, receipt.ID, record.NoticeReceived); err != nil {
		return Receipt{}, err
	}
	tx.Enqueue(Job{Kind: JobRoute, ID: receipt.ID})
	if ref == "" {
		if ref, err = referenceIn(ctx, tx, req.Form, now); err != nil {
			return Receipt{}, err
		}
	}
	receipt.Reference = ref
	if err := keepReceipt(ctx, tx, receipt); err != nil {
		return Receipt{}, err
	}
	return receipt, nil
}

// ReasonDuplicate is the queue reason of a second application from the same
// applicant for the same month in the same kommune (issue #13 item 8).
const ReasonDuplicate = "duplicate"

// ReasonKommuneDecides is the queue reason of every application of a form
// on the kommune's road (forms.RoadKommune): the kommune decides it.
const ReasonKommuneDecides = "kommune.decides"

// monthOf is an application month as stored: yyyy-mm, or empty for none.
func monthOf(m calendar.Month) string {
	if m.IsZero() {
		return ""
	}
	return m.String()
}

// duplicate finds, inside the submit's transaction, an earlier application
// of the same applicant for the same month and kommune (not a draft, not
// withdrawn; self is the one being submitted). It answers the applicant's
// hash to keep (nil for a form without an applicant pointer), the first
// application's id if this is a second (nil if not), and the routing
// reasons with "duplicate" added for a second, which sends it to a
// caseworker linked to the first.
func (s *Store) duplicate(ctx context.Context, tx Tx, sub submission, kommune, self string) (applicant, first *string, reasons string, err error) {
	reasons = sub.reasons
	hp := record.ApplicantHash(sub.req.Form, sub.doc)
	if hp == nil || sub.month.IsZero() {
		// A form without a calendar has no month to apply twice for.
		return hp, nil, reasons, nil
	}
	h := *hp
	// Two submits of one applicant at once must not both find no first one
	// (on PostgreSQL, under read committed): one waits for the other.
	if err := tx.Lock(ctx, "applicant:"+h+":"+monthOf(sub.month)+":"+kommune); err != nil {
		return nil, nil, "", err
	}
	var ids []string
	if err := tx.Select(ctx, &ids, `SELECT id FROM applications WHERE form = ? AND applicant_hash = ? AND application_month = ?
		AND kommune = ? AND id <> ? AND status NOT IN (?, ?) ORDER BY submitted_at, id LIMIT 1`,
		sub.req.Form.ID, h, monthOf(sub.month), kommune, self, string(StatusDraft), string(StatusWithdrawn)); err != nil {
		return nil, nil, "", err
	}
	if len(ids) == 0 {
		return &h, nil, reasons, nil
	}
	if reasons != "" {
		reasons += ","
	}
	return &h, &ids[0], reasons + ReasonDuplicate, nil
}

// applicationKommune decides the kommune an application is for: the one
// named (the draft's or the request's), which the installation must serve,
// and with which the address the citizen gives must agree. Only where the
// installation lists no kommuner and none is named is it the address's.
func (s *Store) applicationKommune(req SubmitRequest, doc map[string]any, named string) (string, error) {
	pointer, addressKommune, hasAddress := req.Form.AddressKommune(doc)
	if named == "" && len(s.kommuner) == 0 {
		if addressKommune == "" { // the citizen no longer types one: the widget must name it
			return "", fmt.Errorf("%w: name the kommune the application is for", ErrUnknownKommune)
		}
		return addressKommune, nil
	}
	if err := s.servesKommune(named); err != nil {
		return "", err
	}
	if hasAddress && addressKommune != named {
		return "", &ValidationError{Errors: []forms.FieldError{{Pointer: pointer, Code: "kommunenummer.other",
			Message: req.Form.Text(req.Lang, "error.kommunenummer.other")}}}
	}
	return named, nil
}

// submittedBefore answers a submit whose key was used before: a replay of
// the same document gets the receipt it got then; a new document is the
// citizen's resubmission if the application was returned to her, and a
// conflict otherwise.
func (s *Store) submittedBefore(ctx context.Context, tx Tx, sub submission, r submitRow) (Receipt, error) {
	req, requestHash := sub.req, sub.requestHash
	token := req.Token
	if r.ID != req.IdempotencyKey && !record.IsCitizenToken(token) {
		token = req.IdempotencyKey // a submit without a draft: the key is the token, unless she is signed in
	}
	if !record.Holds(ctx, tx, token, r.ResumeTokenHash, r.OwnerHash, sub.now) {
		return Receipt{}, fmt.Errorf("application %s: %w", r.ID, ErrNotFound)
	}
	if r.Form != req.Form.ID {
		return Receipt{}, fmt.Errorf("%w: this Idempotency-Key was used for a different submission", ErrConflict)
	}
	if sub.lenient != nil {
		replay := r.RequestHash != nil && *r.RequestHash == requestHash
		if waits := r.Status == StatusAwaitingCitizen && r.Requested != ""; !replay && !waits {
			return Receipt{}, invalid(*sub.lenient)
		}
	}
	// A late replay of the first submit after a return is a replay (code
	// review B5 a), except while documents are asked for: the same
	// document again cannot hold them, and is refused as the answer it
	// would be, rather than answered with a receipt while the application
	// goes on waiting.
	if r.Status == StatusAwaitingCitizen && r.Requested != "" {
		return s.resubmitTx(ctx, tx, sub, r)
	}
	if r.RequestHash != nil && *r.RequestHash == requestHash {
		var rc Receipt
		if err := json.Unmarshal([]byte(r.Receipt), &rc); err != nil {
			return Receipt{}, fmt.Errorf("receipt of %s: %w", r.ID, err)
		}
		return rc, nil
	}
	if r.Status == StatusAwaitingCitizen {
		return s.resubmitTx(ctx, tx, sub, r)
	}
	return Receipt{}, fmt.Errorf("%w: this Idempotency-Key was used for a different submission", ErrConflict)
}

// keepReceipt stores the receipt a submit answered, for its replays.
func keepReceipt(ctx context.Context, tx Tx, rc Receipt) error {
	b, err := json.Marshal(rc)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE applications SET reference = ?, receipt = ? WHERE id = ?`, rc.Reference, string(b), rc.ID)
	return err
}

// resubmitTx takes the citizen's answer to a caseworker who returned her
// application: the new document replaces the old one and the application
// goes back to the kommune's queue (in_review), not through routing again.
// The same key that submitted it resubmits it, with the same token.
//
// Completed within the § 9 window (CompleteBy), it keeps the month it was
// for; completed later, it is for the month a new application would be,
// and the audit event says so.
func (s *Store) resubmitTx(ctx context.Context, tx Tx, sub submission, r submitRow) (Receipt, error) {
	req, doc, data, requestHash, now := sub.req, sub.doc, sub.data, sub.requestHash, sub.now
	if _, err := s.applicationKommune(req, doc, r.Kommune); err != nil {
		return Receipt{}, err
	}
	fileOwner := r.ID
	if r.ID != req.IdempotencyKey {
		fileOwner = "" // files can only be uploaded to a draft
	}
	if err := checkFiles(ctx, tx, req.Form, req.Lang, fileOwner, doc); err != nil {
		return Receipt{}, err
	}
	action := "resubmit"
	if r.Requested != "" {
		asked, err := requestedDocuments(r.Requested)
		if err != nil {
			return Receipt{}, fmt.Errorf("%s: %w", r.ID, err)
		}
		// Only the documents asked for, as they are asked now.
		if sub.lenient != nil {
			if mine := documentsOnly(*sub.lenient, asked); !mine.Valid {
				return Receipt{}, invalid(mine)
			}
		}
		// What she sent before, prepared as today's was (trimmed,
		// normalised, hidden answers left out), so that only her own
		// changes tell.
		before, err := req.Form.ValidateJSON([]byte(r.Data), sub.opts)
		if err != nil {
			return Receipt{}, fmt.Errorf("the stored document of %s: %w", r.ID, err)
		}
		prepared, err := json.Marshal(before.Document)
		if err != nil {
			return Receipt{}, err
		}
		if err := onlyDocuments(asked, string(prepared), data, true); err != nil {
			return Receipt{}, err
		}
		action = "send-documents"
	}
	month, completeBy, detail := r.Month, r.CompleteBy, ""
	if req.Form.Calendar() == forms.CalendarMonthly && (completeBy == nil || !now.Before(*completeBy)) {
		ch := calendar.Channel(r.Channel)
		m := s.calendar.ApplicationMonth(now, ch)
		end := s.calendar.CompleteByEnd(m, ch)
		if month != "" {
			detail = fmt.Sprintf("application month %s → %s: completed after the correction window (forskrift om bustøtte § 9)", month, m)
		}
		month, completeBy = m.String(), &end
	}
	// Her answers may name another applicant now: keep the key current.
	n, err := tx.Exec(ctx, `UPDATE applications SET data = ?, form_version = ?, request_hash = ?, message = '', return_fields = '',
		requested_documents = '', sent_data = '', updated_at = ?, application_month = ?, complete_by = ?, applicant_hash = ?, lang = ?
		WHERE id = ? AND status = ?`, // sent again: data is what she sent, and the older copy goes
		data, req.Form.Version, requestHash, now, month, completeBy, record.ApplicantHash(req.Form, doc), string(req.lang()), r.ID, string(StatusAwaitingCitizen))
	if err != nil {
		return Receipt{}, err
	}
	if n == 0 {
		return Receipt{}, errRaced // another resubmit won: again, to answer its receipt
	}
	if err := record.Index(ctx, tx, s.units, req.Form, doc, r.Kommune, r.ID); err != nil {
		return Receipt{}, err
	}
	if err := record.Move(ctx, tx, now, Transition{ApplicationID: r.ID, From: StatusAwaitingCitizen, To: StatusInReview, Actor: "citizen", Action: action, Detail: detail}); err != nil {
		return Receipt{}, err
	}
	var first Receipt
	if err := json.Unmarshal([]byte(r.Receipt), &first); err != nil {
		return Receipt{}, fmt.Errorf("receipt of %s: %w", r.ID, err)
	}
	rc := Receipt{ID: r.ID, Reference: first.Reference, Status: StatusInReview, SubmittedAt: now, ApplicationMonth: month}
	if err := keepReceipt(ctx, tx, rc); err != nil {
		return Receipt{}, err
	}
	return rc, nil
}

// askedDocuments are the attachments the application with this id waits
// for, if it does and the token opens it (read before the transaction,
// which checks it again): to anyone else it waits for nothing.
func (s *Store) askedDocuments(ctx context.Context, id, token string) []string {
	var a struct {
		Requested string  `db:"requested_documents"`
		Hash      string  `db:"resume_token_hash"`
		Owner     *string `db:"owner_hash"`
	}
	err := s.read().Get(ctx, &a, `SELECT requested_documents, resume_token_hash, owner_hash FROM applications WHERE id = ? AND status = ?`,
		id, StatusAwaitingCitizen)
	if err != nil || !record.Holds(ctx, s.read(), token, a.Hash, a.Owner, s.now()) {
		return nil
	}
	asked, _ := requestedDocuments(a.Requested)
	return asked
}

// sentBefore says whether this key has sent this very document before: a
// retry, which the transaction answers with the receipt it was given.
func (s *Store) sentBefore(ctx context.Context, key, requestHash string) bool {
	var n int
	err := s.read().Get(ctx, &n, `SELECT COUNT(*) FROM applications WHERE idempotency_key_hash = ? AND request_hash = ?`, keyHash(key), requestHash)
	return err == nil && n > 0
}

// documentsOnly is a validation of a document in which only the
// attachments asked for may change: their errors only, and no screening.
func documentsOnly(res forms.Result, asked []string) forms.Result {
	out := forms.Result{Valid: true, Screening: forms.Screening{Eligible: true}, Checklist: res.Checklist, Document: res.Document}
	for _, e := range res.Errors {
		for _, id := range asked {
			if p := "/attachments/" + id; e.Pointer == p || strings.HasPrefix(e.Pointer, p+"/") {
				out.Errors, out.Valid = append(out.Errors, e), false
				break
			}
		}
	}
	return out
}

// requestedDocuments reads applications.requested_documents: the
// attachments a caseworker asked for, none when empty. Unlike the view's
// Documents it fails closed: a list it cannot read refuses the change.
func requestedDocuments(raw string) ([]string, error) {
	var asked []string
	if raw == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(raw), &asked); err != nil {
		return nil, fmt.Errorf("requested documents: %w", err)
	}
	return asked, nil
}

// onlyDocuments refuses a change to an application that waits for
// documents (ettersending) that touches anything but the attachments asked
// for (before and after are the stored and the new document): her answers
// were complete, and the caseworker asked for documents, not for new
// answers. Sending (complete) also needs a file for each of them.
func onlyDocuments(asked []string, before, after string, complete bool) error {
	var was, is map[string]any
	if err := json.Unmarshal([]byte(before), &was); err != nil {
		return fmt.Errorf("the stored document: %w", err)
	}
	if err := json.Unmarshal([]byte(after), &is); err != nil {
		return fmt.Errorf("%w: the document is not a JSON object", ErrInvalid)
	}
	sent, _ := is["attachments"].(map[string]any)
	kept, _ := was["attachments"].(map[string]any)
	var missing []string
	for _, id := range asked {
		att, _ := sent[id].(map[string]any)
		if files, _ := att["files"].([]any); att["status"] != "uploaded" || len(files) == 0 {
			missing = append(missing, id)
		}
		delete(kept, id)
		delete(sent, id)
	}
	for _, doc := range []map[string]any{was, is} {
		if left, ok := doc["attachments"].(map[string]any); ok && len(left) == 0 {
			delete(doc, "attachments")
		}
	}
	a, _ := json.Marshal(was)
	b, _ := json.Marshal(is)
	if !bytes.Equal(a, b) {
		return fmt.Errorf("%w: only the documents the kommune asked for can be sent now; the answers stay as they were", ErrConflict)
	}
	if complete && len(missing) > 0 {
		return fmt.Errorf("%w: the kommune asked for a document of %s: upload it before sending", ErrInvalid, strings.Join(missing, ", "))
	}
	return nil
}

// StatusView is what the citizen may read of a submitted application.
type StatusView struct {
	ID        string `json:"id"`
	Reference string `json:"reference,omitempty"`
	Status    Status `json:"status"`
	Message   string `json:"message,omitempty"`
	// Fields are the pointers of the answers the caseworker asks to be
	// fixed, while the application awaits the citizen.
	Fields      []string   `json:"fields,omitempty"`
	SubmittedAt *time.Time `json:"submittedAt,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	// ApplicationMonth is the month it is for (yyyy-mm).
	ApplicationMonth string `json:"applicationMonth,omitempty"`
}

// SubmissionStatus reads an application's status with its token.
func (s *Store) SubmissionStatus(ctx context.Context, id, token string) (StatusView, error) {
	a, err := s.OpenWithToken(ctx, id, token)
	if err != nil {
		return StatusView{}, err
	}
	v := StatusView{ID: a.ID, Status: a.Status, Message: a.Message, Fields: a.Fields(), SubmittedAt: a.SubmittedAt, UpdatedAt: a.UpdatedAt,
		ApplicationMonth: a.ApplicationMonth}
	if a.Reference != nil {
		v.Reference = *a.Reference
	}
	return v, nil
}
