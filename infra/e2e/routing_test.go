package e2e

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
)

// member is an agent invited for one test.
type member struct {
	ID    string
	Name  string
	Agent *chatclient.Agent
}

// inviteMember invites an agent into inboxes and signs it in (a token
// from the issuer for the invitation's sub).
func inviteMember(t *testing.T, admin *chatclient.Agent, name string, inboxes ...string) member {
	t.Helper()
	if inboxes == nil {
		inboxes = []string{}
	}
	var m team.Member
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "-" + strings.ToLower(rand.Text()[:8]) + "@example.com"
	if err := admin.Call(wait(t), http.MethodPost, "/agent/team", map[string]any{"email": email, "name": name, "role": "agent", "inboxIds": inboxes}, &m); err != nil {
		t.Fatalf("invite %s: %v", name, err)
	}
	tok, err := cloud.Issuer().Mint(m.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return member{ID: m.ID, Name: name, Agent: chatclient.NewAgent(endpoints(), tok)}
}

// newInbox creates an inbox with its members and routing, and a channel
// of it the demo site may embed; it returns the inbox's and the channel's
// ids.
func newInbox(t *testing.T, admin *chatclient.Agent, name string) (inbox, channel string) {
	t.Helper()
	var in struct{ ID string }
	if err := admin.Call(wait(t), http.MethodPost, "/agent/settings/inboxes", map[string]string{"name": name}, &in); err != nil {
		t.Fatal(err)
	}
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodPost, "/agent/settings/channels", map[string]string{"inboxId": in.ID, "name": name}, &ch); err != nil {
		t.Fatal(err)
	}
	ch["allowedOrigins"] = []string{siteOrigin()}
	putChannel(t, admin, ch)
	return in.ID, ch["id"].(string)
}

// setInbox sets an inbox's members and routing.
func setInbox(t *testing.T, admin *chatclient.Agent, inbox, name string, members []member, mode string, capacity int) {
	t.Helper()
	ids := []string{}
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	body := map[string]any{"name": name, "memberIds": ids, "routing": map[string]any{"mode": mode, "capacity": capacity}}
	if err := admin.Call(wait(t), http.MethodPut, "/agent/settings/inboxes/"+inbox, body, nil); err != nil {
		t.Fatal(err)
	}
}

// visit starts a conversation on a channel and returns the visitor's tab
// and the conversation.
func visit(t *testing.T, channel, body string) (*chatclient.Socket, string) {
	t.Helper()
	v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), channel, "")
	if err != nil {
		t.Fatal(err)
	}
	tab, conv, _ := startConversation(t, v, body)
	return tab, conv
}

// owners reads who holds each conversation ("" nobody), from the table
// (no agent need be a member of the inbox to look).
func owners(t *testing.T, _ *chatclient.Agent, convs []string) []string {
	t.Helper()
	st := chatStore(t)
	out := make([]string, len(convs))
	for i, id := range convs {
		c, err := st.Conversation(wait(t), id)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c.AssigneeID
	}
	return out
}

// settled waits until routing has done what it will do: want tells, from
// the owners, whether it is done.
func settled(t *testing.T, admin *chatclient.Agent, convs []string, what string, done func([]string) bool) []string {
	t.Helper()
	var got []string
	eventually(t, what, func() error {
		got = owners(t, admin, convs)
		if !done(got) {
			return fmt.Errorf("owners %v", got)
		}
		return nil
	})
	return got
}

func countOwners(got []string) map[string]int {
	n := map[string]int{}
	for _, o := range got {
		n[o]++
	}
	return n
}

// TestRoundRobinRouting: an inbox routed round-robin over three available
// agents with capacity 2. Nine new conversations: two each, in turn, three
// wait; the visitor sees the agent's name; as agents close conversations
// the oldest waiting ones are theirs; an agent who goes away gets none.
func TestRoundRobinRouting(t *testing.T) {
	admin := newAgent(t, "alice")
	tag := strings.ToLower(rand.Text()[:6])
	inbox, channel := newInbox(t, admin, "Routing "+tag)
	var agents []member
	for _, name := range []string{"Ada", "Bo", "Cy"} {
		agents = append(agents, inviteMember(t, admin, name+" "+tag, inbox))
	}
	setInbox(t, admin, inbox, "Routing "+tag, agents, "round_robin", 2)
	pastTheCaches(t)
	names := map[string]string{"": ""}
	for _, a := range agents {
		connect(t, a.Agent) // an inbox socket: available
		names[a.ID] = a.Name
	}

	var (
		convs []string
		tabs  []*chatclient.Socket
	)
	for i := range 9 {
		tab, conv := visit(t, channel, fmt.Sprintf("conversation %d", i+1))
		tabs, convs = append(tabs, tab), append(convs, conv)
		// Each of the first six is routed before the next starts, so the
		// turn shows; the others find everybody full.
		if i < 6 {
			settled(t, admin, convs, "routing of the new conversation", func(got []string) bool { return got[i] != "" })
		}
	}
	routed(t, convs)
	got := owners(t, admin, convs)
	if n := countOwners(got); n[""] != 3 || n[agents[0].ID] != 2 || n[agents[1].ID] != 2 || n[agents[2].ID] != 2 {
		t.Fatalf("owners %v, want two each and three waiting", got)
	}
	if diff := cmp.Diff([]string{"", "", ""}, got[6:]); diff != "" {
		t.Errorf("the last three should wait (-want +got):\n%s", diff)
	}
	for i := 3; i < 6; i++ {
		if got[i] != got[i-3] {
			t.Errorf("owners %v: not in turn", got)
		}
	}
	// The widget shows the agent's name, from the assigned event.
	f, err := tabs[0].Next(wait(t), func(f chatclient.Frame) bool {
		return f.Type == "message" && f.Conversation != nil && f.Conversation.Assignee != nil
	})
	if err != nil || f.Conversation.Assignee.Name != names[got[0]] {
		t.Errorf("the visitor's frame %s, %v; want the assignee %q", f.Raw, err, names[got[0]])
	}
	if m, err := f.Msg(); err != nil || m.Author.Type != "system" {
		t.Errorf("assigned event %+v, %v; want by the system", m, err)
	}

	// Slots free: the oldest waiting conversation goes first.
	byAgent := func(id string) *chatclient.Agent {
		for _, a := range agents {
			if a.ID == id {
				return a.Agent
			}
		}
		return nil
	}
	for k, freed := range []int{0, 1, 2} {
		holder := got[freed]
		if _, err := byAgent(holder).Act(wait(t), convs[freed], "close", nil); err != nil {
			t.Fatal(err)
		}
		waiting := 6 + k
		got = settled(t, admin, convs, "the oldest waiting one routed", func(got []string) bool { return got[waiting] != "" })
		if got[waiting] != holder {
			t.Errorf("conversation %d went to %s, want %s, whose slot freed", waiting+1, names[got[waiting]], names[holder])
		}
	}

	// Cy goes away: the next new conversations skip Cy.
	cy := agents[2]
	if err := cy.Agent.Call(wait(t), http.MethodPut, "/agent/me/status", map[string]string{"status": "away"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{3, 4, 5} { // free every slot of Ada and Bo
		if got[c] != cy.ID {
			if _, err := byAgent(got[c]).Act(wait(t), convs[c], "close", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var fresh []string
	for i := range 2 {
		_, conv := visit(t, channel, fmt.Sprintf("while Cy is away %d", i))
		fresh = append(fresh, conv)
	}
	after := settled(t, admin, fresh, "routing while Cy is away", func(got []string) bool { return !slices.Contains(got, "") })
	if slices.Contains(after, cy.ID) {
		t.Errorf("owners %v: Cy is away and got one", after)
	}
}

// TestConcurrentConversationsRespectCapacity: twenty conversations started
// at once in an inbox of three available agents with capacity 2: each
// agent gets two, never more, and fourteen wait.
func TestConcurrentConversationsRespectCapacity(t *testing.T) {
	admin := newAgent(t, "alice")
	tag := strings.ToLower(rand.Text()[:6])
	inbox, channel := newInbox(t, admin, "Rush "+tag)
	var agents []member
	for _, name := range []string{"Dee", "Eli", "Fay"} {
		agents = append(agents, inviteMember(t, admin, name+" "+tag, inbox))
	}
	setInbox(t, admin, inbox, "Rush "+tag, agents, "round_robin", 2)
	pastTheCaches(t)
	for _, a := range agents {
		connect(t, a.Agent)
	}
	convs := make([]string, 20)
	var wg sync.WaitGroup
	for i := range convs {
		wg.Go(func() {
			v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), channel, "")
			if err != nil {
				t.Error(err)
				return
			}
			tab, err := v.Connect(wait(t))
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(tab.Close)
			if _, err := chatclient.SendMessage(wait(t), tab, "", fmt.Sprintf("rush %d", i)); err != nil {
				t.Error(err)
				return
			}
			f, err := tab.Next(wait(t), chatclient.IsType("message"))
			if err != nil {
				t.Error(err)
				return
			}
			convs[i] = f.ConversationID
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	routed(t, convs)
	n := countOwners(owners(t, admin, convs))
	want := map[string]int{"": 14}
	for _, a := range agents {
		want[a.ID] = 2
	}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("conversations per agent once every one was routed (-want +got):\n%s", diff)
	}
}

// routed waits until the router has handled the conversation.created
// event of each conversation.
func routed(t *testing.T, convs []string) {
	t.Helper()
	eventually(t, "the router handled every new conversation", func() error {
		if !cloud.StreamsIdle() {
			return errors.New("the table's stream is still being read")
		}
		resp, err := http.Get(cloud.Endpoints().Events + "?detailType=conversation.created")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var log eventLog
		if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
			return err
		}
		done := map[string]bool{}
		for _, ev := range log.Events {
			var d detail
			if err := json.Unmarshal(ev.Detail, &d); err != nil {
				return err
			}
			for _, del := range ev.Deliveries {
				if del.Function == "RouterFunction" && del.Status == "delivered" {
					done[d.ConversationID] = true
				}
			}
		}
		for _, c := range convs {
			if !done[c] {
				return fmt.Errorf("conversation %s not routed yet", c)
			}
		}
		return nil
	})
}

// TestRemovedMemberStopsHearing: an agent removed from an inbox has its
// socket closed at once, and the socket it opens again hears nothing of
// that inbox's new conversations, while it still hears its other inbox's.
func TestRemovedMemberStopsHearing(t *testing.T) {
	admin := newAgent(t, "alice")
	tag := strings.ToLower(rand.Text()[:6])
	sales, salesChannel := newInbox(t, admin, "Sales "+tag)
	support, supportChannel := newInbox(t, admin, "Support "+tag)
	gil := inviteMember(t, admin, "Gil "+tag, sales, support)
	pastTheCaches(t)

	tab := connect(t, gil.Agent)
	_, conv := visit(t, salesChannel, "before the change")
	if _, err := tab.Next(wait(t), chatclient.IsType("message", conv)); err != nil {
		t.Fatalf("a member of sales did not hear its new conversation: %v", err)
	}

	var m team.Member
	if err := admin.Call(wait(t), http.MethodPut, "/agent/team/"+gil.ID, map[string]any{"role": "agent", "inboxIds": []string{support}}, &m); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, tab, 5*time.Second)

	again := connect(t, gil.Agent)
	_, inSales := visit(t, salesChannel, "after the change")
	_, inSupport := visit(t, supportChannel, "to the other inbox")
	f, err := again.Next(wait(t), func(f chatclient.Frame) bool {
		return f.Type == "message" && (f.ConversationID == inSales || f.ConversationID == inSupport)
	})
	if err != nil || f.ConversationID != inSupport {
		t.Errorf("first new conversation heard: %s, %v; want only support's", f.ConversationID, err)
	}
	if _, err := gil.Agent.Get(wait(t), inSales); apiStatus(err) != http.StatusNotFound {
		t.Errorf("sales' conversation after the removal: %v, want 404", err)
	}
	var me chat.Agent
	if err := gil.Agent.Call(wait(t), http.MethodGet, "/agent/me", nil, &me); err != nil || !cmp.Equal([]string{support}, me.Inboxes) {
		t.Errorf("inboxes %v, %v; want only support", me.Inboxes, err)
	}
}
