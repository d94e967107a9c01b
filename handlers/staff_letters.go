package handlers

import (
	"strconv"

	"github.com/settle/settle/internal/dunning"
)

// letters is the dunning engine as far as the print-and-mail export of
// letters needs it (no runs: those are the worker's).
func (s *Server) letters() *dunning.Engine {
	return &dunning.Engine{Store: s.Store, Portal: s.Portal, Text: s.Catalog, Log: s.Log, Now: s.Now}
}

// lettersUpTo reads "upto", the newest letter the page showed: a
// download and the "mark as posted" after it cover the same letters,
// not those the engine added since.
func lettersUpTo(v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
