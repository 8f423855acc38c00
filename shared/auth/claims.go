package auth

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// IssuedAt is when the agent's token was issued (the iat claim); zero
// when the authorizer passed none.
func IssuedAt(req events.APIGatewayV2HTTPRequest) time.Time {
	az := req.RequestContext.Authorizer
	if az == nil || az.JWT == nil {
		return time.Time{}
	}
	n, err := strconv.ParseFloat(az.JWT.Claims["iat"], 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(n), 0).UTC()
}

// InGroup reports whether the agent's token lists group in its
// cognito:groups claim. API Gateway renders the array claim as a string,
// "[admins editors]"; a JSON-style list is read too.
func InGroup(req events.APIGatewayV2HTTPRequest, group string) bool {
	az := req.RequestContext.Authorizer
	if group == "" || az == nil || az.JWT == nil {
		return false
	}
	raw := strings.Trim(strings.TrimSpace(az.JWT.Claims["cognito:groups"]), "[]")
	for _, g := range strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == ',' }) {
		if strings.Trim(g, `"`) == group {
			return true
		}
	}
	return false
}
