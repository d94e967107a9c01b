package disputes

import (
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
)

// Every text the disputes need under a key made at run time (the key
// scanner only sees quoted keys) exists in every language: the reply's
// email and SMS, each standard reason, each status.
func TestDisputeTextsTranslated(t *testing.T) {
	cat := i18n.MustLoad()
	keys := portal.NotifyKeys("dispute.reply")
	for _, code := range ar.StandardDisputeReasons {
		keys = append(keys, "form.dispute.reason."+code)
	}
	for _, s := range []ar.DisputeStatus{ar.DisputeOpen, ar.DisputeInfoRequested, ar.DisputeAccepted, ar.DisputeRejected, ar.DisputeWithdrawn} {
		keys = append(keys, "page.dispute.status."+string(s), "page.dispute.state."+string(s))
	}
	for _, k := range []string{KindOpened, KindMessage, KindReplied} {
		keys = append(keys, "history."+k, "staff.timeline."+k)
	}
	for _, k := range []fileError{errFileEmpty, errFileSize, errFileType, errFileBroken, errFilePixels} {
		keys = append(keys, string(k))
	}
	for _, key := range keys {
		for _, l := range i18n.Languages {
			if !cat.Locale(l).Has(key) {
				t.Errorf("%s: no %q", l, key)
			}
		}
	}
}
