package nid

import "strings"

var kontonummerWeights = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// Kontonummer checks a Norwegian bank account number (11 digits, mod 11 with
// weights 5,4,3,2,7,6,5,4,3,2) and returns it as 11 bare digits. It accepts
// the groupings people write, 1234.56.78903 and 1234 56 78903, with one kind
// of separator throughout. A number whose registernummer (the first four
// digits, the bank's) is 0000 is refused with ReasonRegister.
func Kontonummer(s string) (string, error) {
	const kind = "kontonummer"
	s = strings.TrimSpace(s)
	compact, ok := ungroup(s)
	if !ok || !allDigits(compact) {
		return "", &Error{kind, ReasonDigits}
	}
	if len(compact) != 11 {
		return "", &Error{kind, ReasonLength}
	}
	var d [11]int
	digits(compact, d[:])
	check, ok := mod11CheckDigit(d[:10], kontonummerWeights)
	if !ok || check != d[10] {
		return "", &Error{kind, ReasonChecksum}
	}
	// The first four digits are the bank's registernummer; no bank has
	// 0000, and 00000000000 passes the check digit (issue #13, item 4).
	if compact[:4] == "0000" {
		return "", &Error{kind, ReasonRegister}
	}
	return compact, nil
}

// ungroup removes the separators of the 4-2-5 grouping. A string with no
// separator comes back as it is; one with separators elsewhere, or mixed, is
// refused.
func ungroup(s string) (string, bool) {
	if len(s) != 13 {
		return s, !strings.ContainsAny(s, ". ")
	}
	sep := s[4]
	if (sep != '.' && sep != ' ') || s[7] != sep {
		return s, !strings.ContainsAny(s, ". ")
	}
	out := s[:4] + s[5:7] + s[8:]
	return out, !strings.ContainsAny(out, ". ")
}

var orgnrWeights = []int{3, 2, 7, 6, 5, 4, 3, 2}

// Organisasjonsnummer checks a 9-digit organisation number from
// Enhetsregisteret (mod 11 with weights 3,2,7,6,5,4,3,2). Spaces in the usual
// 3-3-3 grouping are accepted; the result is the bare digits.
func Organisasjonsnummer(s string) (string, error) {
	const kind = "organisasjonsnummer"
	s = strings.TrimSpace(s)
	if len(s) == 11 && s[3] == ' ' && s[7] == ' ' {
		s = s[:3] + s[4:7] + s[8:]
	}
	if !allDigits(s) {
		return "", &Error{kind, ReasonDigits}
	}
	if len(s) != 9 {
		return "", &Error{kind, ReasonLength}
	}
	var d [9]int
	digits(s, d[:])
	check, ok := mod11CheckDigit(d[:8], orgnrWeights)
	if !ok || check != d[8] {
		return "", &Error{kind, ReasonChecksum}
	}
	return s, nil
}
