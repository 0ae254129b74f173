// Package calendar is Norwegian time and the deadlines that follow from it.
// It answers "where is the 25th computed?": here.
//
// It owns:
//   - Oslo, the Europe/Oslo location every date of the domain is judged in
//     (ages, register validity, deadlines, reference years), and Day, the
//     Norwegian calendar day of an instant. Times are stored in UTC; they
//     become dates here.
//   - Calendar, a form's monthly deadline: the deadline day (bostøtte: the
//     25th), moved past weekends, public holidays and the extra closed days
//     for paper applications only (Husbanken [V-frist]); the cut-off when
//     that day ends; the next deadline and the last cut-off from an instant.
//   - Month and Channel: the month an application is for (its 1st is the
//     situasjonsdato), decided by ApplicationMonth from the instant it is
//     complete and its channel, and CompleteBy, the last day a returned
//     application may be completed and keep its month (forskrift § 9).
//   - Norway's public holidays (PublicHolidays, Easter) and working days.
//
// It does not own what happens at a deadline: the queue seals batches at
// Calendar.LastCutoff and the caseworker UI shows Calendar.NextDeadline. Nor
// does it load configuration: the deadline day and the extra closed days are
// data, given by the caller (cmd/skjema's -deadline-day and -closed-days) and
// checked once with Calendar.Validate.
//
// The package is pure: no I/O, no clock (callers pass the instant), and it
// imports nothing of Skjema's, so forms, engine, queue and web may all use it.
//
// Per form and per channel: a Calendar value is one form's deadline rule, and
// callers hold one per form (today one, built from the flags, serves every
// form; startlån has no monthly deadline). The channel is an argument of
// DeadlineIn and ApplicationMonth: a digital application's deadline is the
// deadline day itself, a paper one's moves to the next working day. Sealing
// batches goes by the later, the paper cut-off (Cutoff, LastCutoff).
package calendar
