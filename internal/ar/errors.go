package ar

import (
	"errors"
	"fmt"
)

// Code classifies an Error. Each code maps to one HTTP status at the edge.
type Code string

// The error codes. Anything that is not an *Error is internal.
const (
	Invalid   Code = "invalid"
	NotFound  Code = "not_found"
	Conflict  Code = "conflict"
	Forbidden Code = "forbidden"
	Gone      Code = "gone"
	TooMany   Code = "too_many"
	// Unauthorized is a missing or wrong credential (API keys).
	Unauthorized Code = "unauthorized"
	// Unprocessable is a well-formed request that cannot be applied, such
	// as an Idempotency-Key reused with another body.
	Unprocessable Code = "unprocessable"
	Internal      Code = "internal"
)

// Error is a domain error that is safe to show: Key is a translation key
// (for example "error.stepup.wrong_answer") and Args its template data.
// Field names the form field the error belongs to, if any.
type Error struct {
	Code  Code
	Key   string
	Args  map[string]any
	Field string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Key, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

// Errorf builds an *Error with a translation key.
func Errorf(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// FieldError builds an Invalid error for one form field.
func FieldError(field, key string, args map[string]any) *Error {
	return &Error{Code: Invalid, Key: key, Args: args, Field: field}
}

// ErrorCode returns the code of err, or Internal if err is not (and does
// not wrap) an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// AsError returns the *Error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is a NotFound domain error.
func IsNotFound(err error) bool { return ErrorCode(err) == NotFound }

// Invalids collects the field errors of one input, so a client learns
// everything that is wrong at once. Its code is Invalid.
type Invalids []*Error

func (v Invalids) Error() string {
	s := "invalid input"
	for _, e := range v {
		s += "; " + e.Field + ": " + e.Key
	}
	return s
}

// Unwrap lets errors.As find the first *Error (and so ErrorCode see
// Invalid).
func (v Invalids) Unwrap() []error {
	out := make([]error, len(v))
	for i, e := range v {
		out[i] = e
	}
	return out
}

// Add appends a field error, unless the field has one already: the first
// problem of a field is the one worth telling.
func (v *Invalids) Add(field, key string, args map[string]any) {
	for _, e := range *v {
		if e.Field == field {
			return
		}
	}
	*v = append(*v, FieldError(field, key, args))
}

// Err returns v as an error, or nil when it is empty.
func (v Invalids) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}
