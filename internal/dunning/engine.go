package dunning

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// Engine carries out the creditors' dunning policies: it finds the
// stages that are due, claims each (invoice, stage) exactly once, and
// sends one message per debtor and stage with a fresh link, booking
// fees and default interest on the ledger.
type Engine struct {
	Store  *store.Store
	Portal *portal.Service // links and the HTML of emails
	Text   *i18n.Catalog   // the messages' texts, amounts and dates
	Log    *slog.Logger
	Now    func() time.Time
	// Batch is how many debtors one transaction handles (DefaultBatch if 0).
	Batch int
}

// DefaultBatch is how many debtors a run writes per transaction.
const DefaultBatch = 1000

// KindRunJob is the periodic job that runs the engine for every creditor.
const KindRunJob = "dunning.run"

// Options say what a run does.
type Options struct {
	CreditorID int64     // 0: every creditor
	AsOf       time.Time // the instant the run acts as of (zero: now)
	DryRun     bool      // decide and count, write nothing
}

// Report is what a run did (or, dry, would do) for one creditor.
type Report struct {
	Creditor string    `json:"creditor"`
	RunID    int64     `json:"run_id,omitempty"`
	AsOf     time.Time `json:"as_of"`
	DryRun   bool      `json:"dry_run,omitempty"`
	Busy     bool      `json:"busy,omitempty"` // another run held the creditor: nothing done
	// Invoices is how many open invoices were evaluated.
	Invoices int `json:"invoices"`
	// Held counts invoices left alone, by reason: dispute, plan, promise,
	// paused, cap (the debtor had a message within the frequency cap).
	Held map[string]int `json:"held"`
	// Actions counts actions by "stage kind/channel" (skipped ones under
	// channel "none").
	Actions  map[string]int `json:"actions"`
	Messages int            `json:"messages"`
	// Changed counts actions dropped at the last check before sending
	// (paid, disputed or planned since the run began), Lost those another
	// run had claimed first.
	Changed       int           `json:"changed"`
	Lost          int           `json:"lost"`
	FeesMinor     int64         `json:"fees_minor"`
	InterestMinor int64         `json:"interest_minor"`
	Took          time.Duration `json:"took_ns"`
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

// Run runs the engine for one creditor or all, one after the other.
func (e *Engine) Run(ctx context.Context, o Options) ([]*Report, error) {
	if o.AsOf.IsZero() {
		o.AsOf = e.now()
	}
	var creditors []*ar.Creditor
	if o.CreditorID != 0 {
		c, err := e.Store.Creditor(ctx, o.CreditorID)
		if err != nil {
			return nil, err
		}
		creditors = append(creditors, c)
	} else {
		list, err := e.Store.Creditors(ctx)
		if err != nil {
			return nil, err
		}
		creditors = list
	}
	var reports []*Report
	var errs []error
	for _, c := range creditors {
		r, err := e.RunCreditor(ctx, c, o.AsOf, o.DryRun)
		if err != nil {
			// One creditor's broken settings must not stop the others.
			e.log().ErrorContext(ctx, "dunning run failed", "creditor", c.Slug, "err", err)
			errs = append(errs, fmt.Errorf("creditor %s: %w", c.Slug, err))
			continue
		}
		reports = append(reports, r)
	}
	return reports, errors.Join(errs...)
}

// advisoryKey names the creditor lock of the engine (with the creditor's id).
const advisoryKey = 0x5e771e

// RunCreditor runs the engine for one creditor as of the instant asOf.
// Two runs for one creditor never overlap (a PostgreSQL advisory lock;
// the second reports Busy), and even without the lock each (invoice,
// stage) is claimed once (the unique key), so nothing is sent twice.
func (e *Engine) RunCreditor(ctx context.Context, c *ar.Creditor, asOf time.Time, dry bool) (*Report, error) {
	begin := time.Now()
	rep := &Report{Creditor: c.Slug, AsOf: asOf, DryRun: dry, Held: map[string]int{}, Actions: map[string]int{}}
	if !dry {
		conn, err := e.Store.DB().Connx(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		var got bool
		if err := conn.GetContext(ctx, &got, `SELECT pg_try_advisory_lock($1, $2)`, advisoryKey, int32(c.ID)); err != nil {
			return nil, err
		}
		if !got {
			rep.Busy = true
			return rep, nil
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, advisoryKey, int32(c.ID)) //nolint:errcheck // closing the connection unlocks too
	}
	cfg, err := LoadConfig(ctx, e.Store, c, asOf)
	if err != nil {
		return nil, err
	}
	if !dry {
		if rep.RunID, err = e.Store.StartDunningRun(ctx, c.ID, asOf, false); err != nil {
			return nil, err
		}
	}
	r := &run{e: e, cfg: cfg, rep: rep, asOf: asOf, today: c.Today(asOf), dry: dry, buf: make([]Step, 0, MaxStages)}
	if !dry {
		r.startWriters(ctx, Writers)
	}
	var group []*store.DunningCandidate
	flushGroup := func() error {
		if len(group) == 0 {
			return nil
		}
		err := r.debtor(ctx, group)
		group = group[:0]
		return err
	}
	// Every open invoice is evaluated: one due far ahead costs a comparison
	// (Timing.Due's fast exit).
	err = e.Store.DunningCandidates(ctx, c.ID, func(cand *store.DunningCandidate) error {
		if len(group) > 0 && group[0].DebtorID != cand.DebtorID {
			if err := flushGroup(); err != nil {
				return err
			}
		}
		cp := *cand
		group = append(group, &cp)
		return nil
	})
	if err == nil {
		err = flushGroup()
	}
	if err == nil {
		err = r.flush(ctx)
	}
	if werr := r.stopWriters(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	rep.Took = time.Since(begin)
	if !dry {
		if err := e.Store.FinishDunningRun(ctx, rep.RunID, rep, e.now()); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// run is one creditor's run in progress.
type run struct {
	e     *Engine
	cfg   *Config
	rep   *Report
	asOf  time.Time
	today time.Time
	dry   bool
	buf   []Step
	batch []*send // waiting for the next flush
	nDebt int     // debtors in batch
	// The writers (startWriters): batches go to pipe; the first error
	// closes failed.
	pipe     chan []*send
	failed   chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex // rep, while writers run
	failOnce sync.Once
	err      error
}

// send is one message to one debtor for one or more invoices at the
// same stage kind, tone and channel, with its actions.
type send struct {
	debtor   *store.DunningCandidate // the first invoice's row: the debtor's facts
	step     Step
	channel  string // email, sms, letter; "none" for a hand-over or when no address is on file
	to       string
	skip     string // why nothing is sent (no_address), or ""
	template string // the message template's name@version
	// msgID and linkID are the message's and its link's ids, taken
	// before the actions are claimed.
	msgID, linkID int64
	items         []item
}

type item struct {
	cand     *store.DunningCandidate
	action   store.DunningAction
	fee      FeeCharge
	interest int64
	amount   int64 // dunnable: open less held
}

// debtor decides what one debtor's open invoices need now.
func (r *run) debtor(ctx context.Context, invs []*store.DunningCandidate) error {
	cfg, rep := r.cfg, r.rep
	d := invs[0]
	rep.Invoices += len(invs)
	switch {
	case d.PromiseUntil != nil:
		rep.Held["promise"] += len(invs)
		return nil
	case d.PausedUntil != nil && !d.PausedUntil.Before(r.today):
		rep.Held["paused"] += len(invs)
		return nil
	case d.Hardship && !cfg.Settings.HardshipFlow:
		rep.Held["hardship"] += len(invs)
		return nil
	}
	facts := r.facts(invs)
	key, _ := cfg.Settings.Segmentation.Pick(&facts)
	p := cfg.Policies[key]
	lag := 0
	if d.UsualLagDays != nil && d.InvoicesPaid != nil && *d.InvoicesPaid >= 3 && *d.UsualLagDays > 0 {
		lag = *d.UsualLagDays
	}
	var sends []*send
	for _, c := range invs {
		switch {
		case c.InPlan:
			rep.Held["plan"]++
			continue
		case c.HeldMinor >= c.OpenMinor:
			rep.Held["dispute"]++
			continue
		}
		next := 0
		for i, s := range p.Stages {
			if slices.Contains(c.Done, s.Key) {
				next = i + 1
			}
		}
		inv := &Invoice{DebtorID: c.DebtorID, DueDate: c.DueDate, Next: next, LagDays: lag}
		if d.ReminderDay != nil {
			inv.PreferredDay = *d.ReminderDay
		}
		step, ok := cfg.Timing.Due(p, inv, r.asOf, r.buf)
		if ok {
			step, ok = r.escalation(p, c, inv, step)
		}
		if !ok {
			continue
		}
		stage := &p.Stages[step.Index]
		it := item{cand: c, amount: c.OpenMinor - c.HeldMinor}
		it.action = store.DunningAction{CreditorID: cfg.Creditor.ID, DebtorID: c.DebtorID, InvoiceID: c.InvoiceID,
			RunID: nilIfZero(rep.RunID), PolicyKey: p.Key, PolicyVersion: cfg.Versions[p.Key], Stage: stage.Key,
			Kind: string(step.Kind), Tone: string(step.Tone), OpenMinor: it.amount, Currency: c.Currency, Status: "sent",
			CreatedAt: r.asOf}
		if stage.Experiment != nil && step.Variant >= 0 {
			it.action.Experiment, it.action.Variant = stage.Experiment.ID, stage.Experiment.Variants[step.Variant].Key
		}
		var s *send
		for _, x := range sends {
			if x.step.Kind == step.Kind && x.step.Tone == step.Tone && x.step.Channel == step.Channel && slices.Equal(x.step.Fallbacks, step.Fallbacks) {
				s = x
			}
		}
		if s == nil {
			s = &send{debtor: d, step: step}
			s.channel, s.to = r.channel(d, step)
			if step.Kind == Handover {
				s.channel, s.to = "none", ""
			} else if s.channel == "" {
				s.channel, s.skip = "none", "no_address"
			}
			if s.channel != "none" {
				s.template = templateKey(step, s.channel) + "@" + templateVersion(r.e.Text, r.lang(d), templateKey(step, s.channel))
			}
			sends = append(sends, s)
		}
		it.action.Channel, it.action.Template, it.action.SkipReason = s.channel, s.template, s.skip
		if s.skip != "" {
			it.action.Status = "skipped"
		}
		if step.Kind.Dunning() && s.skip == "" {
			r.charges(&it, p, stage, d.Kind)
		}
		s.items = append(s.items, it)
	}
	// Frequency cap: an email or SMS within CapHours of the last one
	// waits (the stage stays due; a later run sends it).
	capped := d.LastSentAt != nil && r.asOf.Sub(*d.LastSentAt) < time.Duration(cfg.Settings.CapHours)*time.Hour
	kept := sends[:0]
	sentNow := false
	for _, s := range sends {
		if s.skip == "" && (s.channel == "email" || s.channel == "sms") {
			if capped || sentNow {
				rep.Held["cap"] += len(s.items)
				continue
			}
			sentNow = true
		}
		kept = append(kept, s)
	}
	if len(kept) == 0 {
		return nil
	}
	r.batch = append(r.batch, kept...)
	r.nDebt++
	if r.nDebt >= r.e.batchSize() {
		return r.flush(ctx)
	}
	return nil
}

// escalation keeps a policy's order where stages were passed over (an
// invoice imported long after its due date, a scheduler that was down):
// a final notice needs a reminder before it and a hand-over the final
// notice (or, without one, a reminder), so the stage carried out is the
// first one missing; and a final notice or hand-over goes no sooner
// after the invoice's previous action than the policy spaces the two
// stages, so the debtor always has the time the policy gives them.
func (r *run) escalation(p *Policy, c *store.DunningCandidate, inv *Invoice, step Step) (Step, bool) {
	done := func(k Kind) bool {
		for _, s := range p.Stages {
			if s.Kind == k && slices.Contains(c.Done, s.Key) {
				return true
			}
		}
		return false
	}
	lastBefore := func(idx int, k Kind) int {
		for i := idx - 1; i >= inv.Next; i-- {
			if p.Stages[i].Kind == k {
				return i
			}
		}
		return -1
	}
	idx := step.Index
	for {
		need := -1
		switch p.Stages[idx].Kind {
		case Handover:
			if !done(Final) {
				if need = lastBefore(idx, Final); need < 0 && !done(Reminder) {
					need = lastBefore(idx, Reminder)
				}
			}
		case Final:
			if !done(Reminder) {
				need = lastBefore(idx, Reminder)
			}
		}
		if need < 0 {
			break
		}
		idx = need
	}
	if idx != step.Index {
		step = r.cfg.Timing.Schedule(r.buf[:0], p, inv)[idx]
	}
	if k := step.Kind; (k == Final || k == Handover) && c.LastActionAt != nil {
		prev := -1
		for i, s := range p.Stages {
			if slices.Contains(c.Done, s.Key) {
				prev = i
			}
		}
		if prev >= 0 {
			gap := p.Stages[idx].Offset - p.Stages[prev].Offset
			if r.today.Before(r.cfg.Creditor.Today(*c.LastActionAt).AddDate(0, 0, gap)) {
				return Step{}, false
			}
		}
	}
	return step, true
}

func (e *Engine) batchSize() int {
	if e.Batch > 0 {
		return e.Batch
	}
	return DefaultBatch
}

func nilIfZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// facts are what the segment rules see of a debtor.
func (r *run) facts(invs []*store.DunningCandidate) Facts {
	d := invs[0]
	f := Facts{DebtorKind: d.Kind, Segment: d.Segment, Hardship: d.Hardship}
	for _, c := range invs {
		if !c.InPlan {
			f.OpenMinor += c.OpenMinor - c.HeldMinor
		}
	}
	if d.InvoicesPaid != nil {
		f.PaidLate = deref(d.PaidLate)
		f.PaidOnTime = *d.InvoicesPaid - f.PaidLate
		f.TenureMonths = deref(d.TenureMonths)
	}
	if d.Propensity != nil {
		f.Propensity, f.HasPropensity = *d.Propensity, true
	}
	return f
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// charges works out the fee and the default interest a reminder books.
func (r *run) charges(it *item, p *Policy, stage *Stage, kind string) {
	cfg := r.cfg
	c := it.cand
	// The n-th reminder of the invoice, and what the earlier ones cost.
	n := 1
	var costs int64
	for _, s := range p.Stages {
		if s.Kind.Dunning() && slices.Contains(c.Done, s.Key) {
			if n > 1 {
				costs += s.FeeMinor
			}
			n++
		}
	}
	it.fee = cfg.Settings.Fees.Fee(FeeInput{DebtorKind: kind, Number: n, StageFeeMinor: stage.FeeMinor,
		CostsBeforeMinor: costs, ChargedBeforeMinor: c.FeesMinor})
	it.action.FeeMinor = it.fee.Total()
	// Default interest on the principal (what is open less fees and
	// interest: no interest on interest, § 289 BGB), from the day after
	// default began until today, less what was booked before.
	var first *time.Time
	channel := ""
	if c.FirstReminderAt != nil {
		t := cfg.Creditor.Today(*c.FirstReminderAt)
		first = &t
	}
	if c.FirstReminderChannel != nil {
		channel = *c.FirstReminderChannel
	}
	if first == nil && n == 1 {
		t := r.today // this reminder starts the default
		first, channel = &t, it.action.Channel
	}
	delivery := 0
	if channel == "letter" {
		delivery = cfg.Settings.LetterDays // the default starts when the letter arrives
	}
	began, ok := DefaultBegan(cfg.Settings.DefaultMode, c.DueDate, first, delivery)
	if !ok {
		return
	}
	principal := c.OpenMinor - c.FeesMinor - c.InterestMinor - c.HeldMinor
	due := cfg.Settings.Fees.DefaultInterest(principal, kind, began, r.today).Minor - c.InterestMinor
	if due > 0 {
		it.interest = due
		it.action.InterestMinor = due
	}
}

// channel picks how a step reaches the debtor: the stage's channel, or
// for Preferred the debtor's choice and then the fallbacks, whichever
// first has an address on file. "" when none has.
func (r *run) channel(d *store.DunningCandidate, st Step) (string, string) {
	try := []Channel{st.Channel}
	if st.Channel == Preferred {
		try = append([]Channel{Channel(d.PreferredChannel)}, st.Fallbacks...)
	}
	for _, ch := range try {
		switch ch {
		case Email:
			if d.Email != "" {
				return "email", d.Email
			}
		case SMS:
			if d.Phone != "" {
				return "sms", d.Phone
			}
		case Letter:
			if d.Street != "" && d.Postcode != "" && d.City != "" {
				return "letter", strings.Join([]string{d.Name, d.Street, d.Postcode + " " + d.City}, "\n")
			}
		}
	}
	return "", ""
}

// flush writes the batch: it re-checks every invoice right before
// sending, claims the actions (those another run claimed are dropped),
// and writes messages, links, fees, interest and timeline in one
// transaction.
func (r *run) flush(ctx context.Context) error {
	batch := r.batch
	r.batch, r.nDebt = nil, 0
	if len(batch) == 0 {
		return nil
	}
	if r.pipe == nil {
		return r.write(ctx, batch, r.rep)
	}
	select {
	case r.pipe <- batch:
		return nil
	case <-r.failed:
		return r.err
	}
}

// Writers is how many batches are written at once (each on its own
// connection, in its own transaction): the database does most of a
// batch's work, so two keep both cores of a small machine busy.
const Writers = 2

// startWriters starts the goroutines that write the batches flush hands
// them; stopWriters waits for them and returns the first error.
func (r *run) startWriters(ctx context.Context, n int) {
	r.pipe, r.failed = make(chan []*send, n), make(chan struct{})
	for range n {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for batch := range r.pipe {
				part := &Report{Held: map[string]int{}, Actions: map[string]int{}}
				if err := r.write(ctx, batch, part); err != nil {
					r.failOnce.Do(func() { r.err = err; close(r.failed) })
					continue // drain: flush sees failed
				}
				r.mu.Lock()
				for k, v := range part.Actions {
					r.rep.Actions[k] += v
				}
				r.rep.Messages += part.Messages
				r.rep.Changed += part.Changed
				r.rep.Lost += part.Lost
				r.rep.FeesMinor += part.FeesMinor
				r.rep.InterestMinor += part.InterestMinor
				r.mu.Unlock()
			}
		}()
	}
}

func (r *run) stopWriters() error {
	if r.pipe == nil {
		return nil
	}
	close(r.pipe)
	r.wg.Wait()
	r.pipe = nil
	return r.err
}

// write carries out one batch, counting into rep.
func (r *run) write(ctx context.Context, batch []*send, rep *Report) error {
	if r.dry {
		for _, s := range batch {
			for _, it := range s.items {
				rep.Actions[string(s.step.Kind)+"/"+s.channel]++
				rep.FeesMinor += it.fee.Total()
				rep.InterestMinor += it.interest
			}
			if s.channel != "none" {
				rep.Messages++
			}
		}
		return nil
	}
	var ids []int64
	for _, s := range batch {
		for _, it := range s.items {
			ids = append(ids, it.cand.InvoiceID)
		}
	}
	return r.e.Store.InTx(ctx, func(tx *store.Store) error {
		now, err := tx.DunnableNow(ctx, r.cfg.Creditor.ID, ids, r.today, !r.cfg.Settings.HardshipFlow)
		if err != nil {
			return err
		}
		// Ids for each message and its link first: the actions are
		// claimed pointing at them.
		n := 0
		for _, s := range batch {
			if s.channel != "none" {
				n++
			}
		}
		msgIDs, linkIDs, err := tx.DunningIDs(ctx, n)
		if err != nil {
			return err
		}
		var actions []store.DunningAction
		for _, s := range batch {
			if s.channel != "none" {
				s.msgID, s.linkID = msgIDs[0], linkIDs[0]
				msgIDs, linkIDs = msgIDs[1:], linkIDs[1:]
			}
			kept := s.items[:0]
			for _, it := range s.items {
				if amount, ok := now[it.cand.InvoiceID]; !ok || amount < it.amount {
					// Paid (in part), disputed, planned or promised since
					// the run read it: the next run decides afresh.
					rep.Changed++
					continue
				}
				if s.msgID != 0 {
					it.action.MessageID, it.action.LinkID = &s.msgID, &s.linkID
				}
				kept = append(kept, it)
				actions = append(actions, it.action)
			}
			s.items = kept
		}
		claimed, err := tx.ClaimDunningActions(ctx, actions)
		if err != nil {
			return err
		}
		rep.Lost += len(actions) - len(claimed)
		byInvoice := make(map[int64]store.DunningAction, len(claimed))
		for _, a := range claimed {
			byInvoice[a.InvoiceID] = a
		}
		var msgs []store.DunningMessage
		var bookings []store.DunningBooking
		var timeline []store.DunningTimelineEntry
		for _, s := range batch {
			var mine []item
			for _, it := range s.items {
				if a, ok := byInvoice[it.cand.InvoiceID]; ok && a.Stage == it.action.Stage {
					it.action = a
					mine = append(mine, it)
				}
			}
			if len(mine) == 0 {
				continue
			}
			s.items = mine
			for _, it := range mine {
				rep.Actions[string(s.step.Kind)+"/"+s.channel]++
				ref := it.cand.Number // the statement names the kind (fee, interest) itself
				if f := it.fee.Total(); f > 0 {
					bookings = append(bookings, store.DunningBooking{ActionID: it.action.ID, DebtorID: it.cand.DebtorID,
						InvoiceID: it.cand.InvoiceID, Kind: "fee", AmountMinor: f, Currency: it.cand.Currency,
						ValueDate: r.today, Reference: ref})
					rep.FeesMinor += f
				}
				if it.interest > 0 {
					bookings = append(bookings, store.DunningBooking{ActionID: it.action.ID, DebtorID: it.cand.DebtorID,
						InvoiceID: it.cand.InvoiceID, Kind: "interest", AmountMinor: it.interest, Currency: it.cand.Currency,
						ValueDate: r.today, Reference: ref})
					rep.InterestMinor += it.interest
				}
				data := map[string]any{"stage": it.action.Stage, "number": it.cand.Number, "amount_minor": it.amount,
					"currency": it.cand.Currency, "fee_minor": it.fee.Total(), "interest_minor": it.interest,
					"template": it.action.Template, "variant": it.action.Variant}
				if s.skip != "" {
					data["skipped"] = s.skip
				}
				timeline = append(timeline, store.DunningTimelineEntry{DebtorID: it.cand.DebtorID, InvoiceID: it.cand.InvoiceID,
					Kind: "dunning." + string(s.step.Kind), Channel: s.channel, Data: data, Internal: s.skip != ""})
			}
			if s.channel == "none" {
				continue
			}
			m, err := r.message(ctx, s)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
			rep.Messages++
		}
		if err := tx.RecordDunningSends(ctx, r.cfg.Creditor.ID, msgs, bookings, timeline); err != nil {
			return err
		}
		// The creditor hears of hand-overs at once (they pass the claim on).
		for _, s := range batch {
			if s.step.Kind != Handover || len(s.items) == 0 {
				continue
			}
			var numbers []string
			var total int64
			for _, it := range s.items {
				numbers = append(numbers, it.cand.Number)
				total += it.amount
			}
			if _, err := tx.AddEvent(ctx, r.cfg.Creditor.ID, &s.debtor.DebtorID, "dunning.handover", map[string]any{
				"customer_number": s.debtor.CustomerNumber, "invoice_numbers": numbers, "open_minor": total,
				"currency": s.items[0].cand.Currency}); err != nil {
				return err
			}
		}
		return nil
	})
}

// message renders a send's text in the debtor's language with a fresh
// link; the template's name and version go on each action.
func (r *run) message(_ context.Context, s *send) (store.DunningMessage, error) {
	c, d := r.cfg.Creditor, s.debtor
	lang := r.lang(d)
	token, hash := ar.NewToken()
	subject, body := r.text(lang, s, r.e.Portal.LinkURL(token))
	m := store.DunningMessage{ID: s.msgID, LinkID: s.linkID, DebtorID: d.DebtorID, TokenHash: hash, ExpiresAt: r.asOf.Add(linkTTL(c)),
		Channel: s.channel, Recipient: s.to, Status: "queued"}
	ch := s.channel
	if ch == "letter" {
		m.Status = "to_print"
	}
	if ch == "email" || ch == "letter" {
		m.Subject = subject
	}
	m.Body = body
	if ch == "email" && r.e.Portal.HTML != nil {
		html, err := r.e.Portal.HTML(context.Background(), c.Name, c.PrimaryColor, lang, m.Body)
		if err != nil {
			return m, err
		}
		m.HTMLBody = html
	}
	return m, nil
}

// text is a send's subject and body (for its channel) in lang with the
// link url: the wording message sends and Preview shows.
func (r *run) text(lang string, s *send, url string) (subject, body string) {
	c, d := r.cfg.Creditor, s.debtor
	tr := r.e.Text
	loc := tr.Locale(lang)
	key := "message.dunning." + string(s.step.Kind) + "." + string(s.step.Tone)
	var total, fee int64
	var lines []string
	var numbers []string
	due := s.items[0].cand.DueDate
	for _, it := range s.items {
		total += it.amount + it.fee.Total() + it.interest
		fee += it.fee.Total()
		numbers = append(numbers, it.cand.Number)
		if it.cand.DueDate.Before(due) {
			due = it.cand.DueDate
		}
		line := tr.Text(lang, "message.dunning.line", "Number", it.cand.Number, "Date", loc.Date(it.cand.IssueDate),
			"DueDate", loc.Date(it.cand.DueDate), "Amount", tr.Money(lang, it.amount, it.cand.Currency))
		if it.fee.Total() > 0 || it.interest > 0 {
			line += "\n" + tr.Text(lang, "message.dunning.line_charges", "Fee", tr.Money(lang, it.fee.Total(), it.cand.Currency),
				"Interest", tr.Money(lang, it.interest, it.cand.Currency))
		}
		lines = append(lines, line)
	}
	cur := s.items[0].cand.Currency
	feeText := ""
	if fee > 0 {
		feeText = tr.Money(lang, fee, cur)
	}
	args := []any{"Creditor", c.Name, "Name", d.Name, "URL", url, "Amount", tr.Money(lang, total, cur),
		"Count", len(s.items), "Invoices", strings.Join(lines, "\n"), "InvoicesShort", strings.Join(numbers, ", "),
		"DueDate", loc.Date(due), "Fee", feeText, "Deadline", loc.Date(r.today.AddDate(0, 0, r.cfg.Settings.PayDays)),
		"Phone", c.SupportPhone}
	if s.channel == "email" || s.channel == "letter" {
		subject = tr.Text(lang, key+".subject", args...)
	}
	return subject, tr.Text(lang, key+"."+s.channel, args...)
}

// lang is the language a debtor is written to in.
func (r *run) lang(d *store.DunningCandidate) string {
	if d.Language != "" {
		return d.Language
	}
	return r.cfg.Creditor.DefaultLanguage
}

// templateKey is the message text of a step on a channel.
func templateKey(st Step, channel string) string {
	return "message.dunning." + string(st.Kind) + "." + string(st.Tone) + "." + channel
}

func linkTTL(c *ar.Creditor) time.Duration {
	if c.LinkTTL > 0 {
		return c.LinkTTL
	}
	return 30 * 24 * time.Hour
}

// templateVersion is a short hash of a message template's text in a
// language: it changes whenever the text does, so every action records
// exactly which wording went out (experiments compare like with like).
func templateVersion(tr *i18n.Catalog, lang, key string) string {
	k := lang + "\x00" + key
	versionsMu.Lock()
	v, ok := versions[k]
	versionsMu.Unlock()
	if ok {
		return v
	}
	// Rendered with each placeholder standing for itself, the text is
	// the template (conditional parts shown).
	var args []any
	for _, name := range []string{"Creditor", "Name", "URL", "Amount", "Count", "Invoices", "InvoicesShort", "DueDate",
		"Fee", "Deadline", "Phone"} {
		args = append(args, name, "{"+name+"}")
	}
	sum := sha256.Sum256([]byte(tr.Text(lang, key, args...)))
	v = lang + "-" + hex.EncodeToString(sum[:4])
	versionsMu.Lock()
	versions[k] = v
	versionsMu.Unlock()
	return v
}

var (
	versionsMu sync.Mutex
	versions   = map[string]string{}
)

// Check is notify.Sender's last look before a message goes out: a
// dunning message whose invoices were all paid, disputed, taken into a
// plan or promised since it was made is cancelled with the reason.
func (e *Engine) Check(ctx context.Context, creditorID, messageID int64, purpose string) (string, error) {
	if purpose != "dunning" {
		return "", nil
	}
	ids, err := e.Store.DunningMessageInvoices(ctx, creditorID, messageID)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	c, err := e.Store.Creditor(ctx, creditorID)
	if err != nil {
		return "", err
	}
	// Only the hardship setting matters here: not the whole config (its
	// policies and holiday calendar) for every message sent.
	var flow struct{ HardshipFlow bool }
	doc, err := e.Store.DunningSettings(ctx, creditorID)
	if err != nil {
		return "", err
	}
	if doc != nil {
		if err := json.Unmarshal(doc.Definition, &flow); err != nil {
			return "", fmt.Errorf("dunning: creditor %s: settings: %w", c.Slug, err)
		}
	}
	due, err := e.Store.DunnableNow(ctx, creditorID, ids, c.Today(e.now()), !flow.HardshipFlow)
	if err != nil {
		return "", err
	}
	if len(due) == 0 {
		return "no longer due: paid, disputed, in a plan or promised since the reminder was made", nil
	}
	return "", nil
}

// KindBehaviourJob is the nightly job that computes how each debtor pays.
const KindBehaviourJob = "dunning.behaviour"

// Behaviour computes every debtor's payment behaviour (debtor_behaviour)
// for one creditor or all (creditorID 0), and returns how many debtors.
func (e *Engine) Behaviour(ctx context.Context, creditorID int64) (int64, error) {
	creditors, err := e.Store.Creditors(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	now := e.now()
	for _, c := range creditors {
		if creditorID != 0 && c.ID != creditorID {
			continue
		}
		k, err := e.Store.ComputeDebtorBehaviour(ctx, c.ID, now, c.Today(now))
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}
