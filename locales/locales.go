// Package locales holds the go-i18n message files, one per language
// (active.<lang>.json), embedded into the binary.
//
// Keys are dotted and say where a string is used: page.account.title,
// error.stepup.wrong_answer, form.stepup.label.postcode. A message whose
// value is an object with "one"/"other" is a plural. Every language has
// every key and every plural form its rules need; a test checks that.
package locales

import "embed"

// FS holds active.*.json.
//
//go:embed active.*.json
var FS embed.FS
