package dunning_test

import (
	"regexp"
	"testing"

	"github.com/settle/settle/internal/dunning"
)

// The preview of a stage (by the debtor's preferred channel and the
// fallbacks, in their language and the other) is the message the engine sends at that stage,
// with the same fee and interest; before anything was sent it assumes
// the earlier stages went out on their days. Without a debtor it shows
// a made-up one in both languages.
func TestPreview(t *testing.T) {
	w := setup(t)
	d, _ := w.debtor(t, "1001", 10000, nil)
	w.now = wall("2026-12-15 09:05")
	list, err := w.e.Preview(w.ctx, w.c, "standard", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	r2 := list[3]
	if r2.Stage.Key != "reminder-2" || r2.Channel != "email" || len(r2.Items) != 1 || r2.Items[0].FeeMinor != 250 ||
		r2.Items[0].InterestMinor != 12 || r2.Total != 10262 {
		t.Fatalf("reminder-2 before any run: %+v", r2)
	}
	if len(r2.Texts) != 6 || r2.Texts[0].Lang != "en" || r2.Texts[0].Channel != "email" || r2.Texts[3].Lang != "de" || r2.Texts[0].Subject == "" {
		t.Fatalf("texts: %+v", r2.Texts)
	}
	if !list[5].Handoff || len(list[5].Texts) != 0 {
		t.Errorf("hand-over: %+v", list[5])
	}

	for _, at := range []string{"2026-11-30 09:05", "2026-12-03 09:10", "2026-12-08 09:05"} {
		w.run(t, at)
	}
	w.now = wall("2026-12-15 09:05")
	list, err = w.e.Preview(w.ctx, w.c, "standard", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	pv := list[3].Texts[0]
	w.run(t, "2026-12-15 09:05")
	var subject, body string
	if err := w.st.DB().QueryRow(`SELECT m.subject, m.body FROM messages m JOIN dunning_actions a ON a.message_id = m.id
		WHERE a.stage = 'reminder-2'`).Scan(&subject, &body); err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://settle\.test/l/\S+`)
	if pv.Subject != subject || link.ReplaceAllString(pv.Body, "LINK") != link.ReplaceAllString(body, "LINK") {
		t.Errorf("preview\n%s\n%s\nsent\n%s\n%s", pv.Subject, pv.Body, subject, body)
	}

	sample, err := w.e.Preview(w.ctx, w.c, "gentle", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !sample[0].Sample || sample[0].Debtor != dunning.SampleName || sample[0].Lang != "de" || len(sample[0].Texts) != 2 {
		t.Errorf("sample: %+v", sample[0])
	}
	if _, err := w.e.Preview(w.ctx, w.c, "nope", 0); err == nil {
		t.Error("an unknown policy previews")
	}
}
