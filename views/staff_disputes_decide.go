package views

// DisputeDecisionVM is the decision forms on a dispute's page: what was
// typed and what was wrong with it.
type DisputeDecisionVM struct {
	Amount   string // the credit note's amount as typed (default: the disputed amount)
	Reason   string // a rejection's reason
	Question string // the question to the debtor
	Errors   map[string]FieldErr
}

// Err is the field's error, or nil.
func (f DisputeDecisionVM) Err(field string) *FieldErr {
	if e, ok := f.Errors[field]; ok {
		return &e
	}
	return nil
}
