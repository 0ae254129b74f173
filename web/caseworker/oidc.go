package caseworker

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/identity"
)

// KommuneLogin is the kommune's own OpenID provider (Entra ID, ADFS), which
// caseworkers sign in with beside, or instead of, local passwords. A
// sign-in through it ends in the same session as a password's.
type KommuneLogin struct {
	// Client signs in at the provider; its redirect URL is this server's
	// CallbackPath.
	Client *identity.StaffLogin
	// Groups grant kommuner, units, the admin role and the decision role
	// from the values of the provider's group or role claim, at every
	// sign-in: for the accounts of this login they are the only source of
	// these (an admin does not give them the decision role by hand).
	Groups accounts.GroupMap
	// Name is the login as the kommune's employees know it, on the
	// sign-in page's button: "Logg inn med <Name>". Defaults to
	// "kommunens innlogging".
	Name string
	// Only turns passwords off: the sign-in page shows the button alone,
	// and a password is not taken.
	Only bool
}

// CallbackPath is where the kommune's provider sends the browser back:
// register <public URL> + CallbackPath with it.
const CallbackPath = "/caseworker/oidc/callback"

// startPath starts a sign-in at the kommune's provider.
const startPath = "/caseworker/oidc/login"

// kommuneLoginCookie keeps a sign-in's state, nonce and PKCE verifier, and
// the page to go on to, between the redirect to the provider and the
// callback, in the browser signing in and nowhere else. SameSite=Lax: the
// callback is a navigation from the provider's site, and a Strict cookie
// would not come along.
const kommuneLoginCookie = "__Host-skjema-oidc"

// kommuneLoginLifetime is how long a sign-in at the provider may take.
const kommuneLoginLifetime = 600 // seconds

type kommuneLoginState struct {
	identity.Start
	Next string `json:"next"`
}

func setKommuneLoginCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: kommuneLoginCookie, Value: value, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// kommuneLoginStart sends the browser to the kommune's provider, keeping
// what the callback checks in a cookie.
func (h *Handler) kommuneLoginStart(w http.ResponseWriter, r *http.Request) error {
	kl := h.cfg.KommuneLogin
	if kl == nil {
		return errNotFound
	}
	if h.plainHTTP(r) {
		return h.needsHTTPS(w, r)
	}
	st := kommuneLoginState{Start: identity.NewStart(), Next: safeNext(r.URL.Query().Get("next"))}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	setKommuneLoginCookie(w, base64.RawURLEncoding.EncodeToString(raw), kommuneLoginLifetime)
	http.Redirect(w, r, kl.Client.AuthURL(st.Start), http.StatusFound)
	return nil
}

// kommuneLoginCallback finishes a sign-in: the state must be the one this
// browser's cookie keeps, the code is exchanged with its PKCE verifier, the
// id_token must carry its nonce; then the account is found or made and
// given what the claims grant (accounts.SignInExternal), and she is signed
// in. Every refusal is the sign-in page with why, in Norwegian; the log
// says what kind of refusal it was and nothing of who.
func (h *Handler) kommuneLoginCallback(w http.ResponseWriter, r *http.Request) error {
	kl := h.cfg.KommuneLogin
	if kl == nil {
		return errNotFound
	}
	st, ok := readKommuneLoginState(r)
	refuse := func(status int, msg string) error {
		return h.showLogin(w, r, status, loginView{Error: msg, Next: safeNext(st.Next)})
	}
	q := r.URL.Query()
	if !ok || q.Get("state") == "" || q.Get("state") != st.State {
		// Another sign-in of this browser, if one is under way, goes on.
		h.log.InfoContext(r.Context(), "caseworker sign-in refused", "reason", "no sign-in of this browser with that state")
		return refuse(http.StatusBadRequest, nb("Innloggingen kunne ikke fullføres: den var utløpt, eller den ble startet i en annen nettleser eller fane. Prøv igjen."))
	}
	setKommuneLoginCookie(w, "", -1)
	if q.Get("error") != "" {
		h.log.InfoContext(r.Context(), "caseworker sign-in refused", "reason", "the provider answered an error", "error", truncate(q.Get("error"), 64))
		return refuse(http.StatusUnauthorized, fmt.Sprintf(h.tr(r, "Innloggingen ble avbrutt eller avvist hos %s. Prøv igjen."), h.kommuneLoginName()))
	}
	staff, err := kl.Client.Exchange(r.Context(), st.Start, q.Get("code"))
	switch {
	case errors.Is(err, identity.ErrClaimOverage):
		h.log.WarnContext(r.Context(), "caseworker sign-in refused: the id_token has too many groups and carries none; map app roles (the roles claim), or have the provider send only the groups assigned to the application")
		return refuse(http.StatusForbidden, nb("Innloggingen ga ikke gruppene dine til Skjema, fordi du er med i svært mange grupper. Be den som drifter innloggingen i kommunen om å gi Skjema roller i stedet for grupper."))
	case err != nil:
		h.log.WarnContext(r.Context(), "caseworker sign-in refused", "reason", "the code or the id_token", "error", err)
		return refuse(http.StatusUnauthorized, nb("Innloggingen kunne ikke bekreftes. Prøv igjen."))
	}
	u, err := h.store.Accounts.SignInExternal(r.Context(), accounts.External{Provider: kl.Client.Issuer(), Subject: staff.Subject,
		Email: staff.Email, Name: staff.Name, Grant: kl.Groups.Grant(staff.Values)})
	if msg, status, ok := externalRefusal(err); ok {
		h.log.InfoContext(r.Context(), "caseworker sign-in refused", "reason", err.Error())
		return refuse(status, msg)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(w, r, u.ID); err != nil {
		return err
	}
	// The session cookie is SameSite=Strict, and this response ends a
	// navigation that began at the provider's site: a redirect from here
	// would arrive without it. A page of this site that goes on by
	// itself is a navigation of this site, which carries it.
	h.render(w, r, http.StatusOK, "signedin", view{Title: "Logget inn", Data: st.Next})
	return nil
}

// externalRefusal explains why the kommune's login signed no one in.
func externalRefusal(err error) (msg string, status int, ok bool) {
	switch {
	case errors.Is(err, accounts.ErrNoKommune):
		return nb("Du har ikke tilgang til Skjema: innloggingen din gir ikke tilgang til noen kommune her. Be den som gir tilganger i kommunen, om å legge deg i gruppen (eller gi deg rollen) for Skjema."), http.StatusForbidden, true
	case errors.Is(err, accounts.ErrDisabled):
		return nb("Kontoen din i Skjema er deaktivert. Ta kontakt med en administrator i kommunen."), http.StatusForbidden, true
	case errors.Is(err, accounts.ErrEmailTaken):
		return nb("Det finnes allerede en konto med e-postadressen din, som logger inn med passord. Den kobles ikke til kommunens innlogging av seg selv: logg inn med passordet, eller be den som drifter Skjema, om hjelp."), http.StatusConflict, true
	case errors.As(err, new(*accounts.KommuneError)):
		return "", 0, false // the group map names a kommune no longer in force: the operator's to fix
	case errors.Is(err, engine.ErrInvalid):
		return nb("Innloggingen ga ingen e-postadresse, og den trengs for å lage kontoen din. Be den som drifter innloggingen i kommunen, om å sende e-postadressen (kravet email) til Skjema."), http.StatusForbidden, true
	}
	return "", 0, false
}

func readKommuneLoginState(r *http.Request) (kommuneLoginState, bool) {
	c, err := r.Cookie(kommuneLoginCookie)
	if err != nil {
		return kommuneLoginState{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return kommuneLoginState{}, false
	}
	var st kommuneLoginState
	if json.Unmarshal(raw, &st) != nil || st.State == "" {
		return kommuneLoginState{}, false
	}
	st.Next = safeNext(st.Next)
	return st, true
}

// kommuneLoginName is the kommune's login as the button names it.
func (h *Handler) kommuneLoginName() string {
	if h.cfg.KommuneLogin == nil || h.cfg.KommuneLogin.Name == "" {
		return "kommunens innlogging"
	}
	return h.cfg.KommuneLogin.Name
}

// truncate keeps what a stranger may write into the log short.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
