package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
)

// The citizen widget: one ES module and its stylesheet, built from
// web/widget (see build-css.mjs for the stylesheet).
//
//go:embed widget/skjema.js widget/skjema.css
var widgetFiles embed.FS

type asset struct {
	body        []byte
	gzipped     []byte // the same, compressed once at start
	contentType string
	etag        string
}

func loadWidget() map[string]asset {
	out := map[string]asset{}
	entries, _ := fs.ReadDir(widgetFiles, "widget")
	for _, e := range entries {
		b, _ := widgetFiles.ReadFile("widget/" + e.Name())
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if strings.HasSuffix(e.Name(), ".js") {
			ct = "text/javascript; charset=utf-8"
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		out[e.Name()] = asset{body: b, gzipped: gz.Bytes(), contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}

var widgetAssets = loadWidget()

// serveWidget: GET /widget/{file}. Kommune sites on other origins load the
// module with CORS, so it is public to every origin; the API it calls is not.
func serveWidget(w http.ResponseWriter, r *http.Request) {
	a, ok := widgetAssets[r.PathValue("file")]
	if !ok {
		writeProblem(w, r, slog.Default(), errNotFound)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=300, must-revalidate")
	h.Set("ETag", a.etag)
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Add("Vary", "Accept-Encoding")
	body := a.body
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		body = a.gzipped
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// examplePageCSP is as strict as a kommune's page could be: nothing inline,
// scripts, styles and API calls from this server only.
const examplePageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveExample serves the example kommune page from a directory on disk,
// for development (skjema serve -dev).
func serveExample(dir string) http.Handler {
	files := http.StripPrefix("/example/", http.FileServerFS(os.DirFS(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", examplePageCSP)
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
