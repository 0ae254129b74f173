package caseworker

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/casework"
)

// --- the list of applications -------------------------------------------------

// pageSize is how many applications a page of the list shows.
const pageSize = 50

// listQuery is a list's filter as the page's URL carries it.
type listQuery struct {
	Scope, Status, Reason, Month, Channel, Assignee, Lang, Age, Sort string
	Unit                                                             string // a unit's id, or "none"
	After                                                            string
	Shown                                                            int // how many pages before this one showed
}

func readListQuery(q url.Values) listQuery {
	shown, _ := strconv.Atoi(q.Get("shown"))
	return listQuery{Scope: q.Get("scope"), Status: q.Get("status"), Reason: q.Get("reason"), Month: q.Get("month"),
		Channel: q.Get("channel"), Assignee: q.Get("assignee"), Lang: q.Get("lang"), Age: q.Get("age"), Sort: q.Get("sort"),
		Unit: q.Get("unit"), After: q.Get("after"), Shown: max(shown, 0)}
}

// values are the query's URL parameters, without the page's place.
func (lq listQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"scope": lq.Scope, "status": lq.Status, "reason": lq.Reason, "month": lq.Month,
		"channel": lq.Channel, "assignee": lq.Assignee, "lang": lq.Lang, "age": lq.Age, "sort": lq.Sort, "unit": lq.Unit} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// filter is the engine's filter for the query, for u: her kommuner, and
// her units in them.
func (lq listQuery) filter(u engine.User, now time.Time) casework.Filter {
	f := casework.Filter{Kommuner: u.Kommuner, Units: u.Units, Scope: casework.Scope(lq.Scope), Status: engine.Status(lq.Status), Reason: lq.Reason,
		Month: lq.Month, Channel: lq.Channel, Lang: lq.Lang, Sort: casework.Sort(lq.Sort), After: lq.After, Limit: pageSize}
	switch lq.Unit {
	case "none":
		f.Unit = casework.NoUnit
	default:
		f.Unit = lq.Unit
	}
	switch lq.Assignee {
	case "me":
		f.Assignee = u.ID
	case "none":
		f.Assignee = casework.Unassigned
	default:
		f.Assignee = lq.Assignee
	}
	if days, err := strconv.Atoi(lq.Age); err == nil && days > 0 && days <= 3650 {
		f.SubmittedBefore = now.AddDate(0, 0, -days)
	}
	return f
}

type listView struct {
	Query    listQuery
	List     casework.Listing
	Tabs     []tab
	Filters  []filter
	Deadline time.Time
	DaysLeft int
	// NearDeadline: the deadline is close, and what is open should be
	// dealt with now.
	NearDeadline bool
	ReasonLabels map[string]string
	// First and Last number the page's rows among all that match; Next
	// and FirstPage are links, empty where there is none.
	First, Last     int
	Next, FirstPage string
	Export          string
	// Colleagues are whom a case can be given to.
	Colleagues []accounts.Colleague
	// Here is this page's own address, to come back to after an action.
	Here string
}

// tab is one of the list's preset views.
type tab struct {
	Label, Href string
	Current     bool
}

// filter is one select of the filter form.
type filter struct {
	Name, Label string
	Options     []option
}

type option struct {
	Value, Label string
	Count        int
	Selected     bool
}

// ages are the age filter: submitted more than so many days ago.
var ages = [][2]string{{"3", nb("Eldre enn 3 dager")}, {"7", nb("Eldre enn 7 dager")}, {"14", nb("Eldre enn 14 dager")}, {"30", nb("Eldre enn 30 dager")}}

var sortLabels = [][2]string{{"", nb("Eldste først")}, {string(casework.SortSubmittedDesc), nb("Nyeste først")},
	{string(casework.SortUpdatedDesc), nb("Sist endret først")}, {string(casework.SortReference), nb("Referanse")}}

var langLabels = map[string]string{"nb": nb("Bokmål"), "nn": nb("Nynorsk"), "en": nb("Engelsk")}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	lq := readListQuery(r.URL.Query())
	now, lang := h.cfg.Clock(), h.langOf(r)
	list, err := h.store.Casework.List(r.Context(), lq.filter(u, now))
	if err != nil {
		return err
	}
	colleagues, err := h.store.Accounts.Colleagues(r.Context(), u)
	if err != nil {
		return err
	}
	v := listView{Query: lq, List: list, ReasonLabels: map[string]string{}, Colleagues: colleagues, Here: r.URL.RequestURI()}
	for code := range list.ByReason {
		v.ReasonLabels[code] = h.reasonLabel(lang, code)
	}
	for _, it := range list.Items {
		for _, code := range it.Reasons() {
			if _, ok := v.ReasonLabels[code]; !ok {
				v.ReasonLabels[code] = h.reasonLabel(lang, code)
			}
		}
	}
	v.Tabs = h.tabs(lq)
	v.Filters = h.filters(lang, lq, list, colleagues, u, now)
	v.First, v.Last = lq.Shown+1, lq.Shown+len(list.Items)
	base := lq.values()
	if list.Next != "" {
		next := url.Values{}
		for k, vs := range base {
			next[k] = vs
		}
		next.Set("after", list.Next)
		next.Set("shown", strconv.Itoa(v.Last))
		v.Next = "/caseworker/?" + next.Encode()
	}
	if lq.After != "" {
		v.FirstPage = "/caseworker/?" + base.Encode()
	}
	v.Export = "/caseworker/export.csv?" + base.Encode()
	v.Deadline = h.cfg.Calendar.NextDeadline(now)
	// Whole Norwegian days: across a change to or from summer time a day
	// has 23 or 25 hours.
	v.DaysLeft = int(calendar.Day(v.Deadline).Sub(calendar.Day(now)).Round(24*time.Hour) / (24 * time.Hour))
	v.NearDeadline = v.Deadline.AddDate(0, 0, 1).Sub(now) <= h.cfg.CutoffWarning
	h.render(w, r, http.StatusOK, "list", view{Title: nb("Søknader"), User: &u, Flash: flashOf(r), Data: v})
	return nil
}

// tabs are the list's preset views; the current one is marked.
func (h *Handler) tabs(lq listQuery) []tab {
	presets := []struct {
		label, scope, assignee string
	}{{nb("Trenger behandling"), "", ""}, {nb("Mine saker"), "", "me"}, {nb("Ikke tatt"), "", "none"}, {nb("Avsluttet"), "closed", ""}, {nb("Alle søknader"), "all", ""}}
	var out []tab
	for _, p := range presets {
		q := url.Values{}
		if p.scope != "" {
			q.Set("scope", p.scope)
		}
		if p.assignee != "" {
			q.Set("assignee", p.assignee)
		}
		href := "/caseworker/"
		if len(q) > 0 {
			href += "?" + q.Encode()
		}
		current := lq.Scope == p.scope && lq.Assignee == p.assignee && lq.Status == "" && lq.Reason == "" &&
			lq.Month == "" && lq.Channel == "" && lq.Lang == "" && lq.Age == "" && lq.Unit == ""
		out = append(out, tab{Label: p.label, Href: href, Current: current})
	}
	return out
}

// filters are the filter form's selects, with counts where the scope
// gives them.
func (h *Handler) filters(lang string, lq listQuery, list casework.Listing, colleagues []accounts.Colleague, u engine.User, now time.Time) []filter {
	sel := func(name, label, current string, pairs ...[2]string) filter {
		f := filter{Name: name, Label: label, Options: []option{{Value: "", Label: nb("Alle"), Count: -1, Selected: current == ""}}}
		for _, p := range pairs {
			f.Options = append(f.Options, option{Value: p[0], Label: p[1], Count: -1, Selected: current == p[0]})
		}
		return f
	}
	scope := filter{Name: "scope", Label: nb("Hvilke"), Options: []option{
		{Value: "", Label: nb("Trenger behandling"), Count: -1, Selected: lq.Scope == ""},
		{Value: "closed", Label: nb("Avsluttet"), Count: -1, Selected: lq.Scope == "closed"},
		{Value: "all", Label: nb("Alle"), Count: -1, Selected: lq.Scope == "all"}}}
	status := filter{Name: "status", Label: nb("Tilstand"), Options: []option{{Value: "", Label: nb("Alle"), Count: list.Total, Selected: lq.Status == ""}}}
	for _, s := range []engine.Status{engine.StatusInReview, engine.StatusAwaitingCitizen, engine.StatusRecommended, engine.StatusRejected, engine.StatusSubmitted,
		engine.StatusBatched, engine.StatusDelivered, engine.StatusAccepted, engine.StatusGranted, engine.StatusWithdrawn} {
		if n := list.ByStatus[s]; n > 0 || lq.Status == string(s) {
			status.Options = append(status.Options, option{Value: string(s), Label: statusLabels[s], Count: n, Selected: lq.Status == string(s)})
		}
	}
	reason := filter{Name: "reason", Label: nb("Årsak"), Options: []option{{Value: "", Label: nb("Alle"), Count: -1, Selected: lq.Reason == ""}}}
	codes := make([]string, 0, len(list.ByReason))
	for code := range list.ByReason {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		reason.Options = append(reason.Options, option{Value: code, Label: h.reasonLabel(lang, code), Count: list.ByReason[code], Selected: lq.Reason == code})
	}
	var monthPairs [][2]string
	m := calendar.MonthOf(now).Next()
	for range 14 {
		monthPairs = append(monthPairs, [2]string{m.String(), monthLabel(m.String())})
		m = calendar.MonthOf(m.First().AddDate(0, -1, 0))
	}
	assignee := sel("assignee", nb("Saksbehandler"), lq.Assignee, [2]string{"me", nb("Meg")}, [2]string{"none", nb("Ingen")})
	for _, c := range colleagues {
		if c.ID != u.ID {
			assignee.Options = append(assignee.Options, option{Value: c.ID, Label: c.Name, Count: -1, Selected: lq.Assignee == c.ID})
		}
	}
	sortBy := filter{Name: "sort", Label: nb("Sortering")}
	for _, p := range sortLabels {
		sortBy.Options = append(sortBy.Options, option{Value: p[0], Label: p[1], Count: -1, Selected: lq.Sort == p[0]})
	}
	out := []filter{scope, status, reason, sel("month", nb("Søknadsmåned"), lq.Month, monthPairs...),
		sel("channel", nb("Kanal"), lq.Channel, [2]string{"digital", nb("Digital")}, [2]string{"paper", nb("Papir")}), assignee,
		sel("lang", nb("Språk"), lq.Lang, [2]string{"nb", nb("Bokmål")}, [2]string{"nn", nb("Nynorsk")}, [2]string{"en", nb("Engelsk")}),
		sel("age", nb("Alder"), lq.Age, ages...)}
	if pairs := h.unitPairs(u); len(pairs) > 1 {
		out = append(out, sel("unit", nb("Enhet"), lq.Unit, pairs...))
	}
	return append(out, sortBy)
}

// unitPairs are the units a caseworker can narrow her list or statistics
// to: her own where she has units in a kommune, else all of the kommune's,
// and "Ingen enhet" for the applications of no unit where she sees them.
// None where her kommuner are not divided.
func (h *Handler) unitPairs(u engine.User) [][2]string {
	var pairs [][2]string
	none := false
	for _, k := range u.Kommuner {
		mine := u.UnitsIn(k)
		for _, un := range h.store.Units().In(k) {
			if len(mine) == 0 || slices.Contains(mine, un.ID) {
				pairs = append(pairs, [2]string{un.ID, un.Name})
			}
		}
		none = none || len(mine) == 0 && len(h.store.Units().In(k)) > 0
	}
	if none {
		pairs = append(pairs, [2]string{"none", nb("Ingen enhet")})
	}
	return pairs
}

// exportCSV sends the list as the filter selects it, every page, as CSV
// for a spreadsheet: semicolons and a byte order mark, as Excel in Norway
// reads it. It holds no personal data: no names, no fødselsnummer.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request, u engine.User) error {
	lq, lang := readListQuery(r.URL.Query()), h.langOf(r)
	f := lq.filter(u, h.cfg.Clock())
	f.After, f.Limit, f.NoCounts = "", 500, true
	names := map[string]string{}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="soknader.csv"`)
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	header := []string{nb("Referanse"), nb("Kommune"), nb("Enhet"), nb("Tilstand"), nb("Årsak"), nb("Søknadsmåned"), nb("Kanal"), nb("Språk"), nb("Sendt inn"), nb("Sist endret"), nb("Saksbehandler")}
	for i, h := range header {
		header[i] = translate(lang, h)
	}
	cw.Write(header)
	for {
		list, err := h.store.Casework.List(r.Context(), f)
		if err != nil {
			return err // before the first row only, in practice: the list is one query per page
		}
		for _, it := range list.Items {
			var reasons []string
			for _, code := range it.Reasons() {
				if _, ok := names[code]; !ok {
					names[code] = h.reasonLabel(lang, code)
				}
				reasons = append(reasons, names[code])
			}
			submitted := ""
			if it.SubmittedAt != nil {
				submitted = it.SubmittedAt.In(oslo).Format("2006-01-02 15:04")
			}
			unit := ""
			if it.Unit != "" {
				unit = h.store.Units().Name(it.Kommune, it.Unit)
			}
			cw.Write(spreadsheetSafe(deref(it.Reference), h.kommune(it.Kommune), unit, translate(lang, statusLabels[it.Status]), strings.Join(reasons, ", "), it.ApplicationMonth,
				translate(lang, channelLabel(it.Channel)), translate(lang, langLabels[it.Lang]), submitted, it.UpdatedAt.In(oslo).Format("2006-01-02 15:04"), it.AssigneeName))
		}
		if list.Next == "" {
			break
		}
		f.After = list.Next
	}
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe are a CSV row's cells, each that a spreadsheet would read
// as a formula (= + - @, as a name from the kommune's login could begin)
// kept as text with a leading apostrophe.
func spreadsheetSafe(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func channelLabel(c string) string {
	if c == "paper" {
		return nb("Papir")
	}
	return nb("Digital")
}

// --- search -----------------------------------------------------------------

type searchView struct {
	Query        string
	Found        casework.Searched
	ReasonLabels map[string]string
}

// searchPage finds applications by reference, name or fødselsnummer; the
// engine writes every search to the audit log.
func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		http.Redirect(w, r, "/caseworker/", http.StatusSeeOther)
		return nil
	}
	lang := h.langOf(r)
	found, err := h.store.Casework.Search(r.Context(), u, q, h.forms.Forms())
	if err != nil {
		return err
	}
	v := searchView{Query: q, Found: found, ReasonLabels: map[string]string{}}
	for _, it := range found.Items {
		for _, code := range it.Reasons() {
			v.ReasonLabels[code] = h.reasonLabel(lang, code)
		}
	}
	h.render(w, r, http.StatusOK, "search", view{Title: translate(lang, "Søk:") + " " + q, User: &u, Data: v})
	return nil
}

// --- working as a team --------------------------------------------------------

// back is where an action returns to: the page it was posted from, if that
// is a page of this UI, else the case.
func back(r *http.Request, fallback string) string {
	b := r.PostFormValue("back")
	if strings.HasPrefix(b, "/caseworker/") && !strings.HasPrefix(b, "//") && !strings.ContainsAny(b, "\\\r\n") {
		return b
	}
	return fallback
}

// assignee reads whom a case is given to: "me", "" for nobody, or a
// colleague's id.
func assignee(r *http.Request, u engine.User) string {
	to := r.PostFormValue("to")
	if to == "me" {
		return u.ID
	}
	return to
}

func (h *Handler) assign(w http.ResponseWriter, r *http.Request, u engine.User) error {
	id := r.PathValue("id")
	if err := h.store.Casework.Assign(r.Context(), u, id, assignee(r, u)); err != nil {
		if _, _, ok := refusal(h.langOf(r), err); ok {
			return h.showCase(w, r, u, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	http.Redirect(w, r, withDone(back(r, "/caseworker/applications/"+id), "assigned"), http.StatusSeeOther)
	return nil
}

func (h *Handler) addNote(w http.ResponseWriter, r *http.Request, u engine.User) error {
	id := r.PathValue("id")
	err := required(r.PostFormValue("note"), "Skriv notatet.")
	if err == nil {
		err = h.store.Casework.AddNote(r.Context(), u, id, r.PostFormValue("note"))
	}
	if err != nil {
		if _, _, ok := refusal(h.langOf(r), err); ok {
			return h.showCase(w, r, u, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	http.Redirect(w, r, "/caseworker/applications/"+id+"?done=noted#h-notes", http.StatusSeeOther)
	return nil
}

// withDone adds the flash of what was done to a page's address.
func withDone(to, done string) string {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return to + sep + "done=" + url.QueryEscape(done)
}

// bulkView is what a bulk action did, application by application.
type bulkView struct {
	Action string
	Done   []string // references
	Failed []bulkFailure
	Back   string
}

type bulkFailure struct{ Reference, Why string }

var bulkActions = map[string]string{"approve": nb("Godkjenn og send videre"), "assign": nb("Gi sakene til"), "unassign": nb("Fjern saksbehandler")}

// bulk runs one action over the selected applications, each in its own
// transaction and audit event, exactly as if she had done it on each
// case: one that changed since the list was shown, or that the action does
// not apply to, is reported and left alone; the rest are done.
func (h *Handler) bulk(w http.ResponseWriter, r *http.Request, u engine.User) error {
	action := r.PostFormValue("action")
	if _, ok := bulkActions[action]; !ok {
		return inputError(nb("Velg hva som skal gjøres med de valgte søknadene."))
	}
	selected := r.PostForm["sel"]
	if len(selected) == 0 {
		return inputError(nb("Velg minst én søknad i listen."))
	}
	if len(selected) > 500 {
		return inputError(nb("Velg høyst 500 søknader om gangen."))
	}
	v := bulkView{Action: bulkActions[action], Back: back(r, "/caseworker/")}
	for _, sel := range selected {
		id, version, _ := strings.Cut(sel, ":")
		it, err := h.store.Casework.Brief(r.Context(), u, id)
		if err == nil {
			err = h.bulkOne(r, u, action, it, version)
		}
		ref := id
		if it.Reference != nil {
			ref = *it.Reference
		}
		if err != nil {
			_, why, ok := refusal(h.langOf(r), err)
			switch {
			case ok:
			case errors.Is(err, engine.ErrNotFound):
				why = translate(h.langOf(r), nb("Finnes ikke, eller du har ikke tilgang til den."))
			default:
				return err
			}
			v.Failed = append(v.Failed, bulkFailure{Reference: ref, Why: why})
			continue
		}
		v.Done = append(v.Done, ref)
	}
	h.render(w, r, http.StatusOK, "bulk", view{Title: nb("Utført for de valgte søknadene"), User: &u, Data: v})
	return nil
}

// bulkOne is a bulk action on one application; version is the version the
// list showed.
func (h *Handler) bulkOne(r *http.Request, u engine.User, action string, it casework.Item, version string) error {
	switch action {
	case "approve":
		v, err := strconv.Atoi(version)
		if err != nil {
			return inputError(nb("Listen var utdatert. Last den på nytt og prøv igjen."))
		}
		f, ok := h.forms.Form(it.Form)
		if !ok {
			return fmt.Errorf("application %s: form %s is not loaded", it.ID, it.Form)
		}
		return h.store.Casework.Approve(r.Context(), casework.CaseAction{User: u, ApplicationID: it.ID, Version: v, Form: f})
	case "assign":
		return h.store.Casework.Assign(r.Context(), u, it.ID, assignee(r, u))
	default: // unassign
		return h.store.Casework.Assign(r.Context(), u, it.ID, "")
	}
}
