package caseworker

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
)

// The UI is written in bokmål, and texts.nn.json gives its nynorsk by the
// bokmål text (gettext's way: a template reads as its page does). A text
// missing from the catalogue is shown in bokmål; TestNynorskCoversEveryText
// keeps it from missing.
//
//go:embed texts.nn.json
var nynorskJSON []byte

var nynorsk = func() map[string]string {
	m := map[string]string{}
	if err := json.Unmarshal(nynorskJSON, &m); err != nil {
		panic(err) // embedded: a build mistake
	}
	return m
}()

// langs are the UI's languages, bokmål first (the default).
var langs = []string{"nb", "nn"}

// translate gives a bokmål text in lang.
func translate(lang, nb string) string {
	if lang == "nn" {
		if t, ok := nynorsk[nb]; ok {
			return t
		}
	}
	return nb
}

// langCookie keeps the language chosen on the sign-in page, before anyone
// is signed in. It is a preference, not a secret.
const langCookie = "skjema-lang"

// langOf is the language a page is shown in: the caseworker's own choice;
// else the one chosen on the sign-in page in this browser; else her first
// kommune's written language, where the register knows it (nynorsk
// kommuner get nynorsk); else bokmål.
func (h *Handler) langOf(r *http.Request) string {
	u, signedIn := userOf(r.Context())
	if signedIn && slices.Contains(langs, u.Lang) {
		return u.Lang
	}
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(langs, c.Value) {
		return c.Value
	}
	if signedIn {
		for _, k := range u.Kommuner {
			if l := h.cfg.Registers.Language(k); l != "" {
				return l
			}
		}
	}
	return "nb"
}

// tr gives a bokmål text in the request's language.
func (h *Handler) tr(r *http.Request, nb string) string { return translate(h.langOf(r), nb) }

// formLang is the form texts' language for the UI's.
func formLang(lang string) forms.Lang {
	if lang == "nn" {
		return forms.Nynorsk
	}
	return forms.Bokmal
}

// funcs are the template helpers that speak lang.
func (h *Handler) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"tr":      func(nb string) string { return translate(lang, nb) },
		"status":  func(s engine.Status) string { return translate(lang, statusLabels[s]) },
		"weekday": func(t any) string { return translate(lang, weekdayOf(t)) },
		"kommune": h.kommune,
		"unit":    h.unitName,
		"units":   h.unitNames,
	}
}

// setLanguage keeps the language a signed-in caseworker chose, and goes
// back to the page she chose it on.
func (h *Handler) setLanguage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	lang := r.PostFormValue("lang")
	if err := h.store.Accounts.SetLanguage(r.Context(), u, lang); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/caseworker/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: true, HttpOnly: true})
	http.Redirect(w, r, back(r, "/caseworker/"), http.StatusSeeOther)
	return nil
}

// nb marks a bokmål text of the UI that is kept in Go (a label in a map, an
// error page) and translated where it is shown: through tr in a template,
// or translate. TestNynorskCoversEveryText finds the texts by it.
func nb(text string) string { return text }
