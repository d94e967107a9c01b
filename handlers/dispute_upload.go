package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/disputes"
)

// Dispute forms come as multipart/form-data with up to
// ar.MaxDisputeFiles files of ar.MaxDisputeFileBytes each. They are read
// as a stream: text fields into memory (they come first in our forms),
// small files into memory, larger ones into temporary files that are
// removed when the request ends. A file over the limit is read no
// further than one byte past it and reported by name; a body larger
// than all files together may be stops there, keeping what came before
// (the typed text is never lost to a large file). File names are never
// used as paths: temporary files get random names.

const (
	// maxDisputeBody is the largest dispute form: every file at its
	// limit, with room for the text fields and part headers.
	maxDisputeBody = ar.MaxDisputeFiles*(ar.MaxDisputeFileBytes+4<<10) + 1<<20
	// maxDisputeFields caps the text fields together (the message is at
	// most 4,000 characters).
	maxDisputeFields = 64 << 10
	// memFileBytes: files up to this size stay in memory.
	memFileBytes = 256 << 10
)

// disputeUpload is a dispute form as it arrived.
type disputeUpload struct {
	values   url.Values
	files    []disputes.File
	overflow bool // the body was larger than maxDisputeBody: what followed is missing
	tmp      []string
}

// cleanup removes the temporary files.
func (u *disputeUpload) cleanup() {
	for _, p := range u.tmp {
		os.Remove(p)
	}
}

var errUnreadable = ar.Errorf(ar.Invalid, "error.form.unreadable")

// readDisputeUpload reads a dispute form: multipart with files, or
// urlencoded (no files). Call cleanup when done. A body that is not a
// form at all is error.form.unreadable (400).
func (s *Server) readDisputeUpload(w http.ResponseWriter, r *http.Request) (*disputeUpload, error) {
	u := &disputeUpload{values: url.Values{}}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := parseForm(w, r); err != nil {
			return u, errUnreadable
		}
		u.values = r.PostForm
		return u, nil
	}
	limit := int64(maxDisputeBody)
	if s.disputeBodyLimit > 0 {
		limit = s.disputeBodyLimit
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return u, errUnreadable
	}
	fieldBytes := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return u, nil
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				u.overflow = true
				return u, nil
			}
			return u, errUnreadable
		}
		name := p.FormName()
		switch {
		case name == "":
			// not a form field
		case name == "file":
			if err := u.readFile(p); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					u.overflow = true
					return u, nil
				}
				return u, errUnreadable
			}
		default:
			b, err := io.ReadAll(io.LimitReader(p, int64(maxDisputeFields-fieldBytes+1)))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					u.overflow = true
					return u, nil
				}
				return u, errUnreadable
			}
			fieldBytes += len(b)
			if fieldBytes > maxDisputeFields {
				return u, errUnreadable
			}
			u.values.Add(name, string(b))
		}
		p.Close()
	}
}

// readFile reads one file part. An empty part without a name is a file
// input left empty. Past ar.MaxDisputeFiles+1 files only the count
// matters (the service refuses so many), so their content is skipped.
func (u *disputeUpload) readFile(p interface {
	io.Reader
	FileName() string
}) error {
	name := p.FileName()
	head, err := io.ReadAll(io.LimitReader(p, memFileBytes+1))
	if err != nil {
		return err
	}
	if name == "" && len(head) == 0 {
		return nil
	}
	if len(u.files) > ar.MaxDisputeFiles {
		u.files = append(u.files, disputes.File{Name: name})
		_, err := io.Copy(io.Discard, p)
		return err
	}
	if len(head) <= memFileBytes {
		data := head
		u.files = append(u.files, disputes.File{Name: name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
		return nil
	}
	f, err := os.CreateTemp("", "settle-upload-*")
	if err != nil {
		return err
	}
	path := f.Name()
	u.tmp = append(u.tmp, path)
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(head), io.LimitReader(p, ar.MaxDisputeFileBytes+1-int64(len(head)))))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n > ar.MaxDisputeFileBytes {
		u.files = append(u.files, disputes.File{Name: name, TooBig: true})
		os.Remove(path)
		_, err := io.Copy(io.Discard, p) // the rest of it, up to the body's limit
		return err
	}
	u.files = append(u.files, disputes.File{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	return nil
}
