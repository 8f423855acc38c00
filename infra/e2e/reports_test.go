package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/reports"
)

// readReport reads the route for an inbox, an agent or the account over
// the days around the cloud's today.
func readReport(t *testing.T, admin *chatclient.Agent, dim, id string) reports.Report {
	t.Helper()
	today := cloud.Now().UTC()
	q := url.Values{"from": {today.AddDate(0, 0, -1).Format(time.DateOnly)}, "to": {today.AddDate(0, 0, 1).Format(time.DateOnly)}}
	if dim != "account" {
		q.Set(dim+"Id", id)
	}
	var r reports.Report
	if err := admin.Call(wait(t), http.MethodGet, "/agent/reports?"+q.Encode(), nil, &r); err != nil {
		t.Fatalf("report of %s %s: %v", dim, id, err)
	}
	return r
}

// reportsSettled waits until every event of the conversations (nil: of
// any conversation) reached ReportsFunction.
func reportsSettled(t *testing.T, convs []string) {
	t.Helper()
	eventually(t, "ReportsFunction handled every event", func() error {
		if !cloud.StreamsIdle() {
			return fmt.Errorf("the table's stream is still being read")
		}
		for _, ev := range cloud.Events().Recent("") {
			var d detail
			if err := json.Unmarshal(ev.Detail, &d); err != nil || convs != nil && !slices.Contains(convs, d.ConversationID) {
				continue
			}
			for _, del := range ev.Deliveries {
				if del.Function == "ReportsFunction" && del.Status != "delivered" {
					return fmt.Errorf("%s %s: %s", ev.DetailType, d.ID, del.Status)
				}
			}
		}
		return nil
	})
}

// TestReportsOfScriptedConversations: three conversations of a new inbox
// with known timings on the shared test clock (answered, missed, reopened)
// give exact counts and the medians and p90s of their buckets; every
// event published again, newest first, changes nothing.
func TestReportsOfScriptedConversations(t *testing.T) {
	admin := newAgent(t, "alice")
	inbox, channel := newInbox(t, admin, "Reports "+time.Now().Format("150405.000"))
	rita := inviteMember(t, admin, "Rita Report", inbox)
	setInbox(t, admin, inbox, "Reports", []member{rita}, "manual", 5)
	ctx := wait(t)
	reply := func(conv string) {
		t.Helper()
		if _, err := rita.Agent.Reply(ctx, conv, "On it"); err != nil {
			t.Fatal(err)
		}
	}
	act := func(conv, action string, in any) {
		t.Helper()
		if _, err := rita.Agent.Act(ctx, conv, action, in); err != nil {
			t.Fatalf("%s %s: %v", action, conv, err)
		}
	}

	// Answered after 35 s, closed 100 s later.
	_, answered := visit(t, channel, "Where is my order?")
	act(answered, "assign", map[string]string{"agentId": rita.ID, "expectedAssigneeId": ""})
	advance(t, 35*time.Second)
	reply(answered)
	advance(t, 100*time.Second)
	act(answered, "close", map[string]string{})

	// Missed: closed after 5 minutes without a reply.
	_, missed := visit(t, channel, "Anyone there?")
	advance(t, 5*time.Minute)
	act(missed, "close", map[string]string{})

	// Reopened: answered after 70 s, closed, reopened by the visitor's
	// new message 3 minutes later, answered after 100 s.
	tab, reopened := visit(t, channel, "Can I change my plan?")
	act(reopened, "assign", map[string]string{"agentId": rita.ID, "expectedAssigneeId": ""})
	advance(t, 70*time.Second)
	reply(reopened)
	act(reopened, "close", map[string]string{})
	advance(t, 3*time.Minute)
	act(reopened, "reopen", map[string]string{})
	if _, err := chatclient.SendMessage(ctx, tab, reopened, "One more thing"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the visitor's message after the reopening", func() error {
		th, err := rita.Agent.Get(ctx, reopened)
		if err != nil {
			return err
		}
		for _, m := range th.Messages {
			if m.Body == "One more thing" {
				return nil
			}
		}
		return fmt.Errorf("not stored yet")
	})
	advance(t, 100*time.Second)
	reply(reopened)
	convs := []string{answered, missed, reopened}
	reportsSettled(t, convs)

	sec := func(v int64) *int64 { return &v }
	got := readReport(t, admin, "inbox", inbox)
	// First responses 35, 70 and 100 s (the reopening's own, not the
	// first one's 6 minutes); replies the same; closes 135, 300 and 70 s.
	want := reports.Summary{
		New:           reports.Volume{Chat: 3},
		Closed:        reports.Closes{Agent: 3},
		Missed:        1,
		Reopened:      1,
		FirstResponse: reports.Timing{Count: 3, Median: sec(90), P90: sec(120)},
		// Assigned as the question came: the same times.
		FirstResponseFromAssignment: reports.Timing{Count: 3, Median: sec(90), P90: sec(120)},
		ReplyTime:                   reports.Timing{Count: 3, Median: sec(90), P90: sec(120)},
		TimeToClose:                 reports.Timing{Count: 3, Median: sec(180), P90: sec(420)},
	}
	// The channel has no opening hours: business hours are the whole time.
	want.BusinessHours = reports.Times{FirstResponse: want.FirstResponse, FirstResponseFromAssignment: want.FirstResponseFromAssignment,
		ReplyTime: want.ReplyTime, TimeToClose: want.TimeToClose}
	within := func(name string, got *float64, exact float64) {
		// Averages carry the few seconds the requests themselves took.
		if got == nil || *got < exact || *got > exact+10 {
			t.Errorf("%s average = %v, want %v s (+ the requests' time)", name, got, exact)
		}
	}
	within("first response", got.Total.FirstResponse.Average, 205.0/3)
	within("time to close", got.Total.TimeToClose.Average, 505.0/3)
	if diff := cmp.Diff(want, withoutAverages(got.Total)); diff != "" {
		t.Errorf("inbox report (-want +got):\n%s", diff)
	}
	agent := readReport(t, admin, "agent", rita.ID)
	wantAgent := reports.Summary{
		Closed: reports.Closes{Agent: 2}, Reopened: 1,
		FirstResponse: want.FirstResponse, FirstResponseFromAssignment: want.FirstResponse, ReplyTime: want.ReplyTime,
		TimeToClose: reports.Timing{Count: 2, Median: sec(90), P90: sec(180)},
	}
	wantAgent.BusinessHours = reports.Times{FirstResponse: wantAgent.FirstResponse, FirstResponseFromAssignment: wantAgent.FirstResponseFromAssignment,
		ReplyTime: wantAgent.ReplyTime, TimeToClose: wantAgent.TimeToClose}
	if diff := cmp.Diff(wantAgent, withoutAverages(agent.Total)); diff != "" {
		t.Errorf("agent report (-want +got):\n%s", diff)
	}

	// Every event again, newest first: duplicates out of order.
	replayReversed(t, convs)
	reportsSettled(t, convs)
	if diff := cmp.Diff(got, readReport(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("report after the events came again (-before +after):\n%s", diff)
	}
}

// replayReversed publishes the conversations' events again on the bus,
// newest first, as a redelivery would.
func replayReversed(t *testing.T, convs []string) {
	t.Helper()
	eb := eventbridge.New(eventbridge.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
	var again []ebtypes.PutEventsRequestEntry
	for _, ev := range cloud.Events().Recent("") { // newest first
		var d detail
		if err := json.Unmarshal(ev.Detail, &d); err != nil || !slices.Contains(convs, d.ConversationID) {
			continue
		}
		again = append(again, ebtypes.PutEventsRequestEntry{
			EventBusName: aws.String(ev.Bus), Source: aws.String(ev.Source),
			DetailType: aws.String(ev.DetailType), Detail: aws.String(string(ev.Detail)),
		})
	}
	for batch := range slices.Chunk(again, 10) {
		out, err := eb.PutEvents(wait(t), &eventbridge.PutEventsInput{Entries: batch})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("put events again: %v, %d failed", err, out.FailedEntryCount)
		}
	}
	if len(again) < 10 {
		t.Fatalf("%d events published again, want every event of the three conversations", len(again))
	}
}

// withoutAverages clears a summary's averages: they carry the few
// seconds the requests themselves took.
func withoutAverages(s reports.Summary) reports.Summary {
	for _, t := range []*reports.Timing{&s.FirstResponse, &s.FirstResponseFromAssignment, &s.ReplyTime, &s.TimeToClose,
		&s.BusinessHours.FirstResponse, &s.BusinessHours.FirstResponseFromAssignment, &s.BusinessHours.ReplyTime, &s.BusinessHours.TimeToClose} {
		t.Average = nil
	}
	return s
}
