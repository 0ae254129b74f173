package letters

import (
	"fmt"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/forms"
)

// text is one fixed text of the letters in bokmål, nynorsk and English.
type text struct{ nb, nn, en string }

func (t text) in(lang forms.Lang) string {
	switch lang {
	case forms.Nynorsk:
		return t.nn
	case forms.English:
		return t.en
	}
	return t.nb
}

// The texts of the letters. The appeal paragraph follows forvaltningsloven
// (LOV-1967-02-10): § 28 (the right to appeal, and to whom for a kommune's
// decision), § 29 (three weeks from the day the decision reached her),
// § 32 (the appeal is sent to the body that decided, in writing, saying
// what it concerns and what she wants changed), § 33 (that body looks at
// it again first), §§ 18–19 (her right to see the case's documents) and
// § 27 (a decision says all of this). ../shared/domain is silent on the
// letter itself; the law is the source.
var (
	tDate         = text{"Dato", "Dato", "Date"}
	tReference    = text{"Vår referanse", "Vår referanse", "Our reference"}
	tPage         = text{"Side %d av %s", "Side %d av %s", "Page %d of %s"}
	tTo           = text{"Til", "Til", "To"}
	tDecision     = text{"Vedtak", "Vedtak", "Decision"}
	tGranted      = text{"%s har innvilget søknaden din.", "%s har innvilga søknaden din.", "%s has granted your application."}
	tRefused      = text{"%s har avslått søknaden din.", "%s har avslått søknaden din.", "%s has refused your application."}
	tLoan         = text{"Lån", "Lån", "Loan"}
	tRate         = text{"Rente", "Rente", "Interest rate"}
	tTerm         = text{"Nedbetalingstid", "Nedbetalingstid", "Repayment period"}
	tYears        = text{"%d år", "%d år", "%d years"}
	tGrounds      = text{"Begrunnelse", "Grunngiving", "Grounds"}
	tReasons      = text{"Vedtaket bygger på dette:", "Vedtaket byggjer på dette:", "The decision rests on the following:"}
	tAppealTitle  = text{"Du kan klage", "Du kan klage", "You may appeal"}
	tAppeal       = text{"Du kan klage på vedtaket innen tre uker fra det kom fram til deg (forvaltningsloven §§ 28 og 29). Send klagen til %s. Skriv hvilket vedtak du klager på, hva du vil ha endret, og hvorfor, og skriv under (forvaltningsloven § 32).", "Du kan klage på vedtaket innan tre veker frå det kom fram til deg (forvaltningslova §§ 28 og 29). Send klaga til %s. Skriv kva vedtak du klagar på, kva du vil ha endra, og kvifor, og skriv under (forvaltningslova § 32).", "You may appeal against this decision within three weeks of receiving it (Public Administration Act, sections 28 and 29). Send your appeal to %s. Say which decision you appeal against, what you want changed and why, and sign it (section 32)."}
	tAppealBody   = text{"%s ser på saken igjen. Gir vi deg ikke medhold, sender vi klagen til %s, som avgjør den (forvaltningsloven §§ 28 og 33).", "%s ser på saka igjen. Gir vi deg ikkje medhald, sender vi klaga til %s, som avgjer henne (forvaltningslova §§ 28 og 33).", "%s will look at the case again. If we do not agree with you, we send the appeal to %s, which decides it (sections 28 and 33)."}
	tDefaultBody  = text{"kommunens klageorgan", "klageorganet i kommunen", "the kommune's appeals board"}
	tAccess       = text{"Du har rett til å se dokumentene i saken din (forvaltningsloven §§ 18 og 19).", "Du har rett til å sjå dokumenta i saka di (forvaltningslova §§ 18 og 19).", "You have the right to see the documents of your case (sections 18 and 19)."}
	tSigned       = text{"Vedtaket er gjort av %s etter innstilling fra %s. Brevet er godkjent elektronisk og har derfor ingen underskrift.", "Vedtaket er gjort av %s etter innstilling frå %s. Brevet er godkjent elektronisk og har difor inga underskrift.", "The decision was made by %s on the recommendation of %s. The letter is approved electronically and therefore carries no signature."}
	tGreeting     = text{"Med hilsen", "Med helsing", "Yours sincerely"}
	tCopyTitle    = text{"Kopi av søknaden", "Kopi av søknaden", "Copy of the application"}
	tSubmitted    = text{"Sendt", "Sendt", "Sent"}
	tKommune      = text{"Kommune", "Kommune", "Kommune"}
	tMonth        = text{"Gjelder måned", "Gjeld månad", "Month applied for"}
	tAttachments  = text{"Vedlegg", "Vedlegg", "Attachments"}
	tNoAttachment = text{"Ingen vedlegg er sendt.", "Ingen vedlegg er sende.", "No attachments were sent."}
	tUnanswered   = text{"Ikke svart", "Ikkje svart", "Not answered"}
	tNotGiven     = text{"Ikke oppgitt (valgfritt)", "Ikkje oppgitt (valfritt)", "Not given (optional)"}
	tCopyNote     = text{"Dette er svarene slik de ble sendt. Ta vare på kopien.", "Dette er svara slik dei vart sende. Ta vare på kopien.", "These are the answers as they were sent. Keep this copy."}
)

var months = map[forms.Lang][12]string{
	forms.Bokmal:  {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	forms.Nynorsk: {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	forms.English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// date writes a day as a letter does, in Oslo: "2. desember 2026", or
// "2 December 2026".
func date(t time.Time, lang forms.Lang) string {
	t = t.In(calendar.Oslo)
	m := months[lang]
	if lang == forms.English {
		return fmt.Sprintf("%d %s %d", t.Day(), m[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d. %s %d", t.Day(), m[t.Month()-1], t.Year())
}

// dateTime adds the time of day: "2. desember 2026 kl. 14.05".
func dateTime(t time.Time, lang forms.Lang) string {
	o := t.In(calendar.Oslo)
	if lang == forms.English {
		return date(t, lang) + o.Format(" at 15:04")
	}
	return date(t, lang) + o.Format(" kl. 15.04")
}

// month writes an application month ("2026-12") as "desember 2026".
func month(ym string, lang forms.Lang) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	m := months[lang]
	return m[t.Month()-1] + " " + t.Format("2006")
}
