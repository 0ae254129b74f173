package web

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/rules"
	"github.com/skjema/skjema/web/ratelimit"
	"github.com/skjema/skjema/web/signin"
)

// allowedFileTypes are what an attachment may be, decided from the content
// (http.DetectContentType's sniffing), never from what the browser says.
var allowedFileTypes = []string{"application/pdf", "image/jpeg", "image/png"}

var errTooManyUploads = problem(http.StatusTooManyRequests, "too-many-uploads", "Too many uploads at once",
	"this address is already sending as many files as it may at once; send the next when one is done")

// inFlight counts uploads in flight per client address, up to max (zero:
// no limit).
type inFlight struct {
	max    int
	mu     sync.Mutex
	counts map[string]int
}

// start counts one more upload of an address, if it may have one; done
// counts it out.
func (f *inFlight) start(addr string) (done func(), err error) {
	if f.max == 0 {
		return func() {}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	if f.counts[addr] >= f.max {
		return nil, errTooManyUploads
	}
	f.counts[addr]++
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.counts[addr]--; f.counts[addr] == 0 {
			delete(f.counts, addr)
		}
	}, nil
}

var (
	errFileType     = problem(http.StatusUnsupportedMediaType, "unsupported-file-type", "Unsupported file type", "an attachment must be a PDF, JPEG or PNG file")
	errFileTooLarge = problem(http.StatusRequestEntityTooLarge, "file-too-large", "File too large", "an attachment is at most 10 MiB")
	errNoFilePart   = problem(http.StatusBadRequest, "invalid-request", "Invalid request", "send the file as multipart/form-data in a part named \"file\"")
)

// uploadFile: POST /api/v1/drafts/{id}/files?attachment=lease, the file as
// the multipart part "file". Answers the stored file's metadata, which the
// widget puts into the document's attachment.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	done, err := s.uploading.start(ratelimit.Host(r.RemoteAddr))
	if err != nil {
		w.Header().Set("Retry-After", "5")
		return err
	}
	defer done()
	attachment := r.URL.Query().Get("attachment")
	a, err := s.store.OpenWithToken(r.Context(), r.PathValue("id"), token)
	if err != nil {
		return err
	}
	if err := s.signin.AtLevel(r.Context(), token, a.Form); err != nil {
		return err
	}
	f, err := s.form(a.Form)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(f.Rules.Attachments, func(ar rules.AttachmentRule) bool { return ar.ID == attachment }) {
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "attachment must name one of the form's attachments")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return errNoFilePart
	}
	r.Body = http.MaxBytesReader(w, r.Body, engine.MaxFileSize+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return errNoFilePart
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return tooLargeOr(err, errNoFilePart)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		// The type comes from the first bytes; the rest streams to the
		// store a chunk at a time.
		content := bufio.NewReaderSize(part, 4096)
		head, err := content.Peek(512)
		if err != nil && err != io.EOF {
			return tooLargeOr(err, errNoFilePart)
		}
		if len(head) == 0 {
			return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "the file is empty")
		}
		ct, _, _ := mime.ParseMediaType(http.DetectContentType(head))
		if !slices.Contains(allowedFileTypes, ct) {
			return errFileType
		}
		file, err := s.store.AddFile(r.Context(), a.ID, token, engine.NewFile{Attachment: attachment, Name: part.FileName(), ContentType: ct,
			Content: s.uploadQuota(w, r, content)})
		if errors.Is(err, engine.ErrBusy) {
			w.Header().Set("Retry-After", "5")
		}
		if err != nil {
			return tooLargeOr(err, err)
		}
		w.Header().Set("Location", "/api/v1/drafts/"+a.ID+"/files/"+file.ID)
		writeJSON(w, http.StatusCreated, file)
		return nil
	}
}

func tooLargeOr(err error, otherwise error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, engine.ErrFileTooLarge) {
		return errFileTooLarge
	}
	return otherwise
}

// deleteFile: DELETE /api/v1/drafts/{id}/files/{file}.
func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	if err := s.atLevel(r.Context(), r.PathValue("id"), token); err != nil {
		return err
	}
	if err := s.store.DeleteFile(r.Context(), r.PathValue("id"), token, r.PathValue("file")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// agencyCopy: GET /api/v1/agency/applications/{reference}/copy, the
// human-readable PDF copy of an item the agency was sent, in bokmål: the
// same document the citizen and the caseworker get.
func (s *Server) agencyCopy(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.agency(r)
	if err != nil {
		return err
	}
	a, err := s.store.Batches.AgencyApplication(r.Context(), agency, r.PathValue("reference"))
	if err != nil {
		return err
	}
	f, err := s.form(a.Form)
	if err != nil {
		return err
	}
	pdf, err := s.copyOf(f, a, forms.Bokmal)
	if err != nil {
		return err
	}
	signin.SendPDF(w, *a.Reference+".pdf", pdf)
	return nil
}

// agencyFile: GET /api/v1/agency/files/{id}, a file of an item the agency
// has been sent.
func (s *Server) agencyFile(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.agency(r)
	if err != nil {
		return err
	}
	f, content, err := s.store.Batches.AgencyFile(r.Context(), agency, r.PathValue("id"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(content)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	// The digest is the one the batch item carries, not one of the bytes as
	// read, so an agency that checks the bytes against it also catches a
	// file damaged in storage. Repr-Digest is RFC 9530's form; Digest is
	// RFC 3230's, which it obsoletes, kept for one release for the agencies
	// that read it (the OpenAPI document marks it deprecated).
	if sum, err := hex.DecodeString(f.SHA256); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	h.Set("Digest", "sha-256="+f.SHA256)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(content)
	return nil
}
