package agentapi_test

import (
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/agentapi"
)

// prefetchCases are the prefetched routes with a request each one serves.
var prefetchCases = map[string]string{
	"POST /agent/conversations/{id}/messages": `{"clientId":"` + uuid.NewString() + `","body":"On its way."}`,
	"POST /agent/conversations/{id}/read":     `{"seq":1}`,
}

// TestPrefetchedRoutesTakeTheirRead: a route that reads its conversation
// while the access check runs makes no second read of it: the access
// check, the conversation with its listeners, and the inbox's listeners
// (the reply and the read flip the unread dot) are three Queries, as they
// were one after the other.
func TestPrefetchedRoutesTakeTheirRead(t *testing.T) {
	routes := agentapi.PrefetchedRoutes()
	slices.Sort(routes)
	want := slices.Sorted(maps.Keys(prefetchCases))
	if diff := cmp.Diff(want, routes); diff != "" {
		t.Fatalf("prefetched routes without a case here (-cases +routes):\n%s", diff)
	}
	for route, body := range prefetchCases {
		t.Run(route, func(t *testing.T) {
			h, db, cid := setup(t)
			res, err := h.Handle(t.Context(), request(t, route, cid, body, nil))
			if err != nil || res.StatusCode >= 300 {
				t.Fatalf("= %d %s, %v", res.StatusCode, res.Body, err)
			}
			if got := db.Calls()["Query"]; got != 3 {
				t.Errorf("%d Queries, want 3", got)
			}
		})
	}
}

// TestPrefetchedRoutesRefuseASignedOutAgent: the read that ran beside the
// access check says nothing to an agent the check refuses, and nothing
// is written.
func TestPrefetchedRoutesRefuseASignedOutAgent(t *testing.T) {
	for route, body := range prefetchCases {
		t.Run(route, func(t *testing.T) {
			f := newFixture(t)
			req := request(t, route, f.cid, body, nil)
			// The token's iat is at or before the sign-out: refused.
			if err := f.st.SetAgentSignedOut(t.Context(), req.RequestContext.Authorizer.JWT.Claims["sub"], time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			f.db.Calls()
			res, err := f.h.Handle(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("= %d %s, want 401", res.StatusCode, res.Body)
			}
			if calls := f.db.Calls(); writes(calls) != 0 {
				t.Errorf("refused request wrote: %v", calls)
			}
			c, err := f.st.Conversation(t.Context(), f.cid)
			if err != nil {
				t.Fatal(err)
			}
			if c.LastSeq != 1 || c.AgentReadSeq != 0 {
				t.Errorf("conversation changed: lastSeq %d, agentReadSeq %d", c.LastSeq, c.AgentReadSeq)
			}
		})
	}
}
