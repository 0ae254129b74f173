package casework

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/engine/units"
)

// ReasonAgencyRejected is the queue reason of an application the agency
// rejected; the other reasons are the routing rules' codes (and
// delivery.failed, routing.failed).
const ReasonAgencyRejected = "agency.rejected"

// Item is one application in a list. It holds no personal data, so a list
// can be shown without reading any: the applicant's name is set only by a
// search, which is audited.
type Item struct {
	ID        string  `db:"id" json:"id"`
	Form      string  `db:"form" json:"form"`
	Reference *string `db:"reference" json:"reference"`
	Kommune   string  `db:"kommune" json:"kommune"`
	// Unit is the unit of the kommune that handles it; empty for none.
	Unit             string        `db:"unit" json:"unit,omitempty"`
	Status           record.Status `db:"status" json:"status"`
	Channel          string        `db:"channel" json:"channel"`
	Lang             string        `db:"lang" json:"lang"`
	ReviewReasons    string        `db:"review_reasons" json:"reviewReasons,omitempty"`
	AgencyReason     string        `db:"agency_reason" json:"agencyReason,omitempty"`
	ApplicationMonth string        `db:"application_month" json:"applicationMonth,omitempty"`
	SubmittedAt      *time.Time    `db:"submitted_at" json:"submittedAt"`
	UpdatedAt        time.Time     `db:"updated_at" json:"updatedAt"`
	ClosedAt         *time.Time    `db:"closed_at" json:"closedAt,omitempty"`
	Version          int           `db:"version" json:"version"`
	// Assignee is the caseworker who has taken it (a user id), and her
	// name; empty for none.
	Assignee     string `db:"assignee" json:"assignee,omitempty"`
	AssigneeName string `db:"assignee_name" json:"assigneeName,omitempty"`
	// ApplicantName is set by Search only.
	ApplicantName string `db:"applicant_name" json:"applicantName,omitempty"`
}

// Reasons are the item's reason codes.
func (e Item) Reasons() []string {
	var out []string
	if e.ReviewReasons != "" {
		out = strings.Split(e.ReviewReasons, ",")
	}
	if e.Status == record.StatusRejected && e.ClosedAt == nil {
		out = append(out, ReasonAgencyRejected)
	}
	return out
}

// Open says whether the item needs a caseworker: in review, awaiting the
// citizen or a decision, or rejected by the agency and not yet settled.
func (e Item) Open() bool {
	return e.Status == record.StatusInReview || e.Status == record.StatusAwaitingCitizen || e.Status == record.StatusRecommended ||
		(e.Status == record.StatusRejected && e.ClosedAt == nil)
}

// Scope is the part of a kommune's applications a list is drawn from.
type Scope string

const (
	// ScopeOpen is the exception queue, what needs a human (the default).
	ScopeOpen Scope = "open"
	// ScopeClosed is everything else: gone on to the agency, decided,
	// withdrawn.
	ScopeClosed Scope = "closed"
	// ScopeAll is every submitted application, open or closed.
	ScopeAll Scope = "all"
)

// Sort is the order of a list. Every order ends on the id, so a page ends
// at one place and the next begins after it (keyset paging).
type Sort string

const (
	SortSubmitted     Sort = "submitted"  // oldest submission first (the default)
	SortSubmittedDesc Sort = "-submitted" // newest first
	SortUpdated       Sort = "updated"    // changed longest ago first
	SortUpdatedDesc   Sort = "-updated"   // changed last first
	SortReference     Sort = "reference"
)

// sorts are the orders by name: the column and whether it descends.
var sorts = map[Sort]struct {
	column string
	desc   bool
}{
	SortSubmitted: {"submitted_at", false}, SortSubmittedDesc: {"submitted_at", true},
	SortUpdated: {"updated_at", false}, SortUpdatedDesc: {"updated_at", true},
	SortReference: {"reference", false},
}

// Unassigned is the Assignee filter for applications nobody has taken.
const Unassigned = "-"

// NoUnit is the Unit filter for applications of no unit.
const NoUnit = "-"

// Filter selects a list of applications.
type Filter struct {
	// Kommuner bound the list to a caseworker's kommuner. Empty selects
	// nothing, unless AllKommuner is set (for the system's own checks).
	Kommuner    []string
	AllKommuner bool
	// Units narrow Kommuner to a caseworker's units (accounts.User.Units):
	// in a kommune where she has any, only their applications. Give them
	// with her Kommuner, always.
	Units []units.Ref
	Scope Scope // "" is ScopeOpen
	// The rest narrow the list; zero values do not.
	Status          record.Status
	Reason          string
	Month           string // the application month, yyyy-mm
	Channel         string // digital or paper
	Assignee        string // a user id, or Unassigned
	Lang            string // the language the citizen used: nb, nn, en
	Unit            string // a unit's id (in any of the kommuner), or NoUnit
	SubmittedBefore time.Time
	Sort            Sort // "" is SortSubmitted
	// After is the cursor a Listing's Next gave: the page that follows.
	After string
	// Limit is the most items listed. Defaults to 50, at most 500.
	Limit int
	// NoCounts leaves the Listing's counts out: a caller that pages
	// through every item (an export) would count them again for each page.
	NoCounts bool
}

// Listing is one page of a list: its items, the cursor of the next page
// ("" on the last), how many match the filter in all, and the counts of
// the scope by status and by reason, before the filter narrows it.
type Listing struct {
	Items    []Item
	Next     string
	Matching int
	Total    int
	ByStatus map[record.Status]int
	ByReason map[string]int
}

// ErrBadCursor is a page cursor that is not one List gave.
var ErrBadCursor = fmt.Errorf("%w: the page link is not valid; start from the first page", fault.ErrInvalid)

// scope is the WHERE of a filter's scope and kommuner.
func (f Filter) scope() (string, []any) {
	var where string
	var args []any
	switch f.Scope {
	case ScopeClosed:
		where = `status NOT IN (?, ?, ?, ?) AND NOT (status = ? AND closed_at IS NULL)`
		args = []any{string(record.StatusDraft), string(record.StatusInReview), string(record.StatusAwaitingCitizen), string(record.StatusRecommended),
			string(record.StatusRejected)}
	case ScopeAll:
		where = `status <> ?`
		args = []any{string(record.StatusDraft)}
	default:
		where = `(status IN (?, ?, ?) OR (status = ? AND closed_at IS NULL))`
		args = []any{string(record.StatusInReview), string(record.StatusAwaitingCitizen), string(record.StatusRecommended), string(record.StatusRejected)}
	}
	if !f.AllKommuner {
		seen, kargs := seenBy("", f.Kommuner, f.Units)
		where += ` AND ` + seen
		args = append(args, kargs...)
	}
	return where, args
}

// seenBy is the WHERE of the applications of kommuner a caseworker sees,
// given her units: all of a kommune where she has none, only her units'
// where she has some. prefix is the applications table's alias and a dot,
// or "". A caseworker without units gets the plain kommune IN (…) the
// indexes were made for.
func seenBy(prefix string, kommuner []string, refs []units.Ref) (string, []any) {
	var whole []string
	var parts []string
	var args []any
	for _, k := range kommuner {
		var in []string
		for _, r := range refs {
			if r.Kommune == k {
				in = append(in, r.Unit)
			}
		}
		if len(in) == 0 {
			whole = append(whole, k)
			continue
		}
		list, uargs := storage.InList(in)
		parts = append(parts, `(`+prefix+`kommune = ? AND `+prefix+`unit IN `+list+`)`)
		args = append(append(args, k), uargs...)
	}
	if len(whole) > 0 {
		list, kargs := storage.InList(whole)
		parts = append([]string{prefix + `kommune IN ` + list}, parts...)
		args = append(kargs, args...)
	}
	if len(parts) == 1 {
		return parts[0], args
	}
	return `(` + strings.Join(parts, ` OR `) + `)`, args
}

// narrow adds the filter's own conditions to a scope.
func (f Filter) narrow(where string, args []any) (string, []any) {
	if f.Status != "" {
		where += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	switch {
	case f.Reason == ReasonAgencyRejected:
		where += ` AND status = ? AND closed_at IS NULL`
		args = append(args, string(record.StatusRejected))
	case f.Reason != "":
		where += ` AND (',' || review_reasons || ',') LIKE ? ESCAPE '\'`
		args = append(args, "%,"+likeEscaper.Replace(f.Reason)+",%")
	}
	for _, eq := range []struct{ column, value string }{{"application_month", f.Month}, {"channel", f.Channel}, {"lang", f.Lang}} {
		if eq.value != "" {
			where += ` AND ` + eq.column + ` = ?`
			args = append(args, eq.value)
		}
	}
	switch f.Unit {
	case "":
	case NoUnit:
		where += ` AND unit IS NULL`
	default:
		where += ` AND unit = ?`
		args = append(args, f.Unit)
	}
	switch f.Assignee {
	case "":
	case Unassigned:
		where += ` AND assignee IS NULL`
	default:
		where += ` AND assignee = ?`
		args = append(args, f.Assignee)
	}
	if !f.SubmittedBefore.IsZero() {
		where += ` AND submitted_at < ?`
		args = append(args, f.SubmittedBefore)
	}
	return where, args
}

// itemColumns are an Item's, read from applications a joined with the
// assignee's user row.
const itemColumns = `a.id, a.form, a.reference, a.kommune, COALESCE(a.unit, '') AS unit, a.status, a.channel, a.lang, a.review_reasons, a.agency_reason,
	a.application_month, a.submitted_at, a.updated_at, a.closed_at, a.version,
	COALESCE(a.assignee, '') AS assignee, COALESCE(u.name, '') AS assignee_name`

// listColumns are what itemColumns read of an application: never its
// document.
const listColumns = `id, form, reference, kommune, unit, status, channel, lang, review_reasons, agency_reason, application_month,
	submitted_at, updated_at, closed_at, version, assignee`

// List lists applications of a caseworker's kommuner, a page at a time. It
// filters, counts, sorts and pages in the database, by key (never by
// offset): a large kommune's list near the deadline is never read whole,
// and every application can be reached.
func (s *Service) List(ctx context.Context, f Filter) (Listing, error) {
	out := Listing{ByStatus: map[record.Status]int{}, ByReason: map[string]int{}}
	if len(f.Kommuner) == 0 && !f.AllKommuner {
		return out, nil
	}
	order, ok := sorts[cmp.Or(f.Sort, SortSubmitted)]
	if !ok {
		return Listing{}, fmt.Errorf("%w: no such order %q", fault.ErrInvalid, f.Sort)
	}
	limit := min(cmp.Or(f.Limit, 50), 500)
	scope, args := f.scope()
	if !f.NoCounts {
		if err := s.count(ctx, &out, scope, args); err != nil {
			return Listing{}, err
		}
	}
	where, args := f.narrow(scope, args)
	if !f.NoCounts {
		if err := s.db.Read().Get(ctx, &out.Matching, `SELECT COUNT(*) FROM applications WHERE `+where, args...); err != nil {
			return Listing{}, fmt.Errorf("list count: %w", err)
		}
	}
	if f.After != "" {
		v, id, err := decodeCursor(f.After, order.column)
		if err != nil {
			return Listing{}, err
		}
		cmpOp := ">"
		if order.desc {
			cmpOp = "<"
		}
		where += ` AND (` + order.column + `, id) ` + cmpOp + ` (?, ?)`
		args = append(args, v, id)
	}
	dir := ""
	if order.desc {
		dir = " DESC"
	}
	var items []Item
	if err := s.db.Read().Select(ctx, &items, `SELECT `+itemColumns+` FROM (SELECT `+listColumns+` FROM applications WHERE `+where+`
		ORDER BY `+order.column+dir+`, id`+dir+` LIMIT ?) a LEFT JOIN users u ON u.id = a.assignee
		ORDER BY a.`+order.column+dir+`, a.id`+dir, append(args, limit+1)...); err != nil {
		return Listing{}, fmt.Errorf("list: %w", err)
	}
	if len(items) > limit {
		items = items[:limit]
		out.Next = encodeCursor(items[limit-1], order.column)
	}
	out.Items = items
	return out, nil
}

// Brief is one application as a list shows it, if the caseworker sees it;
// it reads no personal data, so it is no view to audit.
func (s *Service) Brief(ctx context.Context, u accounts.User, id string) (Item, error) {
	var it Item
	if err := s.db.Read().Get(ctx, &it, `SELECT `+itemColumns+` FROM (SELECT `+listColumns+` FROM applications WHERE id = ? AND status <> ?) a
		LEFT JOIN users u ON u.id = a.assignee`, id, string(record.StatusDraft)); err != nil {
		return Item{}, fmt.Errorf("application %s: %w", id, err)
	}
	if !u.SeesCase(it.Kommune, it.Unit) {
		return Item{}, fmt.Errorf("application %s: %w", id, fault.ErrNotFound)
	}
	return it, nil
}

// count fills a listing's counts of its scope, by status and by reason,
// grouped by the few distinct reason lists there are. Whether a rejection
// is still open tells the agency's, awaiting a caseworker, from a settled
// one, as Item.Reasons does.
func (s *Service) count(ctx context.Context, out *Listing, scope string, args []any) error {
	var groups []struct {
		Status  record.Status `db:"status"`
		Reasons string        `db:"review_reasons"`
		Open    int           `db:"open"`
		N       int           `db:"n"`
	}
	if err := s.db.Read().Select(ctx, &groups, `SELECT status, review_reasons, CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END AS open,
		COUNT(*) AS n FROM applications WHERE `+scope+` GROUP BY status, review_reasons, CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END`, args...); err != nil {
		return fmt.Errorf("list counts: %w", err)
	}
	settled := time.Time{}
	for _, g := range groups {
		out.Total += g.N
		out.ByStatus[g.Status] += g.N
		it := Item{Status: g.Status, ReviewReasons: g.Reasons}
		if g.Open == 0 {
			it.ClosedAt = &settled
		}
		for _, r := range it.Reasons() {
			out.ByReason[r] += g.N
		}
	}
	return nil
}

// A cursor is the sort value and id of a page's last item, so the next
// page starts right after it whatever was added or changed meanwhile.
func encodeCursor(it Item, column string) string {
	var v string
	switch column {
	case "submitted_at":
		if it.SubmittedAt != nil {
			v = it.SubmittedAt.UTC().Format(time.RFC3339Nano)
		}
	case "updated_at":
		v = it.UpdatedAt.UTC().Format(time.RFC3339Nano)
	case "reference":
		if it.Reference != nil {
			v = *it.Reference
		}
	}
	return base64.RawURLEncoding.EncodeToString([]byte(v + "\x00" + it.ID))
}

func decodeCursor(c, column string) (any, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	v, id, ok := strings.Cut(string(raw), "\x00")
	if err != nil || !ok || id == "" {
		return nil, "", ErrBadCursor
	}
	if column == "reference" {
		return v, id, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, "", ErrBadCursor
	}
	return t.UTC(), id, nil
}
