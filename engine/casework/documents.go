package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
)

// ActionRequestDocuments asks the citizen for documents (ettersending).
const ActionRequestDocuments = "request-documents"

// RequestDocuments asks the citizen to send documents the application
// lacks (ettersending): the application waits for her (awaiting_citizen)
// with the message, and the attachments named, each one her answers call
// for (the form's checklist).
// She is told as of a return, and when she comes back she can send those
// documents and nothing else: her answers stay as they are (the engine's
// resubmit refuses any other change). The attachments are kept on the
// application until she has sent them.
func (s *Service) RequestDocuments(ctx context.Context, c CaseAction, message string, attachments []string) error {
	message, err := citizenMessage(message)
	if err != nil {
		return err
	}
	if len(attachments) == 0 {
		return fmt.Errorf("%w: choose the documents the citizen is to send", fault.ErrInvalid)
	}
	slices.Sort(attachments)
	attachments = slices.Compact(attachments)
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, res forms.Result) error {
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be asked for documents", fault.ErrIllegalTransition, a.Status)
		}
		var pointers []string
		for _, id := range attachments {
			// Only a document her answers call for: the form keeps no other.
			if !slices.ContainsFunc(res.Checklist, func(c forms.ChecklistItem) bool { return c.ID == id }) {
				return fmt.Errorf("%w: %q is not a document the answers call for", fault.ErrInvalid, id)
			}
			pointers = append(pointers, "/attachments/"+id)
		}
		ids, _ := json.Marshal(attachments)
		fields, _ := json.Marshal(pointers)
		if err := reopen(ctx, tx, now, c, &a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET message = ?, return_fields = ?, requested_documents = ?, sent_data = CAST(data AS TEXT) WHERE id = ?`,
			message, string(fields), string(ids), a.ID); err != nil {
			return err
		}
		return record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusAwaitingCitizen, Actor: c.User.Actor(),
			Action: ActionRequestDocuments, Reason: message, Detail: string(ids), Version: a.Version})
	})
}
