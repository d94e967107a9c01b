package dunning

import (
	"context"
	"slices"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Preview is what one stage of a policy would send a debtor if it went
// out today: the back office shows it beside the policy's editor. The
// texts are rendered by the code that renders the engine's messages
// (run.text), with the debtor's open invoices and the fee and default
// interest the engine would charge, in the debtor's language and the
// other one.
type Preview struct {
	Stage   Stage
	Step    Step   // the stage for this debtor (their experiment variant applied)
	Variant string // the variant's key, "" without experiment
	Channel string // the channel the debtor would get: email, sms, letter; "" none (hand-over, no address)
	Sample  bool   // no real debtor: a made-up one
	Debtor  string // the debtor's name
	Number  string // their customer number
	Lang    string // the language they are written to in
	Items   []PreviewItem
	Texts   []PreviewText // per language (the debtor's first), per channel the stage may use
	Total   int64         // what the message asks for: open amounts, fees and interest
	Curr    string
	Handoff bool // a hand-over: no message of its own
}

// PreviewItem is one invoice in a preview with what the stage charges.
type PreviewItem struct {
	Number        string
	DueDate       time.Time
	AmountMinor   int64 // dunnable: open less held
	FeeMinor      int64
	InterestMinor int64
}

// PreviewText is a stage's message in one language by one channel.
type PreviewText struct {
	Lang, Channel, Subject, Body string
}

// SampleName is the made-up debtor of a preview when the creditor has
// no debtor who owes anything.
const SampleName = "Erika Mustermann"

// previewLink stands in for the fresh personal link of a real message.
const previewLink = "preview"

// Preview renders each stage of the creditor's policy (stored or
// built-in) for a debtor (debtorID 0: the made-up sample) as of now. A
// policy the creditor does not have is not found.
func (e *Engine) Preview(ctx context.Context, c *ar.Creditor, policyKey string, debtorID int64) ([]Preview, error) {
	now := e.now()
	cfg, err := LoadConfig(ctx, e.Store, c, now)
	if err != nil {
		return nil, err
	}
	p := cfg.Policies[policyKey]
	if p == nil {
		return nil, ar.Errorf(ar.NotFound, "error.not_found")
	}
	today := c.Today(now)
	var invs []*store.DunningCandidate
	if debtorID != 0 {
		err := e.Store.DunningCandidatesOf(ctx, c.ID, debtorID, func(cand *store.DunningCandidate) error {
			if !cand.InPlan && cand.HeldMinor < cand.OpenMinor {
				cp := *cand
				invs = append(invs, &cp)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(invs) == 0 { // nothing to dun: the debtor with a made-up invoice
			d, err := e.Store.Debtor(ctx, c.ID, debtorID)
			if err != nil {
				return nil, err
			}
			invs = []*store.DunningCandidate{sampleInvoice(c, today, d)}
		}
	}
	sample := len(invs) == 0
	if sample {
		invs = []*store.DunningCandidate{sampleInvoice(c, today, nil)}
	}
	r := &run{e: e, cfg: cfg, rep: &Report{Held: map[string]int{}, Actions: map[string]int{}}, asOf: now, today: today, dry: true}
	d := invs[0]
	lang := r.lang(d)
	langs := []string{lang}
	for _, l := range []string{"de", "en"} {
		if l != lang {
			langs = append(langs, l)
		}
	}
	inv := &Invoice{DebtorID: d.DebtorID, DueDate: d.DueDate}
	steps := cfg.Timing.Schedule(nil, p, inv)
	out := make([]Preview, 0, len(p.Stages))
	for i := range p.Stages {
		stage := &p.Stages[i]
		step := steps[i]
		pv := Preview{Stage: *stage, Step: step, Sample: sample, Debtor: d.Name, Number: d.CustomerNumber, Lang: lang,
			Curr: d.Currency, Handoff: step.Kind == Handover}
		if stage.Experiment != nil && step.Variant >= 0 {
			pv.Variant = stage.Experiment.Variants[step.Variant].Key
		}
		if !pv.Handoff {
			pv.Channel, _ = r.channel(d, step)
		}
		s := &send{debtor: d, step: step, channel: pv.Channel}
		for _, c := range invs {
			cp := *c
			assumeEarlierStages(&cp, p, i)
			it := item{cand: &cp, amount: cp.OpenMinor - cp.HeldMinor}
			it.action.Channel = pv.Channel
			if step.Kind.Dunning() {
				r.charges(&it, p, stage, d.Kind)
			}
			s.items = append(s.items, it)
			pv.Items = append(pv.Items, PreviewItem{Number: cp.Number, DueDate: cp.DueDate, AmountMinor: it.amount,
				FeeMinor: it.fee.Total(), InterestMinor: it.interest})
			pv.Total += it.amount + it.fee.Total() + it.interest
		}
		if !pv.Handoff {
			for _, l := range langs {
				for _, ch := range previewChannels(d, step) {
					s.channel = ch
					subject, body := r.text(l, s, e.Portal.LinkURL(previewLink))
					pv.Texts = append(pv.Texts, PreviewText{Lang: l, Channel: ch, Subject: subject, Body: body})
				}
			}
		}
		out = append(out, pv)
	}
	return out, nil
}

// previewChannels are the channels a step may use for the debtor: its
// own, or for Preferred the debtor's choice and the fallbacks.
func previewChannels(d *store.DunningCandidate, st Step) []string {
	try := []Channel{st.Channel}
	if st.Channel == Preferred {
		try = append([]Channel{Channel(d.PreferredChannel)}, st.Fallbacks...)
	}
	var out []string
	for _, ch := range try {
		if (ch == Email || ch == SMS || ch == Letter) && !slices.Contains(out, string(ch)) {
			out = append(out, string(ch))
		}
	}
	return out
}

// assumeEarlierStages makes an invoice look as if the stages before
// index i had been carried out on their trigger days (where they were
// not): the n-th reminder, its fee and the start of default interest then
// come out as the engine would compute them when stage i is due.
func assumeEarlierStages(c *store.DunningCandidate, p *Policy, i int) {
	done := slices.Clone(c.Done)
	for _, s := range p.Stages[:i] {
		if !slices.Contains(done, s.Key) {
			done = append(done, s.Key)
		}
		if s.Kind.Dunning() && c.FirstReminderAt == nil {
			d := c.DueDate.AddDate(0, 0, s.Offset)
			at := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC)
			c.FirstReminderAt = &at
			if s.Channel != Preferred {
				ch := string(s.Channel)
				c.FirstReminderChannel = &ch
			}
		}
	}
	c.Done = done
}

// sampleInvoice is a made-up open invoice of 119.00, overdue by two
// weeks, of the debtor d or (nil) of the made-up Erika Mustermann, who
// can be reached by every channel.
func sampleInvoice(c *ar.Creditor, today time.Time, d *ar.Debtor) *store.DunningCandidate {
	s := &store.DunningCandidate{Number: "R-0001", IssueDate: today.AddDate(0, 0, -28), DueDate: today.AddDate(0, 0, -14),
		Currency: c.Currency, OpenMinor: 11900, CustomerNumber: "0001", Kind: Consumer, Name: SampleName,
		Email: "erika.mustermann@example.org", Phone: "+49 151 00000000", Street: "Musterstraße 1", Postcode: "12345",
		City: "Musterstadt", Language: c.DefaultLanguage, PreferredChannel: string(Email)}
	if d != nil {
		s.DebtorID, s.CustomerNumber, s.Kind, s.Name, s.Email, s.Phone = d.ID, d.CustomerNumber, d.Kind, d.Name, d.Email, d.Phone
		s.Street, s.Postcode, s.City, s.Language, s.PreferredChannel = d.Street, d.Postcode, d.City, d.Language, d.PreferredChannel
		s.Segment, s.Hardship = d.Segment, d.Hardship
	}
	return s
}
