package record

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms"
)

// Application is one application, from draft to decision.
type Application struct {
	ID                 string     `db:"id" json:"id"`
	Form               string     `db:"form" json:"form"`
	FormVersion        string     `db:"form_version" json:"formVersion"`
	Kommune            string     `db:"kommune" json:"kommune"`
	Status             Status     `db:"status" json:"status"`
	Data               string     `db:"data" json:"-"`
	Reference          *string    `db:"reference" json:"reference,omitempty"`
	ResumeTokenHash    string     `db:"resume_token_hash" json:"-"`
	IdempotencyKeyHash *string    `db:"idempotency_key_hash" json:"-"`
	RequestHash        *string    `db:"request_hash" json:"-"`
	Message            string     `db:"message" json:"message,omitempty"`
	ReturnFields       string     `db:"return_fields" json:"-"`
	Channel            string     `db:"channel" json:"channel"`
	ReviewReasons      string     `db:"review_reasons" json:"reviewReasons,omitempty"`
	AgencyReason       string     `db:"agency_reason" json:"agencyReason,omitempty"`
	Version            int        `db:"version" json:"version"`
	CreatedAt          time.Time  `db:"created_at" json:"createdAt"`
	UpdatedAt          time.Time  `db:"updated_at" json:"updatedAt"`
	SubmittedAt        *time.Time `db:"submitted_at" json:"submittedAt,omitempty"`
	// ApplicationMonth is the month it is for (yyyy-mm), decided at submit;
	// empty for a draft.
	ApplicationMonth string `db:"application_month" json:"applicationMonth,omitempty"`
	// CompleteBy is when the § 9 correction window ends: returned to the
	// citizen and completed before it, it keeps its month.
	CompleteBy *time.Time `db:"complete_by" json:"completeBy,omitempty"`
	// DuplicateOf is the first application of the same applicant for the
	// same month in the same kommune, when this one is a second.
	DuplicateOf *string `db:"duplicate_of" json:"duplicateOf,omitempty"`
	// OwnerHash is the signed-in citizen it belongs to (OwnerHash of her
	// pid); nil for one started without sign-in.
	OwnerHash *string `db:"owner_hash" json:"-"`
	// Identified is the level of assurance its applicant signed in at when
	// she submitted it; empty if she was not identified.
	Identified string `db:"identified" json:"identified,omitempty"`
	// RegisterFacts is what Folkeregisteret said when the draft was filled
	// from it (JSON: RegisterFacts), or empty.
	RegisterFacts string `db:"register_facts" json:"-"`
	// ApplicantName is the applicant's name as the form's layout puts it
	// together (Index); nil before it was, empty if it has none.
	ApplicantName *string `db:"applicant_name" json:"-"`
	// Assignee is the caseworker (a user id) who has taken the case.
	Assignee *string `db:"assignee" json:"-"`
	// Lang is the language the citizen used (nb, nn, en): the one to
	// write to her in.
	Lang string `db:"lang" json:"-"`
	// Unit is the unit of its kommune that handles it (package
	// engine/units), from the address's postnummer; nil for none.
	Unit *string `db:"unit" json:"unit,omitempty"`
	// RequestedDocuments are the attachments (ids, JSON) a caseworker asked
	// her to send while it waits for her (ettersending); empty otherwise.
	RequestedDocuments string `db:"requested_documents" json:"-"`
	// SentData is what she sent, kept when it was returned to her (see
	// Sent); empty for one never returned.
	SentData string `db:"sent_data" json:"-"`
}

// Sent is the document as she sent it: while it is in her hands again
// (returned), what she last sent, not the draft she is changing.
func (a Application) Sent() string {
	if a.Status == StatusAwaitingCitizen && a.SentData != "" {
		return a.SentData
	}
	return a.Data
}

// RegisterFacts is what a register said of an application's answers, and
// when.
type RegisterFacts struct {
	Source string         `json:"source"` // "folkeregisteret"
	On     string         `json:"on"`     // the situasjonsdato asked about, yyyy-mm-dd
	Values map[string]any `json:"values"` // by concrete pointer
}

// Pointers are the answers that came from the register, sorted.
func (f RegisterFacts) Pointers() []string { return slices.Sorted(maps.Keys(f.Values)) }

const applicationColumns = `id, form, form_version, kommune, status, CAST(data AS TEXT) AS data, reference,
	resume_token_hash, idempotency_key_hash, request_hash, message, return_fields, channel, review_reasons, agency_reason,
	version, created_at, updated_at, submitted_at, application_month, complete_by, duplicate_of, owner_hash, identified, register_facts,
	applicant_name, assignee, lang, unit, requested_documents, sent_data`

// Fields are the fields an application was returned to the citizen to fix.
func (a Application) Fields() []string {
	var out []string
	if a.ReturnFields != "" {
		json.Unmarshal([]byte(a.ReturnFields), &out)
	}
	return out
}

// Documents are the attachments she is asked to send (ettersending).
func (a Application) Documents() []string {
	var out []string
	if a.RequestedDocuments != "" {
		json.Unmarshal([]byte(a.RequestedDocuments), &out)
	}
	return out
}

// GetApplication reads the one application where says (a condition with
// placeholders for args).
func GetApplication(ctx context.Context, ex storage.Executor, where string, args ...any) (Application, error) {
	var a Application
	err := ex.Get(ctx, &a, `SELECT `+applicationColumns+` FROM applications WHERE `+where, args...)
	return a, err
}

// Event is one entry of an application's audit log.
type Event struct {
	ID            int64     `db:"id" json:"id"`
	ApplicationID string    `db:"application_id" json:"applicationId"`
	Actor         string    `db:"actor" json:"actor"`
	Action        string    `db:"action" json:"action"`
	From          Status    `db:"from_status" json:"from"`
	To            Status    `db:"to_status" json:"to"`
	Reason        string    `db:"reason" json:"reason,omitempty"`
	Detail        string    `db:"detail" json:"detail,omitempty"`
	At            time.Time `db:"at" json:"at"`
}

// Events is an application's audit log, oldest first.
func Events(ctx context.Context, ex storage.Executor, id string) ([]Event, error) {
	var events []Event
	err := ex.Select(ctx, &events, `SELECT id, application_id, actor, action, from_status, to_status, reason, detail, at
		FROM application_events WHERE application_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", id, err)
	}
	return events, nil
}

// ApplicantHash is how an application's applicant is kept, to find a second
// application of hers for the same month (issue #13 item 8); nil where the
// form names no applicant or the document none. It is a lookup key, not a
// secret: the document holds the number itself.
func ApplicantHash(form *forms.Form, doc map[string]any) *string {
	id := form.ApplicantID(doc)
	if id == "" {
		return nil
	}
	h := HashApplicantID(form.ID, id)
	return &h
}

// HashApplicantID is the lookup key of an applicant's fødselsnummer on
// applications of a form.
func HashApplicantID(form, id string) string {
	return secret.Hash("applicant\x00" + form + "\x00" + id)
}

// Index keeps on an application's row what caseworkers find and scope it
// by, in one statement of the transaction that stores the document it is
// read from (submit, resubmit, correction): the applicant's name as the
// form's layout puts it together, to show the case by and search for it;
// and the unit of its kommune the address's postnummer lies in, by the
// units file (none for a postnummer no unit lists, and for an installation
// without units), so a moved address moves the case to the new unit.
func Index(ctx context.Context, tx storage.Tx, u *units.Units, form *forms.Form, doc map[string]any, kommune, id string) error {
	name := form.ApplicantName(doc)
	var unit any // NULL for none
	if _, postnummer, ok := form.AddressPostnummer(doc); ok {
		if un := u.Of(kommune, postnummer); un != "" {
			unit = un
		}
	}
	_, err := tx.Exec(ctx, `UPDATE applications SET applicant_name = ?, applicant_search = ?, unit = ? WHERE id = ?`, name, SearchFold(name), unit, id)
	return err
}

// SearchFold is how a name is kept and searched for: lower case, single
// spaces. "INGRID  Hansen" and "ingrid hansen" are the same search.
func SearchFold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Facts is what a register said of the application's answers (empty if
// nothing was filled from one).
func (a Application) Facts() RegisterFacts {
	var f RegisterFacts
	if a.RegisterFacts != "" {
		json.Unmarshal([]byte(a.RegisterFacts), &f)
	}
	return f
}
