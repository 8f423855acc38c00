package chat

// Roles: admins manage inboxes, channels, the team and routing; agents
// their own profile and status. Who is an admin is decided here and
// nowhere else.

// TeamRole is an agent's role in the product.
type TeamRole string

const (
	TeamAdmin TeamRole = "admin"
	TeamAgent TeamRole = "agent"
)

// CheckTeamRole accepts the roles an admin can give.
func CheckTeamRole(r TeamRole) error {
	if r != TeamAdmin && r != TeamAgent {
		return invalid(`role must be "admin" or "agent"`)
	}
	return nil
}

// IsAdmin decides whether an agent is an admin: its token lists the
// deployment's admin group (inGroup), or an admin granted it the role in
// the product (the profile, read with the access state by the one Query
// that admits every request, so a grant or a revocation is in force from
// the agent's next request). profile is nil before the agent has one.
func IsAdmin(inGroup bool, profile *Agent) bool {
	return inGroup || (profile != nil && profile.Granted == TeamAdmin)
}

// RoleOf is the role a profile shows, the admin group taken from the
// agent's last request.
func RoleOf(a Agent) TeamRole {
	if IsAdmin(a.AdminGroup, &a) {
		return TeamAdmin
	}
	return TeamAgent
}
