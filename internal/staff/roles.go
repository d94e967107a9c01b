package staff

// Permission is something a staff member may do. Which role may do what
// is decided here and only here (Can); routes name the permission they
// need, and the route tests walk every route with every role.
type Permission string

// Permissions.
const (
	PermView     Permission = "view"     // search, debtor view, queues, dashboard, outbox
	PermContact  Permission = "contact"  // log calls, send links, promises to pay, callbacks, assist mode
	PermDecide   Permission = "decide"   // disputes, plan requests, payments needing attention
	PermCredit   Permission = "credit"   // issue credit notes
	PermNote     Permission = "note"     // internal notes
	PermPause    Permission = "pause"    // pause dunning
	PermUsers    Permission = "users"    // manage staff accounts
	PermAudit    Permission = "audit"    // read the audit log
	PermSettings Permission = "settings" // branding, policies, API keys, webhook endpoints
)

// Permissions lists every permission, for tests and the role overview.
var Permissions = []Permission{PermView, PermContact, PermDecide, PermCredit, PermNote, PermPause, PermUsers, PermAudit, PermSettings}

var grants = map[string]map[Permission]bool{
	RoleAgent: {PermView: true, PermContact: true},
	RoleAR: {PermView: true, PermContact: true, PermDecide: true, PermCredit: true, PermNote: true,
		PermPause: true},
	RoleAdmin: {PermView: true, PermContact: true, PermDecide: true, PermCredit: true, PermNote: true,
		PermPause: true, PermUsers: true, PermAudit: true, PermSettings: true},
}

// Can reports whether a role has a permission.
func Can(role string, p Permission) bool { return grants[role][p] }

// Roles lists the roles, least allowed first.
var Roles = []string{RoleAgent, RoleAR, RoleAdmin}
