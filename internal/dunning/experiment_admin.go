package dunning

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// experiments (issue 9): starting an experiment on a stage and ending
// it by promoting the winning variant into the stage. Both save the
// policy (a new version, or the first stored one for a built-in policy)
// and write the audit log in one transaction.

// Running is an experiment running in one of a creditor's policies.
type Running struct {
	PolicyKey  string
	Policy     *Policy
	Stage      *Stage
	Experiment *Experiment
	Version    int // of the stored policy; 0 for a built-in one
}

// Running lists the experiments in the creditor's policies, by id.
func (cfg *Config) Running() []Running {
	var list []Running
	for key, p := range cfg.Policies {
		for i := range p.Stages {
			if e := p.Stages[i].Experiment; e != nil {
				list = append(list, Running{PolicyKey: key, Policy: p, Stage: &p.Stages[i], Experiment: e, Version: cfg.Versions[key]})
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Experiment.ID < list[j].Experiment.ID })
	return list
}

// FindRunning is the running experiment with the id, or false.
func (cfg *Config) FindRunning(id string) (Running, bool) {
	for _, r := range cfg.Running() {
		if r.Experiment.ID == id {
			return r, true
		}
	}
	return Running{}, false
}

// Promote ends the experiment on stage i: the stage takes the winning
// variant's tone, channel and timing shift, and has no experiment any
// more. False if the stage has no experiment or no such variant.
func (p *Policy) Promote(i int, variant string) bool {
	s := &p.Stages[i]
	if s.Experiment == nil {
		return false
	}
	for _, v := range s.Experiment.Variants {
		if v.Key != variant {
			continue
		}
		if v.Tone != "" {
			s.Tone = v.Tone
		}
		if v.Channel != "" && v.Channel != s.Channel {
			s.Channel, s.Fallbacks = v.Channel, nil
		}
		s.Offset += v.ShiftDays
		s.Experiment = nil
		return true
	}
	return false
}

// EndExperiment ends a running experiment of the creditor with the
// winning variant: the winner is promoted into its stage, the policy
// saved as a new version, the end recorded (dunning_experiments) and
// audited (experiment.ended). An unknown experiment is NotFound, an
// unknown variant Invalid (field "winner").
func EndExperiment(ctx context.Context, st *store.Store, c *ar.Creditor, staffID int64, id, winner string, now time.Time) error {
	cfg, err := LoadConfig(ctx, st, c, now)
	if err != nil {
		return err
	}
	run, ok := cfg.FindRunning(id)
	if !ok {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	p := clonePolicy(run.Policy)
	idx := -1
	for i := range p.Stages {
		if p.Stages[i].Key == run.Stage.Key {
			idx = i
		}
	}
	if !p.Promote(idx, winner) {
		return &ar.Error{Code: ar.Invalid, Key: "error.staff.experiments.winner", Field: "winner"}
	}
	if err := p.Validate(); err != nil {
		return err
	}
	def, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return st.InTx(ctx, func(tx *store.Store) error {
		by := staffID
		version, err := tx.SaveDunningPolicy(ctx, c.ID, p.Key, def, &by)
		if err != nil {
			return err
		}
		if err := tx.EndExperiment(ctx, c.ID, store.EndedExperiment{Experiment: id, PolicyKey: p.Key,
			Stage: run.Stage.Key, EndedAt: now, EndedBy: &by, Winner: winner}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by, &c.ID, "experiment.ended", id,
			map[string]any{"policy": p.Key, "version": run.Version, "stage": run.Stage},
			map[string]any{"policy": p.Key, "version": version, "stage": p.Stages[idx], "winner": winner})
	})
}

// StartExperiment puts an experiment on a stage of one of the
// creditor's policies, checked by Policy.Validate (the field names are
// the policy's: "stages.N.experiment.…"), saved as a new version and
// audited (experiment.started). An id used before (running or ended) is
// a conflict on field "id"; a stage with an experiment running is one
// on field "stage".
func StartExperiment(ctx context.Context, st *store.Store, c *ar.Creditor, staffID int64, policyKey, stageKey string, e Experiment, now time.Time) error {
	cfg, err := LoadConfig(ctx, st, c, now)
	if err != nil {
		return err
	}
	base := cfg.Policies[policyKey]
	if base == nil {
		return &ar.Error{Code: ar.Invalid, Key: "error.staff.experiments.policy", Field: "policy"}
	}
	p := clonePolicy(base)
	idx := -1
	for i := range p.Stages {
		if p.Stages[i].Key == stageKey {
			idx = i
		}
	}
	if idx < 0 {
		return &ar.Error{Code: ar.Invalid, Key: "error.staff.experiments.stage", Field: "stage"}
	}
	if p.Stages[idx].Experiment != nil {
		return &ar.Error{Code: ar.Conflict, Key: "error.staff.experiments.stage_busy", Field: "stage"}
	}
	if _, ok := cfg.FindRunning(e.ID); ok {
		return &ar.Error{Code: ar.Conflict, Key: "error.staff.experiments.id_taken", Field: "id"}
	}
	ended, err := st.EndedExperiments(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, x := range ended {
		if x.Experiment == e.ID {
			return &ar.Error{Code: ar.Conflict, Key: "error.staff.experiments.id_taken", Field: "id"}
		}
	}
	p.Stages[idx].Experiment = &e
	if err := p.Validate(); err != nil {
		return err
	}
	def, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return st.InTx(ctx, func(tx *store.Store) error {
		by := staffID
		version, err := tx.SaveDunningPolicy(ctx, c.ID, p.Key, def, &by)
		if err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by, &c.ID, "experiment.started", e.ID,
			map[string]any{"policy": p.Key, "version": cfg.Versions[p.Key]},
			map[string]any{"policy": p.Key, "version": version, "stage": p.Stages[idx]})
	})
}

// clonePolicy is a deep copy (through JSON: a policy is a document).
func clonePolicy(p *Policy) *Policy {
	b, _ := json.Marshal(p)
	var q Policy
	_ = json.Unmarshal(b, &q)
	return &q
}
