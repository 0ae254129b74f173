package engine

import "github.com/skjema/skjema/engine/internal/record"

// An application, its lifecycle and its audit log are the records every
// service of the engine shares (engine/internal/record).
type (
	Application = record.Application
	Status      = record.Status
	Transition  = record.Transition
	Event       = record.Event
	File        = record.File
)

// Where an application is in its life (DESIGN.md §3).
const (
	StatusDraft           = record.StatusDraft
	StatusSubmitted       = record.StatusSubmitted
	StatusInReview        = record.StatusInReview
	StatusAwaitingCitizen = record.StatusAwaitingCitizen
	StatusBatched         = record.StatusBatched
	StatusDelivered       = record.StatusDelivered
	StatusAccepted        = record.StatusAccepted
	StatusRecommended     = record.StatusRecommended
	StatusGranted         = record.StatusGranted
	StatusRejected        = record.StatusRejected
	StatusWithdrawn       = record.StatusWithdrawn
)

// CanTransition tells whether the lifecycle allows moving from one status to
// another.
func CanTransition(from, to Status) bool { return record.CanTransition(from, to) }

// IsCitizenToken tells a signed-in citizen's session token (package
// engine/citizens) from an application's resume token.
func IsCitizenToken(token string) bool { return record.IsCitizenToken(token) }
