package template

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/metrics"
	"github.com/parleychat/parley/shared/webpublish"
)

// resolvedWith is template.yaml resolved for the local account with
// parameter overrides, as a plain document and as the Model.
func resolvedWith(t *testing.T, params map[string]string) (map[string]any, *Model) {
	t.Helper()
	raw := rawTemplate(t)
	r, err := newResolver(raw, Options{Parameters: params}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := resolveDocument(raw, r)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(realTemplate, Options{Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	return doc, m
}

// rawTemplate is template.yaml as written, intrinsics in long form.
func rawTemplate(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(realTemplate)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := decodeYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(map[string]any)
}

func float(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return -1
}

// hasIntrinsic reports whether v refers to anything (Ref, Fn::*).
func hasIntrinsic(v any) bool {
	switch x := v.(type) {
	case []any:
		return slices.ContainsFunc(x, hasIntrinsic)
	case map[string]any:
		for k, e := range x {
			if k == "Ref" || strings.HasPrefix(k, "Fn::") || hasIntrinsic(e) {
				return true
			}
		}
	}
	return false
}

// The data outlives the stack and its updates: the table, the buckets, the
// user pool and the secrets are retained when the stack is deleted or a
// change would replace them, and no property whose change replaces them
// depends on a parameter or another resource, so no `sam deploy` with
// other parameters can replace them.
func TestTemplateDataRetained(t *testing.T) {
	replacing := map[string][]string{ // type -> properties whose change replaces the resource
		"AWS::DynamoDB::Table":        {"TableName", "KeySchema", "LocalSecondaryIndexes"},
		"AWS::S3::Bucket":             {"BucketName"},
		"AWS::Cognito::UserPool":      {"UsernameAttributes", "AliasAttributes"},
		"AWS::SecretsManager::Secret": {"Name"},
	}
	found := map[string][]string{}
	resources := asMap(rawTemplate(t)["Resources"])
	for _, id := range sortedKeys(resources) {
		res := asMap(resources[id])
		props, ok := replacing[asString(res["Type"])]
		if !ok {
			continue
		}
		found[asString(res["Type"])] = append(found[asString(res["Type"])], id)
		if res["DeletionPolicy"] != "Retain" || res["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want both Retain", id, res["DeletionPolicy"], res["UpdateReplacePolicy"])
		}
		for _, p := range props {
			if v, set := asMap(res["Properties"])[p]; set && hasIntrinsic(v) {
				t.Errorf("%s: %s depends on %v: a deploy changing it replaces the resource", id, p, referencedNames(v))
			}
		}
	}
	want := map[string][]string{
		"AWS::DynamoDB::Table":        {"ChatTable", "SearchTable"},
		"AWS::S3::Bucket":             {"MailBucket", "WebBucket"},
		"AWS::Cognito::UserPool":      {"AgentUserPool"},
		"AWS::SecretsManager::Secret": {"IdentitySecret", "SigningSecret"},
	}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("data resources (-want +got):\n%s", diff)
	}
}

// alarmOn finds the alarms watching namespace/metric with exactly the
// dimensions given, directly or as one of the metrics of a metric math
// alarm.
func alarmOn(alarms map[string]map[string]any, namespace, metric string, dims map[string]string) []string {
	matches := func(ns, name any, ds []any) bool {
		got := map[string]string{}
		for _, d := range ds {
			got[asString(asMap(d)["Name"])] = asString(asMap(d)["Value"])
		}
		return ns == namespace && name == metric && cmp.Equal(got, dims)
	}
	var out []string
	for _, id := range sortedKeys(alarms) {
		a := alarms[id]
		if matches(a["Namespace"], a["MetricName"], asSlice(a["Dimensions"])) {
			out = append(out, id)
		}
		for _, q := range asSlice(a["Metrics"]) {
			m := asMap(asMap(asMap(q)["MetricStat"])["Metric"])
			if m != nil && matches(m["Namespace"], m["MetricName"], asSlice(m["Dimensions"])) {
				out = append(out, id)
			}
		}
	}
	return out
}

// Nobody misses a failure: every dead-letter queue alarms on its first
// message, every function on any error and any throttle, the HTTP API on
// its share of 5xx answers, the WebSocket API on its share of integration
// errors, SES before the account's reputation reaches a review; every
// alarm notifies the alarm topic. Every function logs to a group of its
// own kept LogRetentionDays.
func TestTemplateAlarmsAndLogs(t *testing.T) {
	doc, m := resolvedWith(t, map[string]string{"LogRetentionDays": "90"})
	alarms := resourcesOfType(doc, "AWS::CloudWatch::Alarm")
	topic := m.Outputs["AlarmTopicArn"]
	for id, a := range alarms {
		if !cmp.Equal(a["AlarmActions"], []any{topic}) || !cmp.Equal(a["OKActions"], []any{topic}) {
			t.Errorf("%s: AlarmActions %v OKActions %v, want the alarm topic %s", id, a["AlarmActions"], a["OKActions"], topic)
		}
		if a["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: TreatMissingData %v: an idle stack would alarm", id, a["TreatMissingData"])
		}
	}
	firstValue := func(id string) {
		a := alarms[id]
		if float(a["Threshold"]) != 0 || a["ComparisonOperator"] != "GreaterThanThreshold" {
			t.Errorf("%s: %v %v, want > 0", id, a["ComparisonOperator"], a["Threshold"])
		}
	}

	queues := map[string]bool{}
	for _, d := range m.DeadLetterQueues {
		queues[d.Queue] = true
	}
	if len(queues) != len(m.Queues) {
		t.Errorf("%d queues, %d of them dead-letter queues: every queue of the template is one", len(m.Queues), len(queues))
	}
	for _, q := range m.Queues {
		ids := alarmOn(alarms, "AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": q.Name})
		if len(ids) != 1 {
			t.Errorf("dead-letter queue %s: alarms %v, want one on its visible messages", q.LogicalID, ids)
			continue
		}
		firstValue(ids[0])
	}

	groups := map[string]map[string]any{}
	for id, g := range resourcesOfType(doc, "AWS::Logs::LogGroup") {
		groups[asString(g["LogGroupName"])] = g
		if g["RetentionInDays"] != 90 {
			t.Errorf("log group %s: RetentionInDays %v, want LogRetentionDays (90)", id, g["RetentionInDays"])
		}
	}
	for _, id := range sortedKeys(m.Functions) {
		fn := m.Functions[id]
		for _, metric := range []string{"Errors", "Throttles"} {
			ids := alarmOn(alarms, "AWS/Lambda", metric, map[string]string{"FunctionName": fn.Name})
			if len(ids) != 1 {
				t.Errorf("%s: %s alarms %v, want one", id, metric, ids)
				continue
			}
			firstValue(ids[0])
		}
		if groups[fn.LogGroup] == nil {
			t.Errorf("%s logs to %q, which is not a log group of the template", id, fn.LogGroup)
		}
	}
	if len(groups) != len(m.Functions) {
		t.Errorf("%d log groups for %d functions", len(groups), len(m.Functions))
	}

	httpAPI, ws := m.HTTPAPIs[0], m.WebSocketAPIs[0]
	if ids := alarmOn(alarms, "AWS/ApiGateway", "5xx", map[string]string{"ApiId": httpAPI.ID}); len(ids) != 1 {
		t.Errorf("HTTP API 5xx alarms %v, want one", ids)
	}
	if ids := alarmOn(alarms, "AWS/ApiGateway", "IntegrationError", map[string]string{"ApiId": ws.ID, "Stage": ws.StageName}); len(ids) != 1 {
		t.Errorf("WebSocket integration error alarms %v, want one", ids)
	}
	for metric, review := range map[string]float64{"Reputation.BounceRate": 0.05, "Reputation.ComplaintRate": 0.001} {
		ids := alarmOn(alarms, "AWS/SES", metric, map[string]string{})
		if len(ids) != 1 {
			t.Errorf("%s alarms %v, want one", metric, ids)
			continue
		}
		if th := float(alarms[ids[0]]["Threshold"]); th <= 0 || th >= review {
			t.Errorf("%s alarms at %v, want before SES reviews the account (%v)", metric, th, review)
		}
	}
}

// The alarm e-mail is subscribed only when given; a malformed one is
// refused before anything is deployed.
func TestTemplateAlarmEmail(t *testing.T) {
	doc, _ := resolvedWith(t, nil)
	if subs := resourcesOfType(doc, "AWS::SNS::Subscription"); len(subs) != 0 {
		t.Errorf("subscriptions without AlarmEmail: %v", subs)
	}
	doc, m := resolvedWith(t, map[string]string{"AlarmEmail": "ops@example.com"})
	want := map[string]map[string]any{"AlarmEmailSubscription": {"TopicArn": m.Outputs["AlarmTopicArn"], "Protocol": "email", "Endpoint": "ops@example.com"}}
	if diff := cmp.Diff(want, resourcesOfType(doc, "AWS::SNS::Subscription")); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	if _, err := Load(realTemplate, Options{Parameters: map[string]string{"AlarmEmail": "ops at example.com"}}); err == nil {
		t.Error("a malformed AlarmEmail was accepted")
	}
}

// dashboardMetric is one metric of a dashboard widget.
type dashboardMetric struct {
	Namespace, Name string
	Dimensions      map[string]string
}

func dashboardMetrics(t *testing.T, body string) (metricsShown []dashboardMetric, alarmARNs []string) {
	t.Helper()
	var d struct {
		Widgets []struct {
			Properties struct {
				Metrics [][]any  `json:"metrics"`
				Alarms  []string `json:"alarms"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("DashboardBody is not JSON: %v", err)
	}
	for _, w := range d.Widgets {
		alarmARNs = append(alarmARNs, w.Properties.Alarms...)
		for _, row := range w.Properties.Metrics {
			dm := dashboardMetric{Namespace: asString(row[0]), Name: asString(row[1]), Dimensions: map[string]string{}}
			for i := 2; i+1 < len(row); i += 2 {
				if _, opts := row[i].(map[string]any); opts {
					break
				}
				dm.Dimensions[asString(row[i])] = asString(row[i+1])
			}
			metricsShown = append(metricsShown, dm)
		}
	}
	return metricsShown, alarmARNs
}

// The dashboard shows the key figures of this stack: every count the code
// records (in the namespace the functions are given), every function's
// errors, the APIs, the dead-letter queues, SES reputation; and every
// alarm's state.
func TestTemplateDashboard(t *testing.T) {
	doc, m := resolvedWith(t, nil)
	dashboards := resourcesOfType(doc, "AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(dashboards))
	}
	var body string
	for _, d := range dashboards {
		body = asString(d["DashboardBody"])
	}
	shown, alarmARNs := dashboardMetrics(t, body)
	has := func(ns, name string, dims map[string]string) bool {
		return slices.ContainsFunc(shown, func(d dashboardMetric) bool {
			return d.Namespace == ns && d.Name == name && cmp.Equal(d.Dimensions, dims)
		})
	}
	namespace := m.Functions["EventPublisherFunction"].Env["METRICS_NAMESPACE"]
	if namespace == "" {
		t.Fatal("the functions are given no METRICS_NAMESPACE")
	}
	for _, name := range metrics.Names() {
		if !has(namespace, name, map[string]string{}) {
			t.Errorf("the dashboard does not show %s/%s", namespace, name)
		}
	}
	for id, fn := range m.Functions {
		if !has("AWS/Lambda", "Errors", map[string]string{"FunctionName": fn.Name}) {
			t.Errorf("the dashboard does not show %s's errors", id)
		}
	}
	for _, q := range m.Queues {
		if !has("AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": q.Name}) {
			t.Errorf("the dashboard does not show %s", q.LogicalID)
		}
	}
	httpAPI, ws := m.HTTPAPIs[0], m.WebSocketAPIs[0]
	for _, want := range []dashboardMetric{
		{"AWS/ApiGateway", "5xx", map[string]string{"ApiId": httpAPI.ID}},
		{"AWS/ApiGateway", "Latency", map[string]string{"ApiId": httpAPI.ID}},
		{"AWS/ApiGateway", "IntegrationError", map[string]string{"ApiId": ws.ID, "Stage": ws.StageName}},
		{"AWS/ApiGateway", "IntegrationLatency", map[string]string{"ApiId": ws.ID, "Stage": ws.StageName}},
		{"AWS/SES", "Reputation.BounceRate", map[string]string{}},
		{"AWS/SES", "Reputation.ComplaintRate", map[string]string{}},
	} {
		if !has(want.Namespace, want.Name, want.Dimensions) {
			t.Errorf("the dashboard does not show %+v", want)
		}
	}
	var wantARNs []string
	for _, a := range resourcesOfType(doc, "AWS::CloudWatch::Alarm") {
		wantARNs = append(wantARNs, fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", m.Region, m.AccountID, a["AlarmName"]))
	}
	slices.Sort(wantARNs)
	slices.Sort(alarmARNs)
	if diff := cmp.Diff(wantARNs, alarmARNs); diff != "" {
		t.Errorf("alarms on the dashboard (-want +got):\n%s", diff)
	}
}

// refusingRules evaluates the template's Rules for params and returns
// those that refuse them.
func refusingRules(t *testing.T, params map[string]string) []string {
	t.Helper()
	raw := rawTemplate(t)
	r, err := newResolver(raw, Options{Parameters: params}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	rules := asMap(raw["Rules"])
	for _, name := range sortedKeys(rules) {
		rule := asMap(rules[name])
		applies := true
		if c, ok := rule["RuleCondition"]; ok {
			if applies, err = r.evalCondition(c, "Rules."+name); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range asSlice(rule["Assertions"]) {
			ok, err := r.evalCondition(asMap(a)["Assert"], "Rules."+name+".Assert")
			if err != nil {
				t.Fatal(err)
			}
			if applies && !ok {
				refused = append(refused, name)
			}
		}
	}
	return refused
}

const (
	testCertificate    = "arn:aws:acm:eu-west-1:123456789012:certificate/0f3a-11aa"
	testWebCertificate = "arn:aws:acm:us-east-1:123456789012:certificate/77bc-22bb"
)

// Custom domains are optional, each on its own: without names every URL is
// the one AWS generates and no domain resource exists; with a name, its
// resources exist (each under its condition), the outputs and the URLs
// the web publisher writes switch to it, the CSPs and the origin lists
// allow it, and a name without a certificate is refused up front.
func TestTemplateCustomDomains(t *testing.T) {
	raw := rawTemplate(t)
	domainConditions := map[string]string{"AWS::ApiGatewayV2::DomainName": "", "AWS::ApiGatewayV2::ApiMapping": ""}
	for id, v := range asMap(raw["Resources"]) {
		res := asMap(v)
		if _, ok := domainConditions[asString(res["Type"])]; ok && !slices.Contains([]any{"HasApiDomain", "HasWsDomain"}, res["Condition"]) {
			t.Errorf("%s: condition %v, want HasApiDomain or HasWsDomain", id, res["Condition"])
		}
	}
	for name, v := range asMap(raw["Outputs"]) {
		if strings.HasSuffix(name, "DomainTarget") && asMap(v)["Condition"] == nil {
			t.Errorf("output %s has no condition", name)
		}
	}

	tests := []struct {
		name                  string
		params                map[string]string
		web, widget, api, wss string // custom names expected; "" the generated one
		cert                  string // the web distributions' certificate
	}{
		{name: "generated names", params: nil},
		{name: "web only", params: map[string]string{"WebDomainName": "chat.example.com", "WebCertificateArn": testWebCertificate},
			web: "chat.example.com", cert: testWebCertificate},
		{name: "APIs only", params: map[string]string{"ApiDomainName": "api.example.com", "WsDomainName": "ws.example.com", "CertificateArn": testCertificate},
			api: "api.example.com", wss: "ws.example.com"},
		{name: "chat window only", params: map[string]string{"WidgetDomainName": "chat-window.example.com", "WebCertificateArn": testWebCertificate},
			widget: "chat-window.example.com", cert: testWebCertificate},
		{name: "all, one certificate", params: map[string]string{"WebDomainName": "chat.example.com", "WidgetDomainName": "chat-window.example.com",
			"ApiDomainName": "api.example.com", "WsDomainName": "ws.example.com", "CertificateArn": testCertificate},
			web: "chat.example.com", widget: "chat-window.example.com", api: "api.example.com", wss: "ws.example.com", cert: testCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if refused := refusingRules(t, tt.params); len(refused) > 0 {
				t.Fatalf("refused by %v", refused)
			}
			doc, m := resolvedWith(t, tt.params)
			httpAPI, ws := m.HTTPAPIs[0], m.WebSocketAPIs[0]
			cdn := "https://" + asString(asMap(asMap(doc["Outputs"])["WebDomainTarget"])["Value"])
			// The chat window's CloudFront name: where its custom name
			// points, or the page's own origin without one.
			widgetCDN := strings.TrimSuffix(m.Outputs["WidgetFrameUrl"], "/widget/frame.html")
			if tt.widget != "" {
				widgetCDN = "https://" + m.Outputs["WidgetDomainTarget"]
			}
			dist := asMap(resourcesOfType(doc, "AWS::CloudFront::Distribution")["WebDistribution"]["DistributionConfig"])
			widgetDist := asMap(resourcesOfType(doc, "AWS::CloudFront::Distribution")["WidgetDistribution"]["DistributionConfig"])
			wantHTTP := "https://" + httpAPI.ID + ".execute-api.us-east-1.amazonaws.com"
			wantWS := "wss://" + ws.ID + ".execute-api.us-east-1.amazonaws.com/" + ws.StageName
			domains := map[string]map[string]any{}
			for _, d := range resourcesOfType(doc, "AWS::ApiGatewayV2::DomainName") {
				domains[asString(d["DomainName"])] = d
			}
			mappings := map[string]map[string]any{}
			for _, mp := range resourcesOfType(doc, "AWS::ApiGatewayV2::ApiMapping") {
				mappings[asString(mp["DomainName"])] = mp
			}
			checkAPI := func(name, apiID, stage string) {
				cfg := asMap(asSlice(domains[name]["DomainNameConfigurations"])[0])
				if cfg["CertificateArn"] != testCertificate || cfg["EndpointType"] != "REGIONAL" {
					t.Errorf("%s: %v", name, cfg)
				}
				if mp := mappings[name]; mp["ApiId"] != apiID || mp["Stage"] != stage {
					t.Errorf("%s maps %v stage %v, want %s %s", name, mp["ApiId"], mp["Stage"], apiID, stage)
				}
			}
			if tt.api != "" {
				wantHTTP = "https://" + tt.api
				checkAPI(tt.api, httpAPI.ID, "$default")
			}
			if tt.wss != "" {
				wantWS = "wss://" + tt.wss
				checkAPI(tt.wss, ws.ID, ws.StageName)
			}
			n := 0
			for _, name := range []string{tt.api, tt.wss} {
				if name != "" {
					n++
				}
			}
			if len(domains) != n || len(mappings) != n {
				t.Errorf("%d domain names and %d mappings, want %d", len(domains), len(mappings), n)
			}
			if m.Outputs["HttpApiUrl"] != wantHTTP || m.Outputs["WebSocketUrl"] != wantWS {
				t.Errorf("outputs HttpApiUrl %s WebSocketUrl %s, want %s %s", m.Outputs["HttpApiUrl"], m.Outputs["WebSocketUrl"], wantHTTP, wantWS)
			}

			webOrigin := "https://" + tt.web
			if tt.web == "" {
				if dist["Aliases"] != nil || dist["ViewerCertificate"] != nil {
					t.Errorf("web distribution aliases %v certificate %v without WebDomainName", dist["Aliases"], dist["ViewerCertificate"])
				}
				webOrigin = strings.TrimSuffix(m.Outputs["InboxUrl"], "/")
			} else {
				if !cmp.Equal(dist["Aliases"], []any{tt.web}) || asMap(dist["ViewerCertificate"])["AcmCertificateArn"] != tt.cert ||
					asMap(dist["ViewerCertificate"])["SslSupportMethod"] != "sni-only" {
					t.Errorf("web distribution aliases %v certificate %v", dist["Aliases"], dist["ViewerCertificate"])
				}
				if m.Outputs["WebDomainTarget"] == "" {
					t.Error("no WebDomainTarget output")
				}
			}
			wantWeb := map[string]string{
				"InboxUrl": webOrigin + "/", "WidgetLoaderUrl": webOrigin + "/widget/loader.js",
				"EmbedSnippet": `<script src="` + webOrigin + `/widget/loader.js" data-channel="main" async></script>`,
			}
			for k, v := range wantWeb {
				if m.Outputs[k] != v {
					t.Errorf("output %s = %s, want %s", k, m.Outputs[k], v)
				}
			}
			widgetOrigin := widgetCDN
			if tt.widget == "" {
				if widgetDist["Aliases"] != nil || widgetDist["ViewerCertificate"] != nil {
					t.Errorf("chat window distribution aliases %v certificate %v without WidgetDomainName", widgetDist["Aliases"], widgetDist["ViewerCertificate"])
				}
			} else {
				widgetOrigin = "https://" + tt.widget
				if !cmp.Equal(widgetDist["Aliases"], []any{tt.widget}) || asMap(widgetDist["ViewerCertificate"])["AcmCertificateArn"] != tt.cert {
					t.Errorf("chat window distribution aliases %v certificate %v", widgetDist["Aliases"], widgetDist["ViewerCertificate"])
				}
				if m.Outputs["WidgetDomainTarget"] == "" {
					t.Error("no WidgetDomainTarget output")
				}
			}
			if want := widgetOrigin + "/widget/frame.html"; m.Outputs["WidgetFrameUrl"] != want {
				t.Errorf("output WidgetFrameUrl = %s, want %s", m.Outputs["WidgetFrameUrl"], want)
			}
			// Visitors' tokens work from the chat window's origins only,
			// agents' sockets from the inbox's: the lists share nothing.
			for _, fn := range m.Functions {
				inbox := []string{webOrigin}
				if tt.web != "" {
					inbox = append(inbox, cdn)
				}
				for v, want := range map[string][]string{"WIDGET_ORIGINS": {widgetOrigin, widgetCDN}, "INBOX_ORIGINS": inbox} {
					origins := strings.Split(fn.Env[v], ",")
					for _, o := range want {
						if !slices.Contains(origins, o) {
							t.Errorf("%s: %s = %s, want %s", fn.LogicalID, v, fn.Env[v], o)
						}
					}
				}
				for _, o := range strings.Split(fn.Env["WIDGET_ORIGINS"], ",") {
					if slices.Contains(strings.Split(fn.Env["INBOX_ORIGINS"], ","), o) {
						t.Errorf("%s: %s is in both WIDGET_ORIGINS and INBOX_ORIGINS", fn.LogicalID, o)
					}
				}
			}
			client := resourcesOfType(doc, "AWS::Cognito::UserPoolClient")["AgentUserPoolClient"]
			if !slices.Contains(asSlice(client["CallbackURLs"]), any(webOrigin+"/")) {
				t.Errorf("Cognito callback URLs %v, want %s/", client["CallbackURLs"], webOrigin)
			}
			for id, p := range resourcesOfType(doc, "AWS::CloudFront::ResponseHeadersPolicy") {
				csp := asString(asMap(asMap(asMap(p["ResponseHeadersPolicyConfig"])["SecurityHeadersConfig"])["ContentSecurityPolicy"])["ContentSecurityPolicy"])
				// Downloads and the widget's config are no pages: no connect-src.
				if id == "FilesHeadersPolicy" || id == "WidgetConfigHeadersPolicy" {
					continue
				}
				for name, scheme := range map[string]string{tt.api: "https://", tt.wss: "wss://"} {
					if name != "" && !strings.Contains(csp, " "+scheme+name) {
						t.Errorf("%s: connect-src does not allow %s%s: %s", id, scheme, name, csp)
					}
				}
			}

			// The web publisher writes the URLs the outputs give.
			wp := resourcesOfType(doc, "Custom::WebPublish")["WebPublish"]
			if wp["WidgetUrl"] != m.Outputs["WidgetFrameUrl"] || wp["WidgetDistributionId"] != m.Outputs["WidgetDistributionId"] {
				t.Errorf("WebPublish frames the chat window at %v on %v, outputs say %s %s", wp["WidgetUrl"], wp["WidgetDistributionId"], m.Outputs["WidgetFrameUrl"], m.Outputs["WidgetDistributionId"])
			}
			if wp["HttpApiUrl"] != m.Outputs["HttpApiUrl"] || wp["WebSocketUrl"] != m.Outputs["WebSocketUrl"] || wp["OidcClientId"] != m.Outputs["AgentClientId"] {
				t.Errorf("WebPublish writes %v %v %v, outputs say %s %s %s", wp["HttpApiUrl"], wp["WebSocketUrl"], wp["OidcClientId"],
					m.Outputs["HttpApiUrl"], m.Outputs["WebSocketUrl"], m.Outputs["AgentClientId"])
			}
			if !strings.HasPrefix(asString(wp["OidcAuthorizeUrl"]), m.Outputs["AgentSignInDomain"]+"/") {
				t.Errorf("WebPublish signs in at %v, want the sign-in domain %s", wp["OidcAuthorizeUrl"], m.Outputs["AgentSignInDomain"])
			}
		})
	}

	refusals := []struct {
		params map[string]string
		want   []string
	}{
		{map[string]string{"ApiDomainName": "api.example.com"}, []string{"ApiDomainsNeedCertificate"}},
		{map[string]string{"WsDomainName": "ws.example.com", "WebCertificateArn": testWebCertificate}, []string{"ApiDomainsNeedCertificate"}},
		{map[string]string{"WebDomainName": "chat.example.com"}, []string{"WebDomainNeedsCertificate"}},
		{map[string]string{"WidgetDomainName": "chat-window.example.com"}, []string{"WidgetDomainNeedsCertificate"}},
		{map[string]string{"WebDomainName": "chat.example.com", "WidgetDomainName": "chat.example.com", "WebCertificateArn": testWebCertificate}, []string{"WidgetDomainNeedsCertificate"}},
	}
	for _, r := range refusals {
		if got := refusingRules(t, r.params); !cmp.Equal(got, r.want) {
			t.Errorf("%v: refused by %v, want %v", r.params, got, r.want)
		}
	}
	for _, bad := range []map[string]string{{"WebDomainName": "Chat.Example.com"}, {"ApiDomainName": "https://api.example.com"}, {"CertificateArn": "cert"}} {
		if _, err := Load(realTemplate, Options{Parameters: bad}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := Load(realTemplate, Options{Parameters: map[string]string{"WebCertificateArn": testCertificate}}); err == nil {
		t.Error("a web certificate outside us-east-1 was accepted (CloudFront takes none)")
	}
}

// The web publisher may write only the web bucket's folders it publishes
// and invalidate only the two web distributions (the inbox's and the
// chat window's); the custom resource names the
// function's version (so new files publish again), the bucket and the
// distribution, and CloudFormation waits for it longer than it can run.
// The build ships the web files where the function reads them.
func TestTemplateWebPublisher(t *testing.T) {
	doc, m := resolvedWith(t, nil)
	fn := m.Functions["WebPublisherFunction"]
	res := asMap(asMap(doc["Resources"])["WebPublisherFunction"])
	bucketARN := "arn:aws:s3:::" + m.Outputs["WebBucketName"]
	var wantPuts []any
	for _, p := range webpublish.Prefixes {
		wantPuts = append(wantPuts, bucketARN+"/"+p+"*")
	}
	want := []any{map[string]any{"Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "s3:PutObject", "Resource": wantPuts},
		map[string]any{"Effect": "Allow", "Action": "cloudfront:CreateInvalidation", "Resource": []any{
			"arn:aws:cloudfront::" + m.AccountID + ":distribution/" + m.Outputs["WebDistributionId"],
			"arn:aws:cloudfront::" + m.AccountID + ":distribution/" + m.Outputs["WidgetDistributionId"],
		}},
	}}}
	if diff := cmp.Diff(want, asMap(res["Properties"])["Policies"]); diff != "" {
		t.Errorf("WebPublisherFunction policies (-want +got):\n%s", diff)
	}

	if len(m.CustomResources) != 1 {
		t.Fatalf("custom resources %v, want WebPublish", m.CustomResources)
	}
	cr := m.CustomResources[0]
	if cr.LogicalID != "WebPublish" || cr.Function != "WebPublisherFunction" || cr.Properties["ServiceToken"] != fn.ARN {
		t.Errorf("custom resource %+v", cr)
	}
	if cr.Properties["Bucket"] != m.Outputs["WebBucketName"] || cr.Properties["DistributionId"] != m.Outputs["WebDistributionId"] {
		t.Errorf("WebPublish publishes to %v on %v, want the web bucket and distribution", cr.Properties["Bucket"], cr.Properties["DistributionId"])
	}
	rawProps := asMap(asMap(asMap(rawTemplate(t)["Resources"])["WebPublish"])["Properties"])
	if !cmp.Equal(rawProps["CodeVersion"], map[string]any{"Ref": "WebPublisherFunction.Version"}) || asMap(res["Properties"])["AutoPublishAlias"] == nil {
		t.Errorf("CodeVersion %v: want the function's version (AutoPublishAlias), so a new build publishes again", rawProps["CodeVersion"])
	}
	if cr.Timeout <= fn.Timeout {
		t.Errorf("ServiceTimeout %v, not longer than the function's timeout %v", cr.Timeout, fn.Timeout)
	}

	mk, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "\nbuild-WebPublisherFunction: web\n") ||
		!strings.Contains(string(mk), `cp -R web/dist "$(ARTIFACTS_DIR)/`+webpublish.ArtifactDir+`"`) {
		t.Error("the Makefile's build-WebPublisherFunction does not build the web files and ship them in " + webpublish.ArtifactDir + "/")
	}
}
