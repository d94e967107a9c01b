package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/static"
)

// Access is who may call a route.
type Access int

// Access levels.
const (
	Public Access = iota // anyone
	Debtor               // a debtor session (the link alone)
	StepUp               // a debtor session that passed the step-up
	APIKey               // a creditor's API key (Authorization: Bearer)
	Staff                // a staff session whose role grants Route.Perm
)

// Route is one entry of the routing table.
type Route struct {
	Pattern string // net/http ServeMux pattern, with method
	Access  Access
	handler http.Handler
	Perm    staff.Permission // Staff routes: what the role must allow
}

// Routes is every route of the product, in one list. Tests walk it (IDOR,
// CSRF, headers), so a new route is covered the moment it is added.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET /{$}", Public, s.handle(s.homeShow), ""},
		{"GET /l/{token}", Public, s.handle(s.linkShow), ""},
		{"POST /l/{token}", Public, s.handle(s.linkEnter), ""},
		{"GET /e/{slug}", Public, s.handle(s.entry), ""},
		{"GET /account", Debtor, s.debtor(s.accountShow), ""},
		{"GET /account/pay", Debtor, s.debtor(s.payShow), ""},
		{"POST /account/payments", Debtor, s.debtor(s.paymentStart), ""},
		{"GET /account/payments/{id}", Debtor, s.debtor(s.paymentShow), ""},
		{"POST /webhooks/mollie", Public, http.HandlerFunc(s.mollieWebhook), ""},
		{"GET /account/help", Debtor, s.debtor(s.helpShow), ""},
		{"GET /account/verify", Debtor, s.debtor(s.stepUpShow), ""},
		{"POST /account/verify", Debtor, s.debtor(s.stepUpSubmit), ""},
		{"POST /account/verify/send", Debtor, s.debtor(s.stepUpSend), ""},
		{"GET /account/invoices/{number}", StepUp, s.steppedUp(s.invoiceShow), ""},
		{"GET /account/invoices/{number}/pdf", StepUp, s.steppedUp(s.invoicePDF), ""},
		{"GET /account/statement", StepUp, s.steppedUp(s.statementShow), ""},
		{"GET /account/history", StepUp, s.steppedUp(s.historyShow), ""},
		// Payment plans and deferrals (issue 7), debtor side: they show
		// invoice numbers and amounts, so all need the step-up.
		{"GET /account/more-time", StepUp, s.steppedUp(s.moreTimeShow), ""},
		{"POST /account/more-time", StepUp, s.steppedUp(s.moreTimePreview), ""},
		{"POST /account/plans", StepUp, s.steppedUp(s.planCreate), ""},
		{"GET /account/plans", StepUp, s.steppedUp(s.plansList), ""},
		{"GET /account/plans/{plan}", StepUp, s.steppedUp(s.planShow), ""},
		{"POST /account/plans/{plan}/cancel", StepUp, s.steppedUp(s.planCancel), ""},
		{"POST /account/plans/{plan}/accept", StepUp, s.steppedUp(s.planAccept), ""},
		{"POST /account/plans/{plan}/decline", StepUp, s.steppedUp(s.planDecline), ""},
		// Plans: autopay by direct debit, and the debtor's mandate.
		{"POST /account/plans/{plan}/autopay", StepUp, s.steppedUp(s.planAutopayStart), ""},
		{"GET /account/mandate", StepUp, s.steppedUp(s.mandateShow), ""},
		{"POST /account/mandate/revoke", StepUp, s.steppedUp(s.mandateRevoke), ""},
		// Promises to pay (issue 8), debtor side: amounts, so the step-up.
		{"GET /account/promise", StepUp, s.steppedUp(s.promiseShow), ""},
		{"POST /account/promise", StepUp, s.steppedUp(s.promiseCreate), ""},
		// Disputes (issue 8), debtor side: "something is wrong with this
		// invoice", the dispute's page with the conversation, and its files
		// (only ever to the debtor who disputed).
		{"GET /account/invoices/{number}/dispute", StepUp, s.steppedUp(s.disputeNew), ""},
		{"POST /account/invoices/{number}/disputes", StepUp, s.steppedUp(s.disputeCreate), ""},
		{"GET /account/disputes", StepUp, s.steppedUp(s.disputesList), ""},
		{"GET /account/disputes/{dispute}", StepUp, s.steppedUp(s.disputeShow), ""},
		{"POST /account/disputes/{dispute}/messages", StepUp, s.steppedUp(s.disputeMessage), ""},
		{"GET /account/disputes/{dispute}/attachments/{attachment}", StepUp, s.steppedUp(s.disputeAttachment), ""},
		// Credit notes (issue 8): the debtor's copy of a credit note, from
		// the creditor's API or an accepted dispute.
		{"GET /account/credit-notes/{creditnote}/pdf", StepUp, s.steppedUp(s.creditNotePDF), ""},
		// reminders (issue 9), debtor side: how the debtor wants to be
		// reminded (personal data: the step-up).
		{"GET /account/reminders", StepUp, s.steppedUp(s.remindersShow), ""},
		{"POST /account/reminders", StepUp, s.steppedUp(s.remindersSave), ""},
		// Credit requests (issue 9): "request a credit note" (a case of kind
		// credit_request, shown with the disputes), and withdrawing a live
		// case of either kind.
		{"GET /account/credit-request", StepUp, s.steppedUp(s.creditRequestNew), ""},
		{"POST /account/credit-requests", StepUp, s.steppedUp(s.creditRequestCreate), ""},
		{"POST /account/disputes/{dispute}/withdraw", StepUp, s.steppedUp(s.disputeWithdraw), ""},
		{"POST /logout", Public, s.handle(s.logout), ""},
		{"GET /signed-out", Public, s.handle(s.signedOut), ""},
		{"GET /brand/{slug}/logo", Public, s.handle(s.brandLogo), ""},
		{"GET /staff/login", Public, s.handle(s.staffLoginShow), ""},
		{"POST /staff/login", Public, s.handle(s.staffLoginSubmit), ""},
		{"GET /staff/login/totp", Public, s.handle(s.staffTOTPShow), ""},
		{"POST /staff/login/totp", Public, s.handle(s.staffTOTPSubmit), ""},
		{"POST /staff/logout", Public, s.handle(s.staffLogout), ""},
		staffRoute("POST /staff/logout-everywhere", staff.PermView, s.staffAnyCreditor, s.staffLogoutEverywhere),
		staffRoute("GET /staff/account", staff.PermView, s.staffAnyCreditor, s.staffAccountShow),
		staffRoute("GET /staff/creditors", staff.PermView, s.staffAnyCreditor, s.staffCreditorsShow),
		staffRoute("POST /staff/creditor", staff.PermView, s.staffAnyCreditor, s.staffCreditorSet),
		staffRoute("GET /staff", staff.PermView, s.staff, s.staffHome),
		// Back office: search, debtor view, calls, assist mode.
		staffRoute("GET /staff/debtors", staff.PermView, s.staff, s.staffSearch),
		staffRoute("GET /staff/debtors/{debtor}", staff.PermView, s.staff, s.staffDebtorShow),
		staffRoute("GET /staff/debtors/{debtor}/invoices/{invoice}/pdf", staff.PermView, s.staff, s.staffInvoicePDF),
		staffRoute("GET /staff/debtors/{debtor}/link", staff.PermContact, s.staff, s.staffLinkPreview),
		staffRoute("POST /staff/debtors/{debtor}/link", staff.PermContact, s.staff, s.staffLinkSend),
		staffRoute("POST /staff/debtors/{debtor}/calls", staff.PermContact, s.staff, s.staffCallLog),
		staffRoute("POST /staff/debtors/{debtor}/callbacks", staff.PermContact, s.staff, s.staffCallbackAdd),
		staffRoute("POST /staff/debtors/{debtor}/notes", staff.PermNote, s.staff, s.staffNoteAdd),
		staffRoute("POST /staff/debtors/{debtor}/assist", staff.PermContact, s.staff, s.staffAssistStart),
		staffRoute("GET /staff/calls/pop", staff.PermView, s.staff, s.staffCallPop),

		// Back office: queues and dashboard.
		staffRoute("GET /staff/disputes", staff.PermView, s.staff, s.queueAlias("dispute")),
		staffRoute("GET /staff/plans", staff.PermView, s.staff, s.queueAlias("plan_request")),
		staffRoute("GET /staff/queues", staff.PermView, s.staff, s.staffQueuesShow),
		staffRoute("POST /staff/tasks/{task}/assign", staff.PermContact, s.staff, s.staffTaskAssign),
		staffRoute("POST /staff/tasks/{task}/release", staff.PermContact, s.staff, s.staffTaskRelease),
		staffRoute("POST /staff/tasks/{task}/done", staff.PermContact, s.staff, s.staffTaskDone),
		staffRoute("GET /staff/dashboard", staff.PermView, s.staff, s.staffDashboardShow),

		// Back office: payment plans (the queue is GET /staff/plans above).
		staffRoute("GET /staff/plans/{plan}", staff.PermView, s.staff, s.staffPlanShow),
		staffRoute("POST /staff/plans/{plan}/approve", staff.PermDecide, s.staff, s.staffPlanApprove),
		staffRoute("POST /staff/plans/{plan}/reject", staff.PermDecide, s.staff, s.staffPlanReject),
		staffRoute("GET /staff/plans/{plan}/offer", staff.PermDecide, s.staff, s.staffPlanOfferShow),
		staffRoute("POST /staff/plans/{plan}/offer", staff.PermDecide, s.staff, s.staffPlanOffer),
		staffRoute("POST /staff/plans/{plan}/cancel", staff.PermDecide, s.staff, s.staffPlanCancel),
		staffRoute("GET /staff/debtors/{debtor}/plans/new", staff.PermDecide, s.staff, s.staffPlanNew),
		staffRoute("POST /staff/debtors/{debtor}/plans", staff.PermDecide, s.staff, s.staffPlanCreate),
		staffRoute("GET /staff/settings/plans", staff.PermSettings, s.staff, s.staffPlanPolicyShow),
		staffRoute("POST /staff/settings/plans", staff.PermSettings, s.staff, s.staffPlanPolicySave),

		// Back office: disputes (the queue is GET /staff/disputes above).
		staffRoute("GET /staff/disputes/{dispute}", staff.PermView, s.staff, s.staffDisputeShow),
		staffRoute("POST /staff/disputes/{dispute}/messages", staff.PermDecide, s.staff, s.staffDisputeReply),
		staffRoute("GET /staff/disputes/{dispute}/attachments/{attachment}", staff.PermView, s.staff, s.staffDisputeAttachment),
		// Back office: the decision on a dispute.
		staffRoute("POST /staff/disputes/{dispute}/accept", staff.PermDecide, s.staff, s.staffDisputeAccept),
		staffRoute("POST /staff/disputes/{dispute}/reject", staff.PermDecide, s.staff, s.staffDisputeReject),
		staffRoute("POST /staff/disputes/{dispute}/ask", staff.PermDecide, s.staff, s.staffDisputeAsk),
		// Back office: credit notes (issue 8), the debtor's copy.
		staffRoute("GET /staff/debtors/{debtor}/credit-notes/{creditnote}/pdf", staff.PermView, s.staff, s.staffCreditNotePDF),
		// Back office: "already paid", matching a payment left on the account.
		staffRoute("POST /staff/disputes/{dispute}/match", staff.PermDecide, s.staff, s.staffDisputeMatch),

		// Back office: users, audit log, outbox.
		staffRoute("GET /staff/users", staff.PermUsers, s.staff, s.staffUsersList),
		staffRoute("GET /staff/users/new", staff.PermUsers, s.staff, s.staffUserNew),
		staffRoute("POST /staff/users", staff.PermUsers, s.staff, s.staffUserCreate),
		staffRoute("GET /staff/users/{user}", staff.PermUsers, s.staff, s.staffUserShow),
		staffRoute("POST /staff/users/{user}", staff.PermUsers, s.staff, s.staffUserUpdate),
		staffRoute("POST /staff/users/{user}/password", staff.PermUsers, s.staff, s.staffUserPassword),
		staffRoute("POST /staff/users/{user}/totp-reset", staff.PermUsers, s.staff, s.staffUserTOTPReset),
		staffRoute("GET /staff/audit", staff.PermAudit, s.staff, s.staffAuditList),
		staffRoute("GET /staff/outbox", staff.PermView, s.staff, s.staffOutboxList),
		staffRoute("GET /staff/outbox/{message}", staff.PermView, s.staff, s.staffOutboxShow),
		staffRoute("GET /staff/outbox/{message}/html", staff.PermView, s.staff, s.staffOutboxHTML),

		// dunning letters (issue 9), back office: the print-and-mail export
		// of the letters waiting for print, and "mark as posted".
		staffRoute("GET /staff/outbox/letters/pdf", staff.PermSettings, s.staff, s.staffLettersDownload),
		staffRoute("POST /staff/outbox/letters/posted", staff.PermSettings, s.staff, s.staffLettersPost),
		staffRoute("GET /staff/outbox/{letter}/pdf", staff.PermView, s.staff, s.staffOutboxLetter),

		// Back office: settings (branding, API keys, webhook endpoints).
		staffRoute("GET /staff/settings", staff.PermSettings, s.staff, s.staffSettingsShow),
		staffRoute("GET /staff/settings/brand", staff.PermSettings, s.staff, s.staffBrandShow),
		staffRoute("POST /staff/settings/brand", staff.PermSettings, s.staff, s.staffBrandUpdate),
		staffRoute("GET /staff/settings/api-keys", staff.PermSettings, s.staff, s.staffAPIKeysList),
		staffRoute("POST /staff/settings/api-keys", staff.PermSettings, s.staff, s.staffAPIKeyCreate),
		staffRoute("POST /staff/settings/api-keys/{apikey}/revoke", staff.PermSettings, s.staff, s.staffAPIKeyRevoke),
		staffRoute("GET /staff/settings/webhooks", staff.PermSettings, s.staff, s.staffWebhooksList),
		staffRoute("POST /staff/settings/webhooks", staff.PermSettings, s.staff, s.staffWebhookAdd),
		staffRoute("GET /staff/settings/webhooks/{endpoint}", staff.PermSettings, s.staff, s.staffWebhookShow),
		staffRoute("POST /staff/settings/webhooks/{endpoint}/rotate", staff.PermSettings, s.staff, s.staffWebhookRotate),
		staffRoute("POST /staff/settings/webhooks/{endpoint}/disable", staff.PermSettings, s.staff, s.staffWebhookDisable),
		staffRoute("POST /staff/settings/webhooks/{endpoint}/enable", staff.PermSettings, s.staff, s.staffWebhookEnable),
		staffRoute("POST /staff/settings/webhooks/{endpoint}/remove", staff.PermSettings, s.staff, s.staffWebhookRemove),
		staffRoute("POST /staff/settings/webhooks/deliveries/{delivery}/replay", staff.PermSettings, s.staff, s.staffWebhookReplay),
		// Back office: settings, the reasons debtors may give for a dispute.
		staffRoute("GET /staff/settings/dispute-reasons", staff.PermSettings, s.staff, s.staffDisputeReasonsShow),
		staffRoute("POST /staff/settings/dispute-reasons", staff.PermSettings, s.staff, s.staffDisputeReasonsSave),

		// reminders (issue 9), back office: staff's pause and the hardship
		// flag on the debtor view; what debtors may choose in the settings.
		staffRoute("POST /staff/debtors/{debtor}/dunning-pause", staff.PermPause, s.staff, s.staffDunningPause),
		staffRoute("POST /staff/debtors/{debtor}/dunning-resume", staff.PermPause, s.staff, s.staffDunningResume),
		staffRoute("POST /staff/debtors/{debtor}/hardship", staff.PermPause, s.staff, s.staffHardshipSet),
		staffRoute("GET /staff/settings/reminders", staff.PermSettings, s.staff, s.staffReminderSettingsShow),
		staffRoute("POST /staff/settings/reminders", staff.PermSettings, s.staff, s.staffReminderSettingsSave),

		// dunning admin (issue 9): policies, segments, fees, timing, preview
		// and dry run in the back-office settings.
		staffRoute("GET /staff/settings/dunning", staff.PermSettings, s.staff, s.staffDunningShow),
		staffRoute("POST /staff/settings/dunning/settings", staff.PermSettings, s.staff, s.staffDunningSettingsSave),
		staffRoute("POST /staff/settings/dunning/dry-run", staff.PermSettings, s.staff, s.staffDunningDryRun),
		staffRoute("GET /staff/settings/dunning/policies/new", staff.PermSettings, s.staff, s.staffDunningPolicyNew),
		staffRoute("POST /staff/settings/dunning/policies", staff.PermSettings, s.staff, s.staffDunningPolicyCreate),
		staffRoute("GET /staff/settings/dunning/policies/{policy}", staff.PermSettings, s.staff, s.staffDunningPolicyShow),
		staffRoute("POST /staff/settings/dunning/policies/{policy}", staff.PermSettings, s.staff, s.staffDunningPolicySave),
		staffRoute("POST /staff/settings/dunning/policies/{policy}/reset", staff.PermSettings, s.staff, s.staffDunningPolicyReset),
		// experiments (issue 9): the dunning experiments report with the
		// propensity model, starting and ending experiments.
		staffRoute("GET /staff/dunning/experiments", staff.PermSettings, s.staff, s.staffExperimentsList),
		staffRoute("GET /staff/dunning/experiments/new", staff.PermSettings, s.staff, s.staffExperimentNew),
		staffRoute("POST /staff/dunning/experiments/new", staff.PermSettings, s.staff, s.staffExperimentCreate),
		staffRoute("POST /staff/dunning/experiments/{experiment}/end", staff.PermSettings, s.staff, s.staffExperimentEnd),
		// csv import (issue 10): Settings → Import, debtors and invoices
		// from a CSV file.
		staffRoute("GET /staff/settings/import", staff.PermSettings, s.staff, s.staffImportShow),
		staffRoute("POST /staff/settings/import", staff.PermSettings, s.staff, s.staffImportRun),

		{"GET /static/", Public, static.Handler(), ""},
		{"PUT /api/v1/debtors/{customer_number}", APIKey, s.api(s.apiDebtorPut), ""},
		{"POST /api/v1/debtors/{customer_number}/links", APIKey, s.api(s.apiLinkCreate), ""},
		{"PUT /api/v1/debtors/{customer_number}/service-status", APIKey, s.api(s.apiServiceStatusPut), ""},
		{"PUT /api/v1/invoices/{invoice_number}", APIKey, s.api(s.apiInvoicePut), ""},
		{"GET /api/v1/invoices/{invoice_number}/pdf", APIKey, s.api(s.apiInvoicePDF), ""},
		{"GET /api/v1/debtors/{customer_number}/statement", APIKey, s.api(s.apiStatement), ""},
		{"PUT /api/v1/invoices/{invoice_number}/document", APIKey, s.apiLimit(s.apiDocumentPut, maxDocument), ""},
		{"POST /api/v1/invoices:batch", APIKey, s.apiLimit(s.apiInvoiceBatch, maxBatchBody), ""},
		{"POST /api/v1/payments", APIKey, s.api(s.apiPaymentCreate), ""},
		{"POST /api/v1/credit-notes", APIKey, s.api(s.apiCreditNoteCreate), ""},
		{"GET /api/v1/events", APIKey, s.api(s.apiEventsList), ""},
		{"GET /api/v1/openapi.json", Public, http.HandlerFunc(s.apiOpenAPI), ""},
		{"GET /healthz", Public, http.HandlerFunc(s.healthz), ""},
		{"GET /readyz", Public, http.HandlerFunc(s.readyz), ""},
		{"/", Public, s.handle(s.notFound), ""},
	}
}

// staffRoute is a back-office route: guard (s.staff, or
// s.staffAnyCreditor for pages that need no creditor chosen) checks that
// the role grants perm.
func staffRoute(pattern string, perm staff.Permission, guard func(staff.Permission, staffHandler) http.Handler, h staffHandler) Route {
	return Route{Pattern: pattern, Access: Staff, handler: guard(perm, h), Perm: perm}
}
