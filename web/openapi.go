package web

import (
	_ "embed"
	"net/http"
)

// openAPI is the API's OpenAPI 3.1 document. TestOpenAPI holds it to the real
// routes and validates real responses against its schemas.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPI)
	return nil
}
