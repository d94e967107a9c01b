package handlers

import (
	"net/http"
	"time"

	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// dashboardPeriods are the periods the dashboard offers; the first is
// the default.
var dashboardPeriods = []string{"30d", "90d", "12m"}

// staffDashboardShow shows the collections figures of the creditor for a
// period (?period=30d|90d|12m) of whole days in the creditor's time
// zone, ending today.
func (s *Server) staffDashboardShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	c := sc.creditor
	period := r.URL.Query().Get("period")
	today := c.Today(s.Now())
	var from time.Time
	switch period {
	case "90d":
		from = today.AddDate(0, 0, -89)
	case "12m":
		from = today.AddDate(-1, 0, 1)
	default:
		period, from = "30d", today.AddDate(0, 0, -29)
	}
	p := store.NewKPIPeriod(from, today, c.Location())
	k, err := s.Store.KPIs(r.Context(), c.ID, c.Currency, p)
	if err != nil {
		return err
	}
	vm := views.DashboardVM{Period: period, Periods: dashboardPeriods, From: p.From, To: p.To, Days: p.Days(),
		Currency: c.Currency, OpenMinor: k.OpenMinor, OverdueMinor: k.OverdueMinor, OpenInvoices: k.OpenInvoices,
		OverdueInvoices: k.OverdueInvoices, SalesMinor: k.SalesMinor, DueMinor: k.DueMinor, DuePaidMinor: k.DuePaidMinor,
		LinkOpened: k.LinkOpened, LinkPaid: k.LinkPaid, ReceivedMinor: k.ReceivedMinor, ReceivedCount: k.ReceivedCount,
		Disputes:     views.TaskFlowVM(k.Disputes),
		PlanRequests: views.TaskFlowVM(k.PlanRequests),
		Restore: views.RestoreVM{Signals: k.Restore.Signals, Lifted: k.Restore.Lifted,
			PaymentToSignal: seconds(k.Restore.PaymentToSignal), SignalToActive: seconds(k.Restore.SignalToActive)}}
	vm.DSO, vm.HasDSO = k.DSO(p.Days())
	vm.RateBP, vm.HasRate = k.CollectionRate()
	vm.ConversionBP, vm.HasConversion = k.LinkConversion()
	for _, m := range k.Methods {
		share := 0
		if k.ReceivedMinor > 0 {
			share = int(m.Minor * 10000 / k.ReceivedMinor)
		}
		vm.Methods = append(vm.Methods, views.MethodShare{Method: m.Method, Count: m.Count, Minor: m.Minor, ShareBP: share})
	}
	for _, wk := range k.Weeks {
		vm.Weeks = append(vm.Weeks, views.WeekBar(wk))
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDashboardPage(vm))
}

// seconds turns a median in seconds into a duration (nil stays nil).
func seconds(f *float64) *time.Duration {
	if f == nil {
		return nil
	}
	d := time.Duration(*f * float64(time.Second))
	return &d
}
