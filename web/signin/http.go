package signin

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/skjema/skjema/forms"
)

// maxBody bounds the small JSON bodies the sign-in takes ({"code"},
// {"return"}).
const maxBody = 4 << 10

var (
	errNoToken   = refusal(http.StatusUnauthorized, "unauthorized", "Unauthorized", "send the resume token, or a signed-in citizen's session token, as Authorization: Bearer <token>")
	errMalformed = refusal(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is not one valid JSON object of at most 4 KiB")
	errMediaType = refusal(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", "send the body as application/json")
	errNoForm    = refusal(http.StatusNotFound, "unknown-form", "Unknown form", "there is no form by that name")
)

// readJSON reads a small JSON object into v; an empty body leaves v as it is.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return errMalformed
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errMediaType
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errMalformed
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Bearer is the request's bearer token: a resume token, or a signed-in
// citizen's session token (the citizen API's one way to say who asks).
func Bearer(r *http.Request) (string, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return "", errNoToken
	}
	return strings.TrimSpace(token), nil
}

// Lang is ?lang= if given, else Accept-Language.
func Lang(r *http.Request) forms.Lang {
	if l := r.URL.Query().Get("lang"); l != "" {
		return forms.ParseLang(l)
	}
	return forms.ParseLang(r.Header.Get("Accept-Language"))
}

func (s *Service) form(id string) (*forms.Form, error) {
	f, ok := s.forms.Form(id)
	if !ok {
		return nil, errNoForm
	}
	return f, nil
}
