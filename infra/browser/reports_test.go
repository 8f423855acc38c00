package browser

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/reports"
)

// TestReportsPage: an agent has no way to the reports; an admin opens them
// from the top bar, picks the days around the conversation just answered,
// sees the four charts (each with its title, axis labels and table),
// filters by agent, and exports CSV files that parse back to the numbers
// the API answers for the account and for that agent.
func TestReportsPage(t *testing.T) {
	aliceSub, err := oidc.DemoSub("alice")
	if err != nil {
		t.Fatal(err)
	}
	alice := apiAgent(t, "alice")
	zone, err := time.LoadLocation(cloud.Model().Functions["ReportsFunction"].Env["REPORTS_TIME_ZONE"])
	if err != nil {
		t.Fatal(err)
	}
	today := cloud.Now().In(zone)
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	report := func(q url.Values) reports.Report {
		t.Helper()
		q.Set("from", from)
		q.Set("to", to)
		var r reports.Report
		if err := alice.Call(t.Context(), http.MethodGet, "/agent/reports?"+q.Encode(), nil, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Signed in once, Alice is an agent conversations can go to; her
	// name is the one her profile has now (other tests change it).
	var me struct {
		DisplayName string `json:"displayName"`
	}
	if err := alice.Call(t.Context(), http.MethodGet, "/agent/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	before := report(url.Values{"agentId": {aliceSub}}).Total.FirstResponse.Count

	v := newVisitor(t, "Can I see the numbers?")
	for _, a := range []struct {
		action string
		in     any
	}{{"assign", map[string]string{"agentId": aliceSub, "expectedAssigneeId": ""}}, {"close", map[string]string{}}} {
		if a.action == "close" {
			if _, err := alice.Reply(t.Context(), v.conversation, "Here they are"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := alice.Act(t.Context(), v.conversation, a.action, a.in); err != nil {
			t.Fatalf("%s: %v", a.action, err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for report(url.Values{"agentId": {aliceSub}}).Total.FirstResponse.Count == before {
		if time.Now().After(deadline) {
			t.Fatal("the reply never reached the reports")
		}
		time.Sleep(100 * time.Millisecond)
	}

	browser := newBrowser(t)
	ben := newTab(t, browser)
	signIn(t, ben, "ben")
	if eval[bool](t, ben, `document.querySelector('a[href="#/reports"]') !== null`) {
		t.Error("an agent sees the way to the reports")
	}
	step(t, ben, "go to the reports anyway", chromedp.Navigate(cloud.Endpoints().Inbox+"#/reports"))
	waitFor(t, ben, "the page says they are for admins", `document.querySelector(".reports [role=alert]")?.textContent.includes("Reports are for admins.")`)

	tab := newTab(t, browser)
	signIn(t, tab, "alice")
	click(t, tab, "a", "Reports")
	click(t, tab, ".reports button", "Custom")
	fill(t, tab, ".reports input[name=from]", from)
	fill(t, tab, ".reports input[name=to]", to)
	click(t, tab, ".reports button", "Show")
	waitFor(t, tab, "the account's days are shown", `document.querySelector(".reports .rep-note")?.textContent === `+js("All inboxes, "+from+" to "+to)+` && document.querySelector(".rep-table")`)
	for _, chart := range []string{"volume", "frt", "ttc"} {
		// Each chart: a titled, described image, its axis labels, and a
		// table of one row per day of the range.
		ok := eval[bool](t, tab, `(() => {
			const svg = document.querySelector(`+js("svg[data-chart="+chart+"]")+`), fig = svg.closest("figure");
			const labels = [...svg.querySelectorAll("text.label")].map(e => e.textContent);
			return svg.getAttribute("role") === "img" && svg.querySelector("title").textContent === fig.querySelector("h3").textContent &&
				svg.getAttribute("aria-labelledby").split(" ").every(id => document.getElementById(id)) &&
				labels[0] === "Day" && labels.length === 2 && fig.querySelectorAll("details tbody tr").length === 3 })()`)
		if !ok {
			t.Errorf("chart %s lacks its title, description, axis labels or table", chart)
		}
	}
	if n := eval[int](t, tab, `document.querySelectorAll("svg[data-chart=volume] rect.bar").length`); n == 0 {
		t.Error("the volume chart draws no bar")
	}
	screenshot(t, tab, "reports.png")
	account := report(url.Values{})
	// The ratings chart: a described image and one row per score, each
	// the account's count of it.
	var want []string
	for _, n := range account.Total.CSAT.Distribution {
		want = append(want, strconv.FormatInt(n, 10))
	}
	if got := eval[string](t, tab, `(() => {
		const svg = document.querySelector("svg[data-chart=csat]"), fig = svg.closest("figure");
		if (svg.getAttribute("role") !== "img" || fig.querySelector("h3").textContent !== "Satisfaction ratings" || fig.querySelectorAll("details tbody tr").length !== 5) return "";
		return [...fig.querySelectorAll("details tbody td")].map(td => td.textContent).join(",") })()`); got != strings.Join(want, ",") {
		t.Errorf("the ratings chart shows %q, want the account's %q", got, strings.Join(want, ","))
	}
	checkCSV(t, exported(t, tab), "total", "", account.Total)

	fill(t, tab, ".reports select[name=agent]", aliceSub)
	waitFor(t, tab, "alice's days are shown", `document.querySelector(".reports .rep-note")?.textContent === `+js(me.DisplayName+", "+from+" to "+to)+` &&
		document.querySelectorAll(".rep-table tbody tr").length === 1`)
	mine := report(url.Values{"agentId": {aliceSub}})
	rows := exported(t, tab)
	checkCSV(t, rows, "total", "", mine.Total)
	checkCSV(t, rows, "agent", aliceSub, mine.Total)
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(me.DisplayName), "-"), "-")
	if got := eval[string](t, tab, `document.querySelector(".rep-csv").getAttribute("download")`); got != "parley-report-"+slug+"-"+from+"-"+to+".csv" {
		t.Errorf("export's file name = %q, want %s's and the range's", got, me.DisplayName)
	}
}

// exported reads the CSV the export link holds (a data: URL: the file is
// written in the page, from what it shows).
func exported(t *testing.T, tab context.Context) [][]string {
	t.Helper()
	href := eval[string](t, tab, `document.querySelector(".rep-csv").href`)
	body, ok := strings.CutPrefix(href, "data:text/csv;charset=utf-8,")
	if !ok {
		t.Fatalf("export link %.60q is no CSV", href)
	}
	text, err := url.PathUnescape(body)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("the export does not parse as CSV: %v", err)
	}
	return rows
}

// checkCSV finds the row of kind (and agent id) and compares its numbers
// with the API's summary.
func checkCSV(t *testing.T, rows [][]string, kind, agentID string, want reports.Summary) {
	t.Helper()
	if len(rows) < 2 {
		t.Fatalf("CSV of %d rows", len(rows))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, row := range rows[1:] {
		if row[col["row"]] != kind || row[col["agentId"]] != agentID {
			continue
		}
		n := func(name string) int64 {
			v, err := strconv.ParseInt(row[col[name]], 10, 64)
			if err != nil {
				t.Fatalf("%s = %q: %v", name, row[col[name]], err)
			}
			return v
		}
		timing := func(m string) reports.Timing {
			tm := reports.Timing{Count: n(m + "_count")}
			if tm.Count == 0 {
				return tm
			}
			med, p90 := n(m+"_median_s"), n(m+"_p90_s")
			avg, err := strconv.ParseFloat(row[col[m+"_average_s"]], 64)
			if err != nil {
				t.Fatalf("%s_average_s: %v", m, err)
			}
			tm.Median, tm.P90, tm.Average = &med, &p90, &avg
			return tm
		}
		got := reports.Summary{
			New:    reports.Volume{Chat: n("new_chat"), Email: n("new_email")},
			Closed: reports.Closes{Agent: n("closed_agent"), Inactivity: n("closed_inactivity"), Bot: n("closed_bot")},
			Missed: n("missed"), Reopened: n("reopened"),
			Bot:           reports.Bot{Started: n("bot_started"), HandedOver: n("bot_handed_over"), Resolved: n("bot_resolved"), Abandoned: n("bot_abandoned")},
			FirstResponse: timing("frt"), FirstResponseFromAssignment: timing("fra"), ReplyTime: timing("rt"), TimeToClose: timing("ttc"),
			BusinessHours: reports.Times{FirstResponse: timing("bh_frt"), FirstResponseFromAssignment: timing("bh_fra"),
				ReplyTime: timing("bh_rt"), TimeToClose: timing("bh_ttc")},
		}
		got.CSAT = reports.CSAT{Asked: n("csat_asked"), Responses: n("csat_responses")}
		for i := range got.CSAT.Distribution {
			got.CSAT.Distribution[i] = n("csat_" + strconv.Itoa(i+1))
		}
		for name, dst := range map[string]**float64{"csat_response_rate": &got.CSAT.ResponseRate, "csat_average": &got.CSAT.Average} {
			if v := row[col[name]]; v != "" {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s = %q: %v", name, v, err)
				}
				*dst = &f
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CSV %s row (-API +CSV):\n%s", kind, diff)
		}
		return
	}
	t.Errorf("CSV has no %s row %s", kind, agentID)
}
