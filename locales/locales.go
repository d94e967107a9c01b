// Package locales holds the go-i18n message files, embedded into the
// binary: <area>.<lang>.json, e.g. active.de.json for the debtor side and
// the API, staff.de.json for the back office. Every area has one file per
// language.
//
// Keys are dotted and say where a string is used: page.account.title,
// error.stepup.wrong_answer, form.stepup.label.postcode. A message whose
// value is an object with "one"/"other" is a plural. Every language has
// every key and every plural form its rules need; a test checks that.
package locales

import "embed"

// FS holds every *.json message file.
//
//go:embed *.json
var FS embed.FS
