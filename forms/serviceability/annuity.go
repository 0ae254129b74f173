package serviceability

import "math"

// MaxYears is the longest term a loan may have: "inntil 50 års løpetid" in
// special cases, 30 years otherwise [HB-nedbetalingsvilkar] (§ 8-5).
const MaxYears = 50

// epsilon absorbs floating-point noise before rounding to whole kroner, so
// that an exact 1 000.000000001 is not rounded up to 1 001.
const epsilon = 1e-6

// monthlyRate turns a nominal yearly rate in percent into the rate of one
// monthly term. Interest is "beregnet og forfaller til betaling
// etterskuddsvis" [HB-rentevilkar], so one twelfth of the yearly rate each
// month, compounded per term.
func monthlyRate(ratePercent float64) float64 { return ratePercent / 100 / 12 }

// annuityFactor is the present value of 1 krone paid at the end of each of n
// months: (1 - (1+i)^-n) / i, or n when the rate is zero.
func annuityFactor(i float64, n int) float64 {
	if i == 0 {
		return float64(n)
	}
	return -math.Expm1(-float64(n)*math.Log1p(i)) / i
}

// Payment is the monthly term amount (interest and instalment, without fees)
// of an annuity loan of principal kroner at ratePercent a year over years,
// rounded up to the whole krone: a caseworker should never see a cost lower
// than the lender will charge.
func Payment(principal int, ratePercent float64, years int) int {
	if principal <= 0 || years <= 0 {
		return 0
	}
	p := float64(principal) / annuityFactor(monthlyRate(ratePercent), years*12)
	return int(math.Ceil(p - epsilon))
}

// Principal is the largest loan whose monthly annuity term at ratePercent a
// year over years is at most payment, rounded down to the whole krone (the
// inverse of Payment, erring the same cautious way). Zero when payment is
// not positive.
func Principal(payment int, ratePercent float64, years int) int {
	if payment <= 0 || years <= 0 {
		return 0
	}
	p := float64(payment) * annuityFactor(monthlyRate(ratePercent), years*12)
	return int(math.Floor(p + epsilon))
}

// roundKroner rounds to the nearest krone, halves away from zero: every
// amount a line shows is whole kroner, and sums are sums of those lines, so
// the figures on the case page add up.
func roundKroner(x float64) int { return int(math.Round(x)) }
