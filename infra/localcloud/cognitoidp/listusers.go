package cognitoidp

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// Cognito's bounds on a ListUsers page.
const maxListLimit = 60

type listUsersInput struct {
	UserPoolId      string
	AttributesToGet []string
	Filter          string
	Limit           *int
	PaginationToken string
}

// pageMark is where the next page starts: after this user, in the order
// of creation (then username), which deletions do not disturb.
type pageMark struct {
	Created  int64  `json:"c"` // nanoseconds
	Username string `json:"u"`
}

func markOf(u oidc.User) pageMark {
	return pageMark{Created: u.Created.UnixNano(), Username: u.Username}
}

func (m pageMark) compare(o pageMark) int {
	if m.Created != o.Created {
		return cmp.Compare(m.Created, o.Created)
	}
	return strings.Compare(m.Username, o.Username)
}

func (s *Server) listUsers(_ context.Context, in listUsersInput) (any, error) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	limit := maxListLimit
	if in.Limit != nil && *in.Limit != 0 {
		limit = *in.Limit
	}
	if limit < 0 || limit > maxListLimit {
		return nil, fail("InvalidParameterException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", limit, maxListLimit)
	}
	match, err := parseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	var start *pageMark
	if in.PaginationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.PaginationToken)
		start = &pageMark{}
		if err != nil || json.Unmarshal(raw, start) != nil {
			return nil, fail("InvalidParameterException", "Invalid pagination token.")
		}
	}

	users := s.opts.Users.Users()
	slices.SortStableFunc(users, func(a, b oidc.User) int { return markOf(a).compare(markOf(b)) })
	page := []userType{}
	var next string
	for n, u := range users {
		if (start != nil && markOf(u).compare(*start) <= 0) || !match(u) {
			continue
		}
		if len(page) == limit {
			mark, _ := json.Marshal(markOf(users[n-1]))
			next = base64.RawURLEncoding.EncodeToString(mark)
			break
		}
		page = append(page, toUserType(u, in.AttributesToGet))
	}
	out := map[string]any{"Users": page}
	if next != "" {
		out["PaginationToken"] = next
	}
	return out, nil
}

// searchable are the attributes ListUsers filters on, and whether their
// values compare without regard to case (Cognito's documented rules).
var searchable = map[string]bool{
	"username": false, "email": false, "phone_number": false, "name": false, "given_name": false,
	"family_name": false, "preferred_username": false, "cognito:user_status": true, "status": false, "sub": false,
}

// parseFilter reads a ListUsers filter, `attribute = "value"` (exact) or
// `attribute ^= "value"` (prefix), with \" and \\ escaped in the value.
// An empty filter matches every user.
func parseFilter(f string) (func(oidc.User) bool, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return func(oidc.User) bool { return true }, nil
	}
	bad := fail("InvalidParameterException", "Error while parsing filter.")
	end := strings.IndexAny(f, " \t^=")
	if end <= 0 {
		return nil, bad
	}
	name := f[:end]
	rest := strings.TrimLeft(f[end:], " \t")
	prefix := strings.HasPrefix(rest, "^=")
	switch {
	case prefix:
		rest = rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return nil, bad
	}
	rest = strings.TrimLeft(rest, " \t")
	want, ok := quoted(rest)
	if !ok {
		return nil, bad
	}
	fold, ok := searchable[name]
	if !ok {
		return nil, fail("InvalidParameterException", "Invalid search attribute: %s. Only username, email, phone_number, name, given_name, family_name, preferred_username, cognito:user_status, status and sub are searchable.", name)
	}
	return func(u oidc.User) bool {
		var got string
		switch name {
		case "username":
			got = u.Username
		case "cognito:user_status":
			got = u.Status
		case "status":
			got = "Disabled"
			if u.Enabled {
				got = "Enabled"
			}
		default:
			v, ok := u.Attributes[name]
			if !ok {
				return false
			}
			got = v
		}
		w := want
		if fold {
			got, w = strings.ToLower(got), strings.ToLower(w)
		}
		if prefix {
			return strings.HasPrefix(got, w)
		}
		return got == w
	}, nil
}

// quoted reads a double-quoted value that must end the filter.
func quoted(s string) (string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", false
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), strings.TrimSpace(s[i+1:]) == ""
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
