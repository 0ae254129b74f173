// Package serviceability computes a household's betjeningsevne, its ability
// to service a housing loan, from the answers of an application, for the
// caseworker to see. It owns the arithmetic and the reference budget it
// reads; it decides nothing: Result.Fits says whether the asked loan fits the
// surplus at the caseworker's terms, and the decision stays the caseworker's.
//
// The method is Husbanken's guidance for kommunal housing loans
// [HB-betjeningsevne]: the household's income after tax, minus an amount
// for living costs, minus other fixed costs (payments on consumer debt and
// student loans, kindergarten and after-school care, child support paid),
// minus the expected upkeep of the home, leaves an amount available for
// housing costs; what remains after the home's other costs is what can
// service the new loan, and how large a loan that carries depends on the
// rate and term the caseworker chooses. With a second lender the amount
// must cover both loans.
//
// Living costs: "SIFOs referansebudsjett kan være nyttig som referanse …
// men må tilpasses … Beløp til livsopphold må minimum utgjøre veiledende
// sats for økonomisk sosialhjelp" [HB-betjeningsevne][HB-sifo]. So the
// amount used is the reference budget (individual costs per person by age
// and sex, household costs by size, less an economies-of-scale reduction),
// or the caseworker's own figure from the household's actual spending, and
// never less than the state's guideline rates for social assistance. Both
// tables are data (Budget, read from a file a form's definition holds), not
// Go constants.
//
// The loan is an annuity with monthly terms, interest paid in arrears
// [HB-rentevilkar]; the term is normally 30 years and at most 50
// [HB-nedbetalingsvilkar].
//
// Sources (keys as in the shared domain audit, ../shared/domain §6,
// plus those found for this package):
//
//	[HB-betjeningsevne]     https://www.husbanken.no/kommune/startlaan/veileder/beregne-betjeningsevnen/
//	[HB-sifo]               https://www.husbanken.no/kommune/startlaan/veileder/beregne-betjeningsevnen/vurdere-utgifter/sifo/
//	[HB-faktiske-utgifter]  https://www.husbanken.no/kommune/startlaan/veileder/beregne-betjeningsevnen/vurdere-utgifter/faktiske-utgifter/
//	[HB-fast-flytende]      https://www.husbanken.no/kommune/startlaan/veileder/renter-og-avdragsvilkar/fast-eller-flytende-rente/
//	[HB-nedbetalingsvilkar] https://www.husbanken.no/bransje/lan-og-tilskudd/veileder-laan/rente-og-avdragsvilkar/nedbetalingsvilkar/ (forskriften § 8-5)
//	[HB-rentevilkar]        https://www.husbanken.no/bransje/lan-og-tilskudd/veileder-laan/rente-og-avdragsvilkar/generelle-rentevilkar/ (§ 8-1)
//	[HB-lanekalkulator]     https://www.husbanken.no/person/lan-fra-husbanken/lanekalkulator/ (5 pp stress on Husbanken's own loans, utlånsforskriften § 5)
//	[A-3/2023]              https://www.regjeringen.no/no/dokumenter/rundskriv-a-32023-statlege-rettleiande-retningslinjer-for-okonomisk-stonad-for-2024/id3020040/
//	[SIFO]                  https://www.oslomet.no/om/sifo/referansebudsjettet
//
// What the sources leave open, and what this package does about it, is said
// where it matters: the threshold for "store familier" (Budget data), the
// stress add-on (Terms, no default), the guideline rate for a third adult
// (minimum.go), and no tax estimate from gross income (incomes are read as
// amounts after tax).
package serviceability
