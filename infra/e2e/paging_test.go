package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/chat"
)

// seedInbox stores n open conversations in inbox, one a minute, the
// newest a minute ago, and returns their ids newest first.
func seedInbox(t *testing.T, inbox string, n int) []string {
	t.Helper()
	st := chatStore(t)
	start := time.Now().UTC().Add(-time.Duration(n+1) * time.Minute)
	out := make([]string, n)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		id := uuid.NewString()
		if _, err := st.CreateConversation(wait(t), chat.NewConversation{
			Conversation: chat.Conversation{ID: id, ChannelID: "main", InboxID: inbox, VisitorID: uuid.NewString(), Status: chat.StatusOpen,
				Preview: fmt.Sprintf("question %d", i), CreatedAt: at, LastActivityAt: at},
			Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: "v"}, Body: fmt.Sprintf("question %d", i), CreatedAt: at},
		}); err != nil {
			t.Fatal(err)
		}
		out[n-1-i] = id
	}
	return out
}

func listIDs(l *chatclient.ListAnswer) []string {
	var out []string
	for _, c := range l.Conversations {
		out = append(out, c.ID)
	}
	return out
}

// TestListPaging: 130 conversations are two pages, the first 100 and
// then, below its cursor, the rest. While the agent pages, new messages
// move conversations to the top: "load more" reads the page below the
// cursor and the first page again (docs/architecture.md, "The inbox"), so
// a conversation that moved up meanwhile comes with the first page, even
// one whose move no push announced, and none is shown twice or missed.
func TestListPaging(t *testing.T) {
	inbox := "paging-" + uuid.NewString()[:8]
	all := seedInbox(t, inbox, 130)
	agent := inboxMember(t, inbox)

	first, err := agent.List(wait(t), "open", "all", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(listIDs(first), all[:100]) || first.NextCursor == "" {
		t.Fatalf("first page = %d conversations, cursor %q; want the newest 100 and a cursor", len(first.Conversations), first.NextCursor)
	}

	// Meanwhile: a reply in a conversation of the first page, one in a
	// conversation below it, and one in a conversation below it that was
	// read already (its reply flips no unread dot, so no push moves it).
	inFirst, below, quiet := all[49], all[119], all[124]
	if err := agent.Call(wait(t), http.MethodPost, "/agent/conversations/"+quiet+"/read", map[string]int64{"seq": 1}, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{inFirst, below, quiet} {
		if _, err := agent.Reply(wait(t), id, "On it"); err != nil {
			t.Fatal(err)
		}
	}

	second, err := agent.List(wait(t), "open", "all", first.NextCursor, 100)
	if err != nil {
		t.Fatal(err)
	}
	head, err := agent.List(wait(t), "open", "all", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if second.NextCursor != "" {
		t.Errorf("second page has a cursor %q: there is no third page", second.NextCursor)
	}
	wantSecond := slices.DeleteFunc(slices.Clone(all[100:]), func(id string) bool { return id == below || id == quiet })
	if !slices.Equal(listIDs(second), wantSecond) {
		t.Errorf("second page = %v, want %v (older than the cursor, the moved ones gone up)", listIDs(second), wantSecond)
	}
	for _, id := range listIDs(second) {
		if slices.Contains(listIDs(first), id) {
			t.Errorf("%s is on both pages", id)
		}
	}
	if top := listIDs(head)[:3]; !slices.Equal(top, []string{quiet, below, inFirst}) {
		t.Errorf("the first page read again starts with %v, want the three answered, newest first", top)
	}
	shown := map[string]bool{}
	for _, page := range []*chatclient.ListAnswer{first, second, head} {
		for _, id := range listIDs(page) {
			shown[id] = true
		}
	}
	for _, id := range all {
		if !shown[id] {
			t.Errorf("%s is on no page", id)
		}
	}
	if len(shown) != len(all) {
		t.Errorf("%d conversations shown, want %d", len(shown), len(all))
	}
}
