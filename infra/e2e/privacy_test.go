package e2e

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/email"
)

// chatItemsNaming scans the chat table for the items whose key or any
// string attribute contains one of needles, as "pk | sk".
func chatItemsNaming(t *testing.T, needles ...string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out := map[string]map[string]types.AttributeValue{}
	var start map[string]types.AttributeValue
	for {
		page, err := localDynamoDB().Scan(wait(t), &dynamodb.ScanInput{TableName: aws.String(tableName(t, "ChatTable")), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if mentions(it, needles) {
				out[attrS(it, "pk")+" | "+attrS(it, "sk")] = it
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out
		}
		start = page.LastEvaluatedKey
	}
}

func mentions(it map[string]types.AttributeValue, needles []string) bool {
	for _, v := range it {
		var ss []string
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			ss = []string{v.Value}
		case *types.AttributeValueMemberSS:
			ss = v.Value
		case *types.AttributeValueMemberL:
			for _, e := range v.Value {
				if s, ok := e.(*types.AttributeValueMemberS); ok {
					ss = append(ss, s.Value)
				}
			}
		}
		for _, s := range ss {
			for _, n := range needles {
				if strings.Contains(strings.ToLower(s), strings.ToLower(n)) {
					return true
				}
			}
		}
	}
	return false
}

// bucketObjectsNaming lists the mail bucket's objects whose key or content
// contains one of needles.
func bucketObjectsNaming(t *testing.T, needles ...string) []string {
	t.Helper()
	bucket := bucketName(t)
	var out []string
	for _, k := range cloud.S3().Keys(bucket, "") {
		o, _ := cloud.S3().Get(bucket, k)
		for _, n := range needles {
			if strings.Contains(k, n) || strings.Contains(string(o.Data), n) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

type exportedContact struct {
	Contact struct {
		VisitorID  string         `json:"visitorId"`
		CreatedAt  string         `json:"createdAt"`
		ExternalID string         `json:"externalId"`
		Email      string         `json:"email"`
		Name       string         `json:"name"`
		Attributes map[string]any `json:"attributes"`
	} `json:"contact"`
	Addresses []struct {
		Email    string `json:"email"`
		Verified bool   `json:"verified"`
		Status   string `json:"status"`
	} `json:"addresses"`
	QuarantinedMail []heldMail             `json:"quarantinedMail"`
	Conversations   []exportedConversation `json:"conversations"`
}

// TestContactExportAndErasure: an admin exports everything about a
// contact who chatted, sent files, continued by email, answered a mail
// with a file, sent one that was quarantined, and whose conversation has
// a note mentioning an agent: the export has every message of every conversation,
// the files with working links and the address with its status. Then the
// admin erases the contact by its address: a scan of the chat table and
// the mail bucket finds nothing of them (only the audit event, which
// names the visitor id and nothing of what was erased), their
// conversations are gone from the lists and the search, another
// contact's are untouched, and the agent who held the open one gets its
// capacity back. An agent may do neither.
func TestContactExportAndErasure(t *testing.T) {
	t.Cleanup(func() { deliveriesDone(t) })
	tag := "r" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	addr := "erase-" + tag + "@visitor.test"
	alice := newAgent(t, "alice") // an admin
	v := newVisitor(t)
	tab, first, _ := startConversation(t, v, "Hello, my order "+tag)
	// The site's attributes, and the pages the visitor went through.
	if err := v.Call(wait(t), http.MethodPut, "/widget/attributes", map[string]any{"attributes": map[string]any{"plan": "gold-" + tag}}, nil); err != nil {
		t.Fatal(err)
	}
	pricing := "https://shop.example.com/pricing?ref=" + tag
	sendFrame(t, tab, map[string]any{"action": "page", "conversationId": first, "url": "https://shop.example.com/", "title": "Shop"})
	sendFrame(t, tab, map[string]any{"action": "page", "conversationId": first, "url": pricing, "title": "Pricing"})
	eventually(t, "the pages are recorded", func() error {
		vis, err := chatStore(t).Visit(wait(t), first)
		if err != nil || len(vis.Pages) != 2 {
			return fmt.Errorf("visit %+v, %v", vis, err)
		}
		return nil
	})
	shot := uploadFile(t, v, first, "shot-"+tag+".png", pngBytes)
	sendFiles(t, tab, uuid.NewString(), first, "A screenshot "+tag, shot.upload(len(pngBytes)))
	if err := v.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr, "name": "Erin " + tag}, nil); err != nil {
		t.Fatal(err)
	}
	confirmAddress(t, addr)
	if _, err := alice.Act(wait(t), first, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	tab.Close()
	if _, err := emailReply(t, alice, first, "Your order "+tag+" ships today."); err != nil {
		t.Fatal(err)
	}
	sent := mailTo(t, addr, "Your conversation")
	if len(sent) != 1 {
		t.Fatalf("mails to %s = %d, want 1", addr, len(sent))
	}
	replyTo, inReplyTo := sent[0].Headers["Reply-To"], strings.Trim(sent[0].Headers["Message-Id"], "<>")
	sendSMTP(t, addr, replyTo, fmt.Sprintf("From: Erin <%[1]s>\nTo: %[2]s\nSubject: Re: Your conversation\nMessage-ID: <%[3]s@mail.visitor.test>\nIn-Reply-To: <%[4]s>\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nThe receipt %[3]s is attached.\n"+
		"--b\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"receipt-%[3]s.png\"\nContent-Transfer-Encoding: base64\n\n%[5]s\n--b--\n",
		addr, replyTo, tag, inReplyTo, b64("\x89PNG\r\n\x1a\n receipt")))
	// A mail from the address that failed the checks, kept aside.
	sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, uuid.NewString()+"@x", inReplyTo, "X-Parley-Local-Verdict: dmarc=fail\n", "Held back "+tag))
	if !slices.ContainsFunc(quarantine(t, alice), func(q quarantined) bool { return q.Preview == "Held back "+tag }) {
		t.Fatal("the failing mail was not quarantined")
	}
	if _, err := alice.Act(wait(t), first, "close", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the transcript of the closed conversation", func() error {
		if n := len(mailTo(t, addr, email.DefaultTranscriptSubject)); n != 1 {
			return fmt.Errorf("%d transcripts", n)
		}
		return nil
	})
	// A note that mentions Ben: his notification quotes it.
	ensureProfiles(t, "alice", "ben")
	var note struct {
		Message struct {
			Mentions []struct{ Name string } `json:"mentions"`
		} `json:"message"`
	}
	if err := alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+first+"/notes", map[string]string{"clientId": uuid.NewString(), "body": "@Ben Richter refund " + tag + "?"}, &note); err != nil || len(note.Message.Mentions) != 1 {
		t.Fatalf("note = %+v, %v; want Ben mentioned", note, err)
	}
	ben := newAgent(t, "ben")
	eventually(t, "Ben's notification of the note", func() error {
		var page struct {
			Notifications []struct{ ConversationID string } `json:"notifications"`
		}
		if err := ben.Call(wait(t), http.MethodGet, "/agent/notifications?limit=100", nil, &page); err != nil {
			return err
		}
		if !slices.ContainsFunc(page.Notifications, func(n struct{ ConversationID string }) bool { return n.ConversationID == first }) {
			return fmt.Errorf("%d notifications, none of %s", len(page.Notifications), first)
		}
		return nil
	})
	// A second conversation, open and assigned: its agent's load goes
	// back when it is erased.
	tab2, second, _ := startConversation(t, v, "One more question "+tag)
	tab2.Close()
	if _, err := alice.Act(wait(t), second, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	// Someone else's conversation stays.
	other := newVisitor(t)
	keepTag := "q" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	otherTab, kept, _ := startConversation(t, other, "Not erased "+keepTag)
	otherTab.Close()
	indexed(t)
	if got := search(t, alice, tag); len(got) != 2 {
		t.Fatalf("search %s before = %v, want the contact's two conversations", tag, ids(got))
	}
	if rawMail := bucketObjectsNaming(t, addr); len(rawMail) == 0 {
		t.Fatal("no raw mail of the contact in the bucket")
	}
	aliceSub := demoSub(t, "alice")
	loadBefore := routeLoad(t, aliceSub)

	// Neither route is an agent's.
	var apiErr *chatclient.APIError
	if err := ben.Call(wait(t), http.MethodGet, "/agent/contacts/"+v.ID+"/export", nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("an agent's export = %v, want 403", err)
	}
	if err := ben.Call(wait(t), http.MethodDelete, "/agent/contacts/"+v.ID, nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("an agent's erasure = %v, want 403", err)
	}
	for _, ref := range []string{"not-a-contact", uuid.NewString(), "nobody-" + tag + "@visitor.test"} {
		want := http.StatusNotFound
		if ref == "not-a-contact" {
			want = http.StatusBadRequest
		}
		if err := alice.Call(wait(t), http.MethodGet, "/agent/contacts/"+ref+"/export", nil, nil); !errors.As(err, &apiErr) || apiErr.Status != want {
			t.Errorf("export of %s = %v, want %d", ref, err, want)
		}
	}

	// ---- the export: every message, the files, the address, the
	// attributes, the pages, the mail kept aside; and of every kind of
	// item the erasure is about to remove, what it says of the contact.
	stored := chatItemsNaming(t, v.ID, first, second, addr, tag)
	var exp exportedContact
	if err := alice.Call(wait(t), http.MethodGet, "/agent/contacts/"+v.ID+"/export", nil, &exp); err != nil {
		t.Fatal(err)
	}
	checkExportCovers(t, stored, exp, coverage{conversations: []string{first, second}, addr: addr, attribute: "gold-" + tag, page: pricing, held: "Held back " + tag})
	if exp.Contact.VisitorID != v.ID || exp.Contact.Email != addr || exp.Contact.Name != "Erin "+tag {
		t.Errorf("exported contact = %+v", exp.Contact)
	}
	if len(exp.Addresses) != 1 || exp.Addresses[0].Email != addr || !exp.Addresses[0].Verified || exp.Addresses[0].Status != "deliverable" {
		t.Errorf("exported addresses = %+v, want %s, verified, deliverable", exp.Addresses, addr)
	}
	var convIDs []string
	files := map[string]string{}
	for _, c := range exp.Conversations {
		convIDs = append(convIDs, c.ID)
		var got, want []string
		for _, m := range c.Messages {
			got = append(got, fmt.Sprintf("%d %s %s", m.Seq, m.Channel, m.Body))
			for _, a := range m.Attachments {
				files[a.Filename] = a.URL
			}
		}
		for _, m := range allMessages(t, alice, c.ID) {
			want = append(want, fmt.Sprintf("%d %s %s", m.Seq, m.Channel, m.Body))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("exported messages of %s (-thread +export):\n%s", c.ID, diff)
		}
	}
	slices.Sort(convIDs)
	wantIDs := []string{first, second}
	slices.Sort(wantIDs)
	if diff := cmp.Diff(wantIDs, convIDs); diff != "" {
		t.Errorf("exported conversations (-want +got):\n%s", diff)
	}
	for _, name := range []string{"shot-" + tag + ".png", "receipt-" + tag + ".png"} {
		if files[name] == "" || !strings.Contains(files[name], "#") {
			t.Errorf("exported file %s has link %q, want the file page's signed link", name, files[name])
		}
	}

	// ---- the erasure, named by the address.
	var erased struct {
		Erased struct {
			VisitorID     string `json:"visitorId"`
			Conversations int    `json:"conversations"`
			Items         int    `json:"items"`
			Objects       int    `json:"objects"`
		} `json:"erased"`
	}
	if err := alice.Call(wait(t), http.MethodDelete, "/agent/contacts/"+addr, nil, &erased); err != nil {
		t.Fatal(err)
	}
	// The screenshot, the mailed receipt, the two raw mails.
	if e := erased.Erased; e.VisitorID != v.ID || e.Conversations != 2 || e.Objects != 4 || e.Items == 0 {
		t.Errorf("erased = %+v, want the visitor's 2 conversations and 4 objects", e)
	}
	indexed(t)

	left := chatItemsNaming(t, v.ID, first, second, addr, tag)
	var audits []map[string]types.AttributeValue
	for k, it := range left {
		if strings.HasPrefix(k, "AUDIT#") {
			audits = append(audits, it)
			delete(left, k)
		}
	}
	if len(left) > 0 {
		t.Errorf("chat items of the erased contact: %v", slices.Sorted(maps.Keys(left)))
	}
	if len(audits) != 1 || attrS(audits[0], "action") != "contact.erased" || attrS(audits[0], "agentId") != aliceSub || mentions(audits[0], []string{addr, tag, first, second}) {
		t.Errorf("audit events = %v, want one naming the erasure by alice and none of the erased content", audits)
	}
	if objs := bucketObjectsNaming(t, v.ID, first, second, addr, tag); len(objs) > 0 {
		t.Errorf("objects of the erased contact: %v", objs)
	}
	for _, q := range []string{tag, "erase-" + tag[:4]} {
		got := ids(search(t, alice, q))
		if slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, first) || strings.HasSuffix(s, second) }) {
			t.Errorf("search %q finds an erased conversation: %v", q, got)
		}
	}
	if got := ids(search(t, alice, keepTag)); !slices.Contains(got, "message "+kept) {
		t.Errorf("search finds %v, want the other contact's conversation kept", got)
	}
	for _, status := range []string{"open", "closed"} {
		var page struct {
			Conversations []struct{ ID string } `json:"conversations"`
		}
		if err := alice.Call(wait(t), http.MethodGet, "/agent/conversations?view=all&limit=100&status="+status, nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Conversations {
			if c.ID == first || c.ID == second {
				t.Errorf("the %s list still shows %s", status, c.ID)
			}
		}
	}
	if err := alice.Call(wait(t), http.MethodGet, "/agent/conversations/"+first, nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("an erased conversation = %v, want 404", err)
	}
	if loadAfter := routeLoad(t, aliceSub); loadAfter != loadBefore-1 {
		t.Errorf("alice's load = %d after the erasure, want %d (the open conversation released)", loadAfter, loadBefore-1)
	}
	if _, err := chatStore(t).Conversation(wait(t), kept); err != nil {
		t.Errorf("another contact's conversation: %v", err)
	}
	// Erased is unknown from now on.
	if err := alice.Call(wait(t), http.MethodDelete, "/agent/contacts/"+v.ID, nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("erasing again = %v, want 404", err)
	}
}

// coverage is what a test's contact left in each kind of item.
type coverage struct {
	conversations   []string
	addr, attribute string
	page, held      string
}

// exportHolds says, for each kind of item about a contact ("<pk prefix>
// <sk prefix>", itemKind), how to tell that the export holds what the
// item says of the person; nil for the kinds that say nothing of them
// beyond what other items export. An item kind the erasure removes and
// this table lacks fails checkExportCovers: a new kind of item about
// contacts must go into the export (or here, with why it need not).
var exportHolds = map[string]func(exportedContact, coverage) bool{
	"VISITOR PROFILE": func(e exportedContact, _ coverage) bool { return e.Contact.CreatedAt != "" },
	"VISITOR CONTACT": func(e exportedContact, c coverage) bool { return e.Contact.Email == c.addr },
	"VISITOR ATTRIBUTES": func(e exportedContact, c coverage) bool {
		return e.Contact.Attributes["plan"] == c.attribute
	},
	"VISITOR IDENTITY": func(e exportedContact, _ coverage) bool { return e.Contact.ExternalID != "" },
	"EXTERNAL VISITOR": func(e exportedContact, _ coverage) bool { return e.Contact.ExternalID != "" },
	"VISITOR CONV":     hasConversations,
	"CONV META":        hasConversations,
	"CONV MSG": func(e exportedContact, _ coverage) bool {
		return len(e.Conversations) > 0 && len(e.Conversations[0].Messages) > 0
	},
	"CONV VISIT": func(e exportedContact, c coverage) bool {
		return slices.ContainsFunc(e.Conversations, func(cv exportedConversation) bool {
			return cv.Visit != nil && slices.Contains(cv.Visit.Pages, visitedPage{URL: c.page})
		})
	},
	"EMAIL CONTACT": func(e exportedContact, c coverage) bool {
		return len(e.Addresses) == 1 && e.Addresses[0].Email == c.addr
	},
	"EMAIL STATUS": func(e exportedContact, _ coverage) bool { return len(e.Addresses) == 1 && e.Addresses[0].Status != "" },
	"QUARANTINE ": func(e exportedContact, c coverage) bool {
		return slices.Contains(e.QuarantinedMail, heldMail{From: c.addr, Preview: c.held})
	},
	// Counters, live connections and their listeners, agents viewing.
	"VISITOR PRESENCE": nil, "VISITOR CONN": nil, "CONN CONN": nil, "CONV CONN": nil, "CONV VIEW": nil, "RATE W": nil,
	// A message's idempotency record points at the message; a done-once
	// claim names a conversation's event.
	"CLIENT CLIENT": nil, "ONCE ONCE": nil,
	// The times of the conversation's events, which its messages carry.
	"RCONV REPORT": nil,
	// A mention's notification quotes the note, exported in full.
	"NOTIFY N": nil,
}

type heldMail struct {
	From    string `json:"from"`
	Preview string `json:"preview"`
}

type visitedPage struct {
	URL string `json:"url"`
}

type exportedConversation struct {
	ID    string `json:"id"`
	Visit *struct {
		URL   string        `json:"url"`
		Pages []visitedPage `json:"pages"`
	} `json:"visit"`
	Messages []struct {
		Seq         int64  `json:"seq"`
		Body        string `json:"body"`
		Channel     string `json:"channel"`
		Attachments []struct {
			Filename string `json:"filename"`
			URL      string `json:"url"`
		} `json:"attachments"`
	} `json:"messages"`
}

func hasConversations(e exportedContact, c coverage) bool {
	var got []string
	for _, cv := range e.Conversations {
		got = append(got, cv.ID)
	}
	return !slices.ContainsFunc(c.conversations, func(id string) bool { return !slices.Contains(got, id) })
}

// itemKind is an item's pk up to its first "#" and its sk's leading
// capitals: "CONV MSG", "VISITOR CONTACT", "QUARANTINE " (a time).
func itemKind(pkSK string) string {
	pk, sk, _ := strings.Cut(pkSK, " | ")
	pk, _, _ = strings.Cut(pk, "#")
	end := strings.IndexFunc(sk, func(r rune) bool { return r < 'A' || r > 'Z' })
	if end < 0 {
		end = len(sk)
	}
	return pk + " " + sk[:end]
}

// checkExportCovers fails for every kind of the stored items that the
// export does not account for.
func checkExportCovers(t *testing.T, stored map[string]map[string]types.AttributeValue, exp exportedContact, c coverage) {
	t.Helper()
	kinds := map[string]string{}
	for k := range stored {
		kinds[itemKind(k)] = k
	}
	for _, kind := range slices.Sorted(maps.Keys(kinds)) {
		holds, known := exportHolds[kind]
		switch {
		case !known:
			t.Errorf("the contact has %s items (%s) that the export does not account for", kind, kinds[kind])
		case holds != nil && !holds(exp, c):
			t.Errorf("the export misses what the %s item %s says of the contact", kind, kinds[kind])
		}
	}
}

// deliveriesDone waits until the table's streams and the event bus have
// delivered everything, so the transcripts and routing that this test's
// closes (and its sweep's) set off are not counted by the next test.
func deliveriesDone(t *testing.T) {
	t.Helper()
	eventually(t, "the streams and the bus settled", func() error {
		if !cloud.StreamsIdle() {
			return errors.New("streams busy")
		}
		for _, ev := range cloud.Events().Recent("") {
			for _, d := range ev.Deliveries {
				if d.Status == "pending" {
					return fmt.Errorf("%s to %s pending", ev.DetailType, d.Function)
				}
			}
		}
		return nil
	})
}

// routeLoad is an agent's routing load in the main inbox.
func routeLoad(t *testing.T, agentID string) int {
	t.Helper()
	_, loads, err := chatStore(t).Loads(wait(t), "main")
	if err != nil {
		t.Fatal(err)
	}
	return loads[agentID]
}

// TestRetention: a channel that keeps closed conversations one day deletes
// one a day after it closed (the test clock), with its messages, its
// files and its search entries; a conversation of the channel closed
// later, one still open and another channel's closed one are kept.
func TestRetention(t *testing.T) {
	t.Cleanup(func() { deliveriesDone(t) })
	tag := "k" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	alice := newAgent(t, "alice")
	ch := newChannel(t, alice, "Retention "+tag)
	ch["retention"] = map[string]any{"closedDays": 1}
	putChannel(t, alice, ch)
	pastTheCaches(t)
	channelID := ch["id"].(string)

	start := func(channel, body string) (*chatclient.Visitor, *chatclient.Socket, string) {
		t.Helper()
		v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), channel, "")
		if err != nil {
			t.Fatal(err)
		}
		s, conv, _ := startConversation(t, v, body)
		return v, s, conv
	}
	closeConv := func(id string) {
		t.Helper()
		if _, err := alice.Act(wait(t), id, "close", nil); err != nil {
			t.Fatal(err)
		}
	}
	v, tab, expired := start(channelID, "Delete me "+tag)
	sendFiles(t, tab, uuid.NewString(), expired, "", uploadFile(t, v, expired, "old-"+tag+".png", pngBytes).upload(len(pngBytes)))
	tab.Close()
	closeConv(expired)

	advance(t, 12*time.Hour)
	_, tab, recent := start(channelID, "Keep me, closed later "+tag)
	tab.Close()
	closeConv(recent)
	_, tab, open := start(channelID, "Keep me, open "+tag)
	tab.Close()
	_, tab, forever := start("main", "Keep me, the main channel's "+tag)
	tab.Close()
	closeConv(forever)
	indexed(t)

	advance(t, 13*time.Hour) // 25 hours after the first close
	sweep(t)
	indexed(t)

	st := chatStore(t)
	if _, err := st.Conversation(wait(t), expired); err == nil {
		t.Errorf("the conversation closed 25 hours ago is still there")
	}
	if left := chatItemsNaming(t, expired); len(left) > 0 {
		t.Errorf("items of the deleted conversation: %v", slices.Sorted(maps.Keys(left)))
	}
	if objs := bucketObjectsNaming(t, expired); len(objs) > 0 {
		t.Errorf("files of the deleted conversation: %v", objs)
	}
	if left := searchItems(t, expired); len(left) > 0 {
		t.Errorf("search entries of the deleted conversation: %v", left)
	}
	for name, id := range map[string]string{"closed 13 hours ago": recent, "open": open, "the main channel's": forever} {
		if _, err := st.Conversation(wait(t), id); err != nil {
			t.Errorf("the %s conversation: %v", name, err)
		}
		if n := len(allMessages(t, alice, id)); n == 0 {
			t.Errorf("the %s conversation has no messages left", name)
		}
	}

	// The 25 hours made every open conversation of the cloud inactive,
	// and the sweep warned each: close them all now, not at a schedule
	// tick in the middle of a later test that counts what closes set off.
	advance(t, 3*time.Minute)
	sweep(t)
	eventsDelivered(t)
}
