package agencyclient

// This file is copied beside the client TestOpenAPIContract generates from
// openapi.json. It is an agency's own code, written against the generated
// types: it compiles only while the document gives named schemas for what an
// agency handles and a Go type with constants for every enum.

import (
	"context"
	"net/http"
)

// pullAndAnswer lists sealed batches, fetches each and answers its items.
func pullAndAnswer(ctx context.Context, server, key string) error {
	c, err := NewClientWithResponses(server, WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+key)
		return nil
	}))
	if err != nil {
		return err
	}
	sealed := BatchStatusSealed
	list, err := c.ListBatchesWithResponse(ctx, &ListBatchesParams{Status: &sealed})
	if err != nil || list.JSON200 == nil {
		return err
	}
	for _, summary := range list.JSON200.Batches {
		batch, err := c.GetBatchWithResponse(ctx, summary.Id)
		if err != nil || batch.JSON200 == nil {
			return err
		}
		answer, err := c.PostReceiptsWithResponse(ctx, summary.Id, decide(batch.JSON200.Items))
		if err != nil || answer.JSON200 == nil {
			return err
		}
		var skipped []SkippedReceipt = answer.JSON200.Skipped
		for _, s := range skipped {
			var now Status = s.Status
			_ = now == StatusAccepted
		}
	}
	return nil
}

// decide accepts every item whose attachments are of a known type.
func decide(items []BatchItem) []ReceiptItem {
	receipts := make([]ReceiptItem, 0, len(items))
	for _, it := range items {
		receipt := ReceiptItem{Reference: it.Reference, Outcome: OutcomeAccepted}
		for _, f := range deref(it.Files) {
			var ct FileContentType = f.ContentType
			if !ct.Valid() {
				reason := "an attachment of an unknown type"
				receipt = ReceiptItem{Reference: it.Reference, Outcome: OutcomeRejected, Reason: &reason}
			}
		}
		var channel Channel = it.Channel
		_ = channel
		receipts = append(receipts, receipt)
	}
	return receipts
}

// pushAnswer is what a push receiver answers the webhook with.
func pushAnswer(batch Batch, params PushBatchParams) PushResponse {
	receipts := decide(batch.Items)
	_ = params.SkjemaBatchId == batch.Id && params.UserAgent != ""
	return PushResponse{Receipts: &receipts}
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}
