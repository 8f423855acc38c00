package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/backfill"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/store"
)

// TestReportsHoursAssignmentAccountAndBackfill: a conversation of a channel
// that is closed all day (outside business hours), assigned 40 s after the
// question and answered 30 s later, gives its first response from the
// question and from the assignment, and no business-hours time at all; the
// account's totals grow by what the inbox's did. Then the inbox's and its
// agent's rollups and the conversations' states are deleted, and the
// backfill, interrupted after its first page and continued from its
// cursor, gives back the same reports from the seq streams; run again it
// changes nothing.
func TestReportsHoursAssignmentAccountAndBackfill(t *testing.T) {
	admin := newAgent(t, "alice")
	reportsSettled(t, nil)
	accountBefore := readReport(t, admin, "account", "")
	inbox, channel := newInbox(t, admin, "Hours report "+time.Now().Format("150405.000"))
	bea := inviteMember(t, admin, "Bea Backfill", inbox)
	setInbox(t, admin, inbox, "Hours report", []member{bea}, "manual", 5)
	// Open only three days from now: closed while the test runs.
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+channel, nil, &ch); err != nil {
		t.Fatal(err)
	}
	openDay := [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[cloud.Now().UTC().AddDate(0, 0, 3).Weekday()]
	ch["availability"] = map[string]any{"mode": "hours", "timeZone": "UTC",
		"week": map[string]any{openDay: []map[string]string{{"start": "09:00", "end": "17:00"}}}}
	putChannel(t, admin, ch)

	ctx := wait(t)
	act := func(conv, action string, in any) {
		t.Helper()
		if _, err := bea.Agent.Act(ctx, conv, action, in); err != nil {
			t.Fatalf("%s %s: %v", action, conv, err)
		}
	}
	_, late := visit(t, channel, "Are you open?")
	advance(t, 40*time.Second)
	act(late, "assign", map[string]string{"agentId": bea.ID, "expectedAssigneeId": ""})
	advance(t, 30*time.Second)
	if _, err := bea.Agent.Reply(ctx, late, "We are now"); err != nil {
		t.Fatal(err)
	}
	advance(t, 60*time.Second)
	act(late, "close", map[string]string{})
	_, missed := visit(t, channel, "Hello?")
	advance(t, 2*time.Minute)
	act(missed, "close", map[string]string{})
	convs := []string{late, missed}
	reportsSettled(t, nil)

	sec := func(v int64) *int64 { return &v }
	closed := reports.Timing{Count: 1, Median: sec(15), P90: sec(15)}
	want := reports.Summary{
		New:    reports.Volume{Chat: 2},
		Closed: reports.Closes{Agent: 2},
		Missed: 1,
		// 70 s from the question, 30 s from the assignment.
		FirstResponse:               reports.Timing{Count: 1, Median: sec(90), P90: sec(90)},
		FirstResponseFromAssignment: reports.Timing{Count: 1, Median: sec(45), P90: sec(45)},
		ReplyTime:                   reports.Timing{Count: 1, Median: sec(90), P90: sec(90)},
		// 130 and 120 s.
		TimeToClose: reports.Timing{Count: 2, Median: sec(180), P90: sec(180)},
		// Outside opening hours nothing counts: every time is 0 s, in the
		// first bucket.
		BusinessHours: reports.Times{FirstResponse: closed, FirstResponseFromAssignment: closed, ReplyTime: closed,
			TimeToClose: reports.Timing{Count: 2, Median: sec(15), P90: sec(15)}},
	}
	got := readReport(t, admin, "inbox", inbox)
	if diff := cmp.Diff(want, withoutAverages(got.Total)); diff != "" {
		t.Errorf("inbox report (-want +got):\n%s", diff)
	}
	if a := got.Total.BusinessHours.FirstResponse.Average; a == nil || *a != 0 {
		t.Errorf("business-hours first response average = %v, want 0 s", a)
	}
	agent := readReport(t, admin, "agent", bea.ID)

	// Only this test made conversations meanwhile: the account grew by
	// the inbox's new conversations and first responses.
	account := readReport(t, admin, "account", "")
	grew := []struct {
		name          string
		before, after int64
		want          int64
	}{
		{"new chats", accountBefore.Total.New.Chat, account.Total.New.Chat, got.Total.New.Chat},
		{"first responses", accountBefore.Total.FirstResponse.Count, account.Total.FirstResponse.Count, 1},
		{"from assignment", accountBefore.Total.FirstResponseFromAssignment.Count, account.Total.FirstResponseFromAssignment.Count, 1},
	}
	for _, g := range grew {
		if g.after-g.before != g.want {
			t.Errorf("account's %s grew from %d to %d, want by %d", g.name, g.before, g.after, g.want)
		}
	}
	if account.Dimension != "account" {
		t.Errorf("account report's dimension = %q", account.Dimension)
	}

	// The rollups and states gone, the backfill makes them again.
	forget(t, "REPORT#inbox#"+inbox)
	forget(t, "REPORT#agent#"+bea.ID)
	for _, c := range convs {
		forget(t, "RCONV#"+c)
	}
	if r := readReport(t, admin, "inbox", inbox); r.Total.New.Chat != 0 {
		t.Fatalf("inbox report after deleting its rollups: %+v", r.Total)
	}
	st, zone, rec := backfillRecorder(t)
	today := cloud.Now().In(zone)
	opts := backfill.Options{From: today.AddDate(0, 0, -1).Format(time.DateOnly), To: today.Format(time.DateOnly), Zone: zone,
		PageSize: 1, Inboxes: []string{inbox}}
	first, stop := context.WithCancel(wait(t))
	defer stop()
	var cursor string
	_, err := backfill.Run(first, st, rec, opts, func(p backfill.Progress) {
		if cursor == "" && p.Cursor != "" {
			cursor = p.Cursor
			stop() // interrupted after its first page
		}
	})
	if !errors.Is(err, context.Canceled) || cursor == "" {
		t.Fatalf("first run: %v, cursor %q; want it interrupted after a page", err, cursor)
	}
	opts.Cursor = cursor
	p, err := backfill.Run(wait(t), st, rec, opts, func(backfill.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if p.Cursor != "" || p.Changed == 0 {
		t.Errorf("continued run = %+v, want it done and the rest recomputed", p)
	}
	if diff := cmp.Diff(got, readReport(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("inbox report after the backfill (-live +backfill):\n%s", diff)
	}
	if diff := cmp.Diff(agent, readReport(t, admin, "agent", bea.ID)); diff != "" {
		t.Errorf("agent report after the backfill (-live +backfill):\n%s", diff)
	}
	opts.Cursor = ""
	again, err := backfill.Run(wait(t), st, rec, opts, func(backfill.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if again.Conversations != len(convs) || again.Changed != 0 {
		t.Errorf("second backfill = %+v, want both conversations seen and nothing changed", again)
	}
	if _, err := backfill.Run(wait(t), st, rec, backfill.Options{From: opts.To, To: opts.To, Zone: zone, Cursor: cursor}, func(backfill.Progress) {}); !errors.Is(err, backfill.ErrCursor) {
		t.Errorf("cursor of another range: %v, want ErrCursor", err)
	}
}

// backfillRecorder is what the backfill command records with: the chat
// table, the reports' time zone of the template, and a recorder reading
// the stored opening hours.
func backfillRecorder(t *testing.T) (*store.Store, *time.Location, *reports.Recorder) {
	t.Helper()
	st := chatStore(t)
	zone, err := time.LoadLocation(cloud.Model().Functions["ReportsFunction"].Env["REPORTS_TIME_ZONE"])
	if err != nil {
		t.Fatal(err)
	}
	rec, err := reports.NewRecorder(st, zone, backfill.NewStoredHours(st))
	if err != nil {
		t.Fatal(err)
	}
	return st, zone, rec
}

// forget deletes every item of a partition of the chat table.
func forget(t *testing.T, pk string) {
	t.Helper()
	db, table := chatDB(t)
	out, err := db.Query(wait(t), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) == 0 {
		t.Fatalf("%s has no items", pk)
	}
	for _, it := range out.Items {
		if _, err := db.DeleteItem(wait(t), &dynamodb.DeleteItemInput{TableName: aws.String(table),
			Key: map[string]types.AttributeValue{"pk": it["pk"], "sk": it["sk"]}}); err != nil {
			t.Fatal(err)
		}
	}
}
