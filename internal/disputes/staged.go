package disputes

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Kept files: nothing a debtor sent is lost when a form is refused. Every
// new file of a debtor's dispute form or message is checked by content
// and, when it passes, staged at once (store.StageUpload: already
// re-encoded, for this debtor only). A submission that goes through
// moves its staged files into dispute_attachments in the transaction of
// the dispute or message; a refused one (*Refused) names the staged
// files, and the form shows them ticked, with their public ids, so that
// sending it again sends them too (unticking one leaves it out). A kept
// file lives StagedTTL from when it was last shown; expired ones are
// never used and the periodic job KindStagedSweepJob (Sweep) deletes
// them.

const (
	// StagedTTL is how long a kept file waits for its form.
	StagedTTL = 24 * time.Hour
	// KindStagedSweepJob is the periodic job that runs Sweep.
	KindStagedSweepJob = "disputes.staged_sweep"
	// maxCarried bounds the staged ids a form may name (a form has at
	// most ar.MaxDisputeFiles; more are a forged form and ignored).
	maxCarried = 2 * ar.MaxDisputeFiles
	// maxStagedOthers is how many kept files of a debtor that the form
	// being refused does not name (other tabs, forms given up) stay.
	maxStagedOthers = ar.MaxDisputeFiles
)

// Kept is a file kept from a refused submission.
type Kept struct {
	PublicID  string
	Name      string // display text only
	MediaType string
	Size      int
}

// Refused is a refused submission: what was wrong (as ar.Invalids,
// which errors.As finds through it) and the files kept for the next try.
type Refused struct {
	Invalids ar.Invalids
	Kept     []Kept
}

func (e *Refused) Error() string { return e.Invalids.Error() }

// Unwrap is the list of what was wrong.
func (e *Refused) Unwrap() error { return e.Invalids }

// stageFiles stages the debtor's new files that pass the check (refused
// ones go into bad as "file.<i>") and returns the public ids of the kept
// files the form carried that are still the debtor's, then of the new
// ones. A carried id that is not (expired, another debtor's, made up)
// adds "files" error.dispute.kept_gone: the debtor expects that file to
// be sent.
func (s *Service) stageFiles(ctx context.Context, creditorID, debtorID int64, carried []string, files []File, bad *ar.Invalids) ([]string, error) {
	var ids []string
	if carried = uniq(carried); len(carried) > 0 {
		list, err := s.Store.StagedUploads(ctx, creditorID, debtorID, slices.DeleteFunc(slices.Clone(carried),
			func(id string) bool { return !stagedID(id) }), s.now())
		if err != nil {
			return nil, err
		}
		if len(list) < len(carried) {
			bad.Add("files", "error.dispute.kept_gone", nil)
		}
		for _, u := range list {
			ids = append(ids, u.PublicID)
		}
	}
	for i, f := range files {
		name := DisplayName(f.Name)
		clean, mediaType, err := readFile(ctx, f)
		if e, ok := ar.AsError(err); ok {
			refuseFile(bad, i, name, e)
			continue
		} else if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(clean)
		u := &store.StagedUpload{CreditorID: creditorID, DebtorID: debtorID, MediaType: mediaType, Content: clean,
			SHA256: sum[:], FileName: name, CreatedAt: s.now(), ExpiresAt: s.now().Add(StagedTTL)}
		if err := s.Store.StageUpload(ctx, u); err != nil {
			return nil, err
		}
		ids = append(ids, u.PublicID)
	}
	return ids, nil
}

// moveStaged attaches the staged files to d (and msg) in tx. One that
// expired (or went with a simultaneous submission) since stageFiles is
// error.dispute.kept_gone.
func (s *Service) moveStaged(ctx context.Context, tx *store.Store, creditorID, debtorID int64, d *store.Dispute,
	msg *store.DisputeMessage, ids []string) error {
	var msgID *int64
	if msg != nil {
		msgID = &msg.ID
	}
	n, err := tx.MoveStagedUploads(ctx, creditorID, debtorID, ids, s.now(), d.ID, msgID)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return ar.Invalids{ar.FieldError("files", "error.dispute.kept_gone", nil)}
	}
	return nil
}

// refused turns a refusal (ar.Invalids) of a submission with staged
// files into *Refused with those still kept, each given another
// StagedTTL; the debtor's kept files of other forms beyond
// maxStagedOthers go. Any other error is returned as it is.
func (s *Service) refused(ctx context.Context, creditorID, debtorID int64, ids []string, err error) error {
	var bad ar.Invalids
	if !errors.As(err, &bad) || len(ids) == 0 {
		return err
	}
	now := s.now()
	list, kerr := s.Store.KeepStagedUploads(ctx, creditorID, debtorID, ids, now, now.Add(StagedTTL), maxStagedOthers)
	if kerr != nil {
		return kerr
	}
	out := &Refused{Invalids: bad}
	for _, u := range list {
		out.Kept = append(out.Kept, Kept{PublicID: u.PublicID, Name: u.FileName, MediaType: u.MediaType, Size: u.Size})
	}
	return out
}

// Sweep deletes expired staged files (of every creditor), in batches,
// and returns how many.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	var total int64
	for {
		n, err := s.Store.DeleteExpiredStagedUploads(ctx, s.now(), 500)
		total += n
		if err != nil || n < 500 {
			return total, err
		}
	}
}

// refuseFile adds the refusal of the i-th file (named name) to bad.
func refuseFile(bad *ar.Invalids, i int, name string, e *ar.Error) {
	shown := name
	if shown == "" {
		shown = fmt.Sprintf("#%d", i+1)
	}
	*bad = append(*bad, &ar.Error{Code: ar.Invalid, Key: e.Key, Field: fmt.Sprintf("file.%d", i),
		Args: map[string]any{"Name": shown, "MaxMB": ar.MaxDisputeFileBytes >> 20,
			"MaxMP": ar.MaxDisputeImagePixels / 1000000}})
}

// stagedID reports whether id has the form of a staged file's public id
// (ar.NewPublicID("upl")); anything else is not looked up.
func stagedID(id string) bool {
	rest, ok := strings.CutPrefix(id, "upl_")
	if !ok || len(rest) != 26 {
		return false
	}
	for _, r := range rest {
		if (r < 'a' || r > 'z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
}

// uniq is ids without blanks and repeats, at most maxCarried of them.
func uniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) && len(out) < maxCarried {
			out = append(out, id)
		}
	}
	return out
}

// countRefused is how many files bad refuses ("file.<i>"): they count
// toward the files of a submission as they did before files were kept.
func countRefused(bad ar.Invalids) int {
	n := 0
	for _, e := range bad {
		if strings.HasPrefix(e.Field, "file.") {
			n++
		}
	}
	return n
}
