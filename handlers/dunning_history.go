package handlers

import (
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
)

// dunningArgs formats a dunning entry's fee, interest and stage.
func dunningArgs(loc *i18n.Locale, in ar.Interaction) []any {
	if !strings.HasPrefix(in.Kind, "dunning.") {
		return nil
	}
	cur, _ := in.Data["currency"].(string)
	if cur == "" {
		cur = "EUR"
	}
	money := func(k string) string {
		if v, ok := in.Data[k].(float64); ok && v > 0 {
			return loc.Money(int64(v), cur)
		}
		return ""
	}
	stage, _ := in.Data["stage"].(string)
	skipped := ""
	if s, _ := in.Data["skipped"].(string); s != "" {
		skipped = loc.T("staff.timeline.dunning.skipped." + s)
	}
	return []any{"Fee", money("fee_minor"), "Interest", money("interest_minor"), "Stage", stage, "Skipped", skipped}
}
