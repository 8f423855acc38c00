package template

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// realTemplate is the project's SAM template, the one that deploys.
const realTemplate = "../../../template.yaml"

func TestLoadRealTemplate(t *testing.T) {
	m, err := Load(realTemplate, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws := apiID("ChatWebSocketApi")
	httpID := apiID("ChatHttpApi")
	if len(ws) != 10 || strings.ToLower(ws) != ws || ws == httpID {
		t.Fatalf("API ids %q and %q: want distinct 10-character lowercase ids", ws, httpID)
	}
	callback := "https://" + ws + ".execute-api.us-east-1.amazonaws.com/live"
	bucket := strings.ToLower("parley-local-MailBucket-" + stableID("MailBucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	secretARN := "arn:aws:secretsmanager:us-east-1:000000000000:secret:parley-local-SigningSecret-AbCdEf"
	identityARN := "arn:aws:secretsmanager:us-east-1:000000000000:secret:parley-local-IdentitySecret-AbCdEf"
	env := map[string]string{
		"TABLE_NAME":                   "parley-local-ChatTable",
		"SIGNING_SECRET_ARN":           secretARN,
		"WS_CALLBACK_URL":              callback,
		"DEFAULT_CHANNEL_ID":           "main",
		"ALLOWED_ORIGINS":              "https://www.example.com",
		"WIDGET_ORIGINS":               "https://" + widgetCDN,
		"EVENT_BUS_NAME":               "parley-local-events",
		"MAIL_BUCKET":                  bucket,
		"MAIL_CONFIGURATION_SET":       "parley-local-mail",
		"MAIL_INBOUND_DOMAIN":          "reply.example.com",
		"MAIL_INBOUND_PREFIX":          "inbound/",
		"MAIL_SENDER_ADDRESS":          "chat@example.com",
		"MAIL_SENDER_DOMAIN":           "example.com",
		"INACTIVITY_TIMEOUT_MINUTES":   "30",
		"INACTIVITY_WARNING_MINUTES":   "2",
		"WIDGET_LANGUAGE":              "en",
		"INACTIVITY_WARNING_TEXT":      "",
		"TEAM_NAME":                    "Support",
		"THEME_COLOR":                  "#2f5bea",
		"INBOX_ORIGINS":                "https://" + cdn + ",http://localhost:3000/inbox/",
		"RATE_LIMIT_PER_IP":            "120",
		"RATE_LIMIT_VISITOR_MESSAGES":  "60",
		"RATE_LIMIT_CONNECTION_FRAMES": "120",
		"ADMIN_GROUP":                  "admins",
		"FILES_MAX_MEGABYTES":          "10",
		"FILES_PER_MESSAGE":            "5",
		"MALWARE_SCANNING":             "Disabled",
		"FILE_LINK_URL":                "https://" + widgetCDN + "/widget/file.html",
		"METRICS_NAMESPACE":            "Parley/parley-local",
	}
	wantFns := map[string]string{
		"WidgetApiFunction":         "functions/widget-api",
		"WidgetFilesFunction":       "functions/widget-files",
		"AgentApiFunction":          "functions/agent-api",
		"WsConnectFunction":         "functions/ws-connect",
		"WsDisconnectFunction":      "functions/ws-disconnect",
		"WsMessageFunction":         "functions/ws-message",
		"TranscriptFunction":        "functions/transcript",
		"InboundMailFunction":       "functions/inbound-mail",
		"MailFeedbackFunction":      "functions/mail-feedback",
		"EventPublisherFunction":    "functions/event-publisher",
		"SearchIndexerFunction":     "functions/search-indexer",
		"InactivitySweeperFunction": "functions/inactivity-sweeper",
		"WebPublisherFunction":      "functions/web-publisher",
		"RouterFunction":            "functions/router",
		"ReportsFunction":           "functions/reports",
	}
	want := map[string]*Function{}
	for id, dir := range wantFns {
		want[id] = &Function{
			LogicalID:      id,
			Name:           "parley-local-" + id,
			ARN:            "arn:aws:lambda:us-east-1:000000000000:function:parley-local-" + id,
			Dir:            dir,
			CodeURI:        ".",
			Handler:        "bootstrap",
			Runtime:        "provided.al2023",
			Architectures:  []string{"arm64"},
			Timeout:        10 * time.Second,
			MemoryMB:       256,
			Env:            env,
			LogGroup:       "/parley/parley-local/" + id,
			SystemLogLevel: "WARN",
			Async:          AsyncConfig{MaxRetries: 2, MaxEventAge: 6 * time.Hour},
		}
	}
	dlq := func(name string) string { return "arn:aws:sqs:us-east-1:000000000000:parley-local-" + name }
	want["TranscriptFunction"].Async.DeadLetterARN = dlq("TranscriptDLQ")
	want["InboundMailFunction"].Async.DeadLetterARN = dlq("InboundMailDLQ")
	want["MailFeedbackFunction"].Async.DeadLetterARN = dlq("MailFeedbackDLQ")
	want["InactivitySweeperFunction"].Async.DeadLetterARN = dlq("InactivitySweeperDLQ")
	want["RouterFunction"].Async.DeadLetterARN = dlq("RouterDLQ")
	want["ReportsFunction"].Async.DeadLetterARN = dlq("ReportsDLQ")
	reportsEnv := maps.Clone(env)
	reportsEnv["REPORTS_TIME_ZONE"] = "UTC"
	want["ReportsFunction"].Env = reportsEnv
	want["WebPublisherFunction"].Timeout = 2 * time.Minute
	want["InboundMailFunction"].Timeout = 30 * time.Second
	widgetEnv := maps.Clone(env)
	widgetEnv["IDENTITY_SECRET_ARN"] = identityARN
	want["WidgetApiFunction"].Env = widgetEnv
	transcriptEnv := maps.Clone(env)
	transcriptEnv["RATING_URL"] = "https://" + httpID + ".execute-api.us-east-1.amazonaws.com/widget/rating"
	want["TranscriptFunction"].Env = transcriptEnv
	agentEnv := maps.Clone(env)
	agentEnv["FILES_BASE_URL"] = "https://" + filesCDN
	agentEnv["INBOX_URL"] = "https://" + cdn + "/"
	agentEnv["SEARCH_TABLE_NAME"] = "parley-local-SearchTable"
	agentEnv["USER_POOL_ID"] = "us-east-1_" + stableID("AgentUserPool", 9, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
	want["AgentApiFunction"].Env = agentEnv
	indexerEnv := maps.Clone(env)
	indexerEnv["SEARCH_TABLE_NAME"] = "parley-local-SearchTable"
	want["SearchIndexerFunction"].Env = indexerEnv
	want["SearchIndexerFunction"].Timeout = 30 * time.Second
	want["InactivitySweeperFunction"].Timeout = time.Minute
	if diff := cmp.Diff(want, m.Functions); diff != "" {
		t.Errorf("functions (-want +got):\n%s", diff)
	}
	wantMail := &Mail{
		// The local S3 serves every bucket of the template: mail and web.
		Buckets: []string{bucket, strings.ToLower("parley-local-WebBucket-" + stableID("WebBucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))},
		// Raw inbound mail and uncommitted uploads expire locally as in
		// AWS; browsers upload from the inbox's and the chat window's origins.
		BucketConfigs: map[string]BucketConfig{bucket: {
			Expiration: []ExpirationRule{
				{ID: "expire-raw-inbound-mail", Prefix: "inbound/", Days: 90},
				{ID: "expire-uncommitted-uploads", Prefix: "uploads/", Days: 1},
			},
			CORS: []CORSRule{{
				ID: "browser-uploads", AllowedOrigins: []string{"https://" + cdn, "https://" + widgetCDN},
				AllowedMethods: []string{"POST"}, AllowedHeaders: []string{"*"}, MaxAge: 3000,
			}},
		}},
		ReceiptRules: []ReceiptRule{{
			Name: "parley-local-to-conversations", Recipients: []string{"reply.example.com"},
			Bucket: bucket, Prefix: "inbound/", Function: "InboundMailFunction",
		}},
		Feedback: []FeedbackRoute{{
			ConfigurationSet: "parley-local-mail", EventTypes: []string{"bounce", "complaint"},
			TopicARN: "arn:aws:sns:us-east-1:000000000000:parley-local-MailEventsTopic", Function: "MailFeedbackFunction",
		}},
		EventRules: []EventRule{{
			// Its detail types are in an $or of the pattern.
			Function: "ReportsFunction", EventBus: "parley-local-events", Source: []string{"parley.chat"},
		}, {
			Function: "RouterFunction", EventBus: "parley-local-events", Source: []string{"parley.chat"},
		}, {
			Function: "TranscriptFunction", EventBus: "parley-local-events",
			Source: []string{"parley.chat"}, DetailTypes: []string{"conversation.closed"},
		}},
	}
	if diff := cmp.Diff(wantMail, m.Mail); diff != "" {
		t.Errorf("mail (-want +got):\n%s", diff)
	}

	if len(m.HTTPAPIs) != 1 {
		t.Fatalf("got %d HTTP APIs, want 1", len(m.HTTPAPIs))
	}
	api := m.HTTPAPIs[0]
	if api.LogicalID != "ChatHttpApi" || api.ID != httpID || api.DefaultAuthorizer != "AgentJwt" {
		t.Errorf("HTTP API = %s %s default %q", api.LogicalID, api.ID, api.DefaultAuthorizer)
	}
	agent := func(method, path string) HTTPRoute {
		return HTTPRoute{Method: method, Path: path, Function: "AgentApiFunction", Authorizer: "AgentJwt"}
	}
	public := func(method, path string) HTTPRoute {
		return HTTPRoute{Method: method, Path: path, Function: "WidgetApiFunction", Authorizer: "NONE"}
	}
	files := func(method, path string) HTTPRoute {
		return HTTPRoute{Method: method, Path: path, Function: "WidgetFilesFunction", Authorizer: "NONE"}
	}
	wantRoutes := []HTTPRoute{
		agent("GET", "/agent/agents"),
		agent("PUT", "/agent/agents/{id}/access"),
		agent("DELETE", "/agent/contacts/{id}"),
		agent("GET", "/agent/contacts/{id}/export"),
		agent("GET", "/agent/conversations"),
		agent("GET", "/agent/conversations/{id}"),
		agent("POST", "/agent/conversations/{id}/assign"),
		agent("GET", "/agent/conversations/{id}/attachments"),
		agent("GET", "/agent/conversations/{id}/attachments/{attachmentId}"),
		agent("POST", "/agent/conversations/{id}/close"),
		agent("GET", "/agent/conversations/{id}/contact"),
		agent("PUT", "/agent/conversations/{id}/contact"),
		agent("GET", "/agent/conversations/{id}/messages"),
		agent("POST", "/agent/conversations/{id}/messages"),
		agent("POST", "/agent/conversations/{id}/notes"),
		agent("POST", "/agent/conversations/{id}/read"),
		agent("POST", "/agent/conversations/{id}/reopen"),
		agent("POST", "/agent/conversations/{id}/takeover"),
		agent("POST", "/agent/conversations/{id}/transcript"),
		agent("POST", "/agent/conversations/{id}/unassign"),
		agent("POST", "/agent/conversations/{id}/uploads"),
		agent("GET", "/agent/inboxes"),
		agent("GET", "/agent/me"),
		agent("PUT", "/agent/me"),
		agent("GET", "/agent/me/preferences"),
		agent("PUT", "/agent/me/preferences"),
		agent("PUT", "/agent/me/status"),
		agent("GET", "/agent/notifications"),
		agent("POST", "/agent/notifications/read"),
		agent("GET", "/agent/quarantine"),
		agent("GET", "/agent/reports"),
		agent("GET", "/agent/saved-replies"),
		agent("POST", "/agent/saved-replies/personal"),
		agent("DELETE", "/agent/saved-replies/personal/{id}"),
		agent("PUT", "/agent/saved-replies/personal/{id}"),
		agent("POST", "/agent/saved-replies/shared"),
		agent("DELETE", "/agent/saved-replies/shared/{id}"),
		agent("PUT", "/agent/saved-replies/shared/{id}"),
		agent("GET", "/agent/search"),
		agent("GET", "/agent/settings/channels"),
		agent("POST", "/agent/settings/channels"),
		agent("GET", "/agent/settings/channels/{id}"),
		agent("PUT", "/agent/settings/channels/{id}"),
		agent("GET", "/agent/settings/inboxes"),
		agent("POST", "/agent/settings/inboxes"),
		agent("PUT", "/agent/settings/inboxes/{id}"),
		agent("POST", "/agent/signout"),
		agent("GET", "/agent/team"),
		agent("POST", "/agent/team"),
		agent("PUT", "/agent/team/{id}"),
		agent("POST", "/agent/ticket"),
		public("PUT", "/widget/attributes"),
		public("GET", "/widget/config"),
		public("PUT", "/widget/contact"),
		public("GET", "/widget/contact/confirm"),
		public("POST", "/widget/contact/confirm"),
		files("POST", "/widget/conversations/{id}/attachments/{attachmentId}"),
		public("GET", "/widget/conversations/{id}/messages"),
		public("PUT", "/widget/conversations/{id}/rating"),
		files("POST", "/widget/downloads"),
		public("POST", "/widget/identify"),
		public("POST", "/widget/identify/revoke"),
		public("GET", "/widget/rating"),
		public("POST", "/widget/rating"),
		public("POST", "/widget/session"),
		public("POST", "/widget/ticket"),
		files("POST", "/widget/uploads"),
	}
	if diff := cmp.Diff(wantRoutes, api.Routes); diff != "" {
		t.Errorf("HTTP routes (-want +got):\n%s", diff)
	}
	pool := "us-east-1_" + stableID("AgentUserPool", 9, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
	client := stableID("AgentUserPoolClient", 26, "0123456789abcdefghijklmnopqrstuvwxyz")
	wantAuth := map[string]JWTAuthorizer{"AgentJwt": {
		Name:           "AgentJwt",
		IdentitySource: "$request.header.Authorization",
		Issuer:         "https://cognito-idp.us-east-1.amazonaws.com/" + pool,
		Audience:       []string{client},
	}}
	if diff := cmp.Diff(wantAuth, api.Authorizers); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
	wantCORS := &CORS{
		AllowOrigins: []string{"*"},
		AllowHeaders: []string{"authorization", "content-type"},
		AllowMethods: []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"},
		MaxAge:       600,
	}
	if diff := cmp.Diff(wantCORS, api.CORS); diff != "" {
		t.Errorf("CORS (-want +got):\n%s", diff)
	}

	wantWS := []*WebSocketAPI{{
		LogicalID:                "ChatWebSocketApi",
		ID:                       ws,
		RouteSelectionExpression: "$request.body.action",
		StageName:                "live",
		Routes: map[string]string{
			"$connect":    "WsConnectFunction",
			"$disconnect": "WsDisconnectFunction",
			"$default":    "WsMessageFunction",
			"sendMessage": "WsMessageFunction",
			"startBot":    "WsMessageFunction",
			"typing":      "WsMessageFunction",
			"view":        "WsMessageFunction",
			"read":        "WsMessageFunction",
			"resume":      "WsMessageFunction",
			"leave":       "WsMessageFunction",
			"ping":        "WsMessageFunction",
			"page":        "WsMessageFunction",
		},
	}}
	if diff := cmp.Diff(wantWS, m.WebSocketAPIs); diff != "" {
		t.Errorf("WebSocket APIs (-want +got):\n%s", diff)
	}

	key := func(name, typ string) Key { return Key{Name: name, KeyType: typ} }
	wantTables := []*Table{{
		LogicalID: "ChatTable",
		Name:      "parley-local-ChatTable",
		AttributeDefinitions: []Attribute{
			{"pk", "S"}, {"sk", "S"}, {"gsi1pk", "S"}, {"gsi1sk", "S"}, {"gsi2pk", "S"}, {"gsi2sk", "S"},
			{"timerpk", "S"}, {"timersk", "S"},
		},
		KeySchema: []Key{key("pk", "HASH"), key("sk", "RANGE")},
		GSIs: []Index{
			{Name: "GSI1", KeySchema: []Key{key("gsi1pk", "HASH"), key("gsi1sk", "RANGE")}, ProjectionType: "ALL"},
			{Name: "GSI2", KeySchema: []Key{key("gsi2pk", "HASH"), key("gsi2sk", "RANGE")}, ProjectionType: "ALL"},
			{Name: "GSI3", KeySchema: []Key{key("timerpk", "HASH"), key("timersk", "RANGE")}, ProjectionType: "KEYS_ONLY"},
		},
		TTLAttribute:   "expiresAt",
		StreamViewType: "NEW_IMAGE",
		StreamARN:      "arn:aws:dynamodb:us-east-1:000000000000:table/parley-local-ChatTable/stream/1970-01-01T00:00:00.000",
		TableClass:     "STANDARD",
	}, {
		LogicalID:            "SearchTable",
		Name:                 "parley-local-SearchTable",
		AttributeDefinitions: []Attribute{{"pk", "S"}, {"sk", "S"}},
		KeySchema:            []Key{key("pk", "HASH"), key("sk", "RANGE")},
		TableClass:           "STANDARD_INFREQUENT_ACCESS",
	}}
	if diff := cmp.Diff(wantTables, m.Tables); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	wantSecrets := []*Secret{
		{LogicalID: "IdentitySecret", ARN: identityARN, PasswordLength: 64, ExcludePunctuation: true},
		{LogicalID: "SigningSecret", ARN: secretARN, PasswordLength: 64, ExcludePunctuation: true},
	}
	if diff := cmp.Diff(wantSecrets, m.Secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}

	wantOutputs := map[string]string{
		"HttpApiUrl":           "https://" + httpID + ".execute-api.us-east-1.amazonaws.com",
		"WebSocketUrl":         "wss://" + ws + ".execute-api.us-east-1.amazonaws.com/live",
		"CallbackUrl":          callback,
		"TableName":            "parley-local-ChatTable",
		"MailBucketName":       bucket,
		"InboundRuleSetName":   "parley-local-inbound",
		"AgentIssuer":          "https://cognito-idp.us-east-1.amazonaws.com/" + pool,
		"AgentClientId":        client,
		"AgentSignInDomain":    "https://parley-local-000000000000.auth.us-east-1.amazoncognito.com",
		"EventBusName":         "parley-local-events",
		"IdentitySecretArn":    "arn:aws:secretsmanager:us-east-1:000000000000:secret:parley-local-IdentitySecret-AbCdEf",
		"WebBucketName":        m.Outputs["WebBucketName"],
		"WebDistributionId":    m.Outputs["WebDistributionId"],
		"InboxUrl":             "https://" + cdn + "/",
		"WidgetLoaderUrl":      "https://" + cdn + "/widget/loader.js",
		"WidgetConfigUrl":      "https://" + configCDN,
		"WidgetFrameUrl":       "https://" + widgetCDN + "/widget/frame.html",
		"WidgetDistributionId": m.Outputs["WidgetDistributionId"],
		"EmbedSnippet":         `<script src="https://` + cdn + `/widget/loader.js" data-channel="main" async></script>`,
		"FilesUrl":             "https://" + filesCDN,
		"AlarmTopicArn":        "arn:aws:sns:us-east-1:000000000000:parley-local-AlarmTopic",
		"DashboardUrl":         "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/parley-local",
	}
	if diff := cmp.Diff(wantOutputs, m.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestLoadRealTemplateOverrides(t *testing.T) {
	m, err := Load(realTemplate, Options{
		StackName: "demo",
		Region:    "eu-west-1",
		AccountID: "123456789012",
		Parameters: map[string]string{
			"OidcIssuer":     "http://127.0.0.1:4000/oidc",
			"OidcAudience":   "parley-inbox",
			"AllowedOrigins": "http://localhost:3000, http://127.0.0.1:3000",
			"StageName":      "dev",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ws := apiID("ChatWebSocketApi")
	fn := m.Functions["WsMessageFunction"]
	wantEnv := map[string]string{
		"TABLE_NAME":                   "demo-ChatTable",
		"SIGNING_SECRET_ARN":           "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-SigningSecret-AbCdEf",
		"WS_CALLBACK_URL":              "https://" + ws + ".execute-api.eu-west-1.amazonaws.com/dev",
		"DEFAULT_CHANNEL_ID":           "main",
		"ALLOWED_ORIGINS":              "http://localhost:3000,http://127.0.0.1:3000",
		"WIDGET_ORIGINS":               "https://" + widgetCDN,
		"EVENT_BUS_NAME":               "demo-events",
		"MAIL_BUCKET":                  strings.ToLower("demo-MailBucket-" + stableID("MailBucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
		"MAIL_CONFIGURATION_SET":       "demo-mail",
		"MAIL_INBOUND_DOMAIN":          "reply.example.com",
		"MAIL_INBOUND_PREFIX":          "inbound/",
		"MAIL_SENDER_ADDRESS":          "chat@example.com",
		"MAIL_SENDER_DOMAIN":           "example.com",
		"INACTIVITY_TIMEOUT_MINUTES":   "30",
		"INACTIVITY_WARNING_MINUTES":   "2",
		"WIDGET_LANGUAGE":              "en",
		"INACTIVITY_WARNING_TEXT":      "",
		"TEAM_NAME":                    "Support",
		"THEME_COLOR":                  "#2f5bea",
		"INBOX_ORIGINS":                "https://" + cdn + ",http://localhost:3000/inbox/",
		"RATE_LIMIT_PER_IP":            "120",
		"RATE_LIMIT_VISITOR_MESSAGES":  "60",
		"RATE_LIMIT_CONNECTION_FRAMES": "120",
		"ADMIN_GROUP":                  "admins",
		"FILES_MAX_MEGABYTES":          "10",
		"FILES_PER_MESSAGE":            "5",
		"MALWARE_SCANNING":             "Disabled",
		"FILE_LINK_URL":                "https://" + widgetCDN + "/widget/file.html",
		"METRICS_NAMESPACE":            "Parley/demo",
	}
	if diff := cmp.Diff(wantEnv, fn.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if fn.Name != "demo-WsMessageFunction" {
		t.Errorf("function name = %q", fn.Name)
	}
	// Without the user pool the agent routes invite nobody.
	if id, ok := m.Functions["AgentApiFunction"].Env["USER_POOL_ID"]; !ok || id != "" {
		t.Errorf("AgentApiFunction USER_POOL_ID = %q (set: %v), want set and empty", id, ok)
	}
	wantAuth := map[string]JWTAuthorizer{"AgentJwt": {
		Name:           "AgentJwt",
		IdentitySource: "$request.header.Authorization",
		Issuer:         "http://127.0.0.1:4000/oidc",
		Audience:       []string{"parley-inbox"},
	}}
	if diff := cmp.Diff(wantAuth, m.HTTPAPIs[0].Authorizers); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
	if m.WebSocketAPIs[0].StageName != "dev" {
		t.Errorf("stage = %q, want dev", m.WebSocketAPIs[0].StageName)
	}
	// The Cognito resources are gone: their output is skipped and the
	// outputs that chose between Cognito and OIDC chose OIDC.
	wantOutputs := map[string]string{
		"HttpApiUrl":         "https://" + apiID("ChatHttpApi") + ".execute-api.eu-west-1.amazonaws.com",
		"WebSocketUrl":       "wss://" + ws + ".execute-api.eu-west-1.amazonaws.com/dev",
		"CallbackUrl":        "https://" + ws + ".execute-api.eu-west-1.amazonaws.com/dev",
		"TableName":          "demo-ChatTable",
		"MailBucketName":     strings.ToLower("demo-MailBucket-" + stableID("MailBucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
		"InboundRuleSetName": "demo-inbound",
		"AgentIssuer":        "http://127.0.0.1:4000/oidc",
		"AgentClientId":      "parley-inbox",
		"EventBusName":       "demo-events",
		"IdentitySecretArn":  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-IdentitySecret-AbCdEf",
		// The static web hosting does not depend on the sign-in choice.
		"WebBucketName":        m.Outputs["WebBucketName"],
		"WebDistributionId":    m.Outputs["WebDistributionId"],
		"InboxUrl":             "https://" + cdn + "/",
		"WidgetLoaderUrl":      "https://" + cdn + "/widget/loader.js",
		"WidgetConfigUrl":      "https://" + configCDN,
		"WidgetFrameUrl":       "https://" + widgetCDN + "/widget/frame.html",
		"WidgetDistributionId": m.Outputs["WidgetDistributionId"],
		"EmbedSnippet":         `<script src="https://` + cdn + `/widget/loader.js" data-channel="main" async></script>`,
		"FilesUrl":             "https://" + filesCDN,
		"AlarmTopicArn":        "arn:aws:sns:eu-west-1:123456789012:demo-AlarmTopic",
		"DashboardUrl":         "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/demo",
	}
	if diff := cmp.Diff(wantOutputs, m.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestLoadParameterErrors(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"unknown parameter", map[string]string{"NoSuch": "x"}, "parameter override NoSuch: no such parameter"},
		{"allowed values", map[string]string{"LogLevel": "TRACE"}, `parameter LogLevel: value "TRACE" is not one of AllowedValues`},
		{"allowed pattern", map[string]string{"StageName": "Live!"}, `parameter StageName: value "Live!" does not match AllowedPattern`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(realTemplate, Options{Parameters: tt.params})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// writeTemplate stores body as a template in a fresh folder.
func writeTemplate(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// intrinsicsTemplate puts each expression under test into the environment of
// one function, so the resolved values can be read back from Function.Env.
const intrinsicsTemplate = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env:
    Type: String
    Default: prod
  Hosts:
    Type: CommaDelimitedList
    Default: "a.example, b.example,c.example"
  Port:
    Type: Number
    Default: 8080
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  ProdAndPort: !And [!Condition IsProd, !Equals [!Ref Port, "8080"]]
  DevOrPort: !Or [!Condition IsDev, !Equals [!Ref Port, 1]]
  NumberEquals:
    Fn::Equals: [8080, !Ref Port]
Mappings:
  Sizes:
    prod: { Memory: 512 }
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  DevOnly:
    Type: AWS::SQS::Queue
    Condition: IsDev
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-api"
      Runtime: provided.al2023
      Handler: bootstrap
      Environment:
        Variables:
          SUB_PSEUDO: !Sub "${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}"
          SUB_LITERAL: !Sub "${!Literal}-${Env}"
          SUB_VARS: !Sub ["${Scheme}://${Host}:${Port}", {Scheme: https, Host: !Select [1, !Ref Hosts]}]
          SUB_GETATT: !Sub "${ApiFunction.Arn}"
          GETATT_LIST:
            Fn::GetAtt: [ApiFunction, Arn]
          JOIN: !Join ["|", !Ref Hosts]
          JOIN_MIXED: !Join ["", [!Ref Env, "-", !Ref Port]]
          SELECT_SPLIT: !Select [2, !Split ["/", "a/b/c/d"]]
          IF_TRUE: !If [IsProd, yes, !Ref DevOnly]
          IF_FALSE: !If [IsDev, !Ref DevOnly, "no"]
          IF_NOVALUE: !If [IsProd, !Ref AWS::NoValue, set]
          AND: !If [ProdAndPort, "true", "false"]
          OR: !If [DevOrPort, "true", "false"]
          NUMBER_EQUALS: !If [NumberEquals, "true", "false"]
          BUCKET: !Ref Bucket
          MAPPED: !FindInMap [Sizes, !Ref Env, Memory]
          B64: !Base64 hi
`

func TestLoadIntrinsics(t *testing.T) {
	m, err := Load(writeTemplate(t, intrinsicsTemplate), Options{StackName: "st"})
	if err != nil {
		t.Fatal(err)
	}
	fn := m.Functions["ApiFunction"]
	arn := "arn:aws:lambda:us-east-1:000000000000:function:st-api"
	want := map[string]string{
		"SUB_PSEUDO":    "aws:us-east-1:000000000000:st",
		"SUB_LITERAL":   "${Literal}-prod",
		"SUB_VARS":      "https://b.example:8080",
		"SUB_GETATT":    arn,
		"GETATT_LIST":   arn,
		"JOIN":          "a.example|b.example|c.example",
		"JOIN_MIXED":    "prod-8080",
		"SELECT_SPLIT":  "c",
		"IF_TRUE":       "yes",
		"IF_FALSE":      "no",
		"AND":           "true",
		"OR":            "false",
		"NUMBER_EQUALS": "true",
		"BUCKET":        strings.ToLower("st-Bucket-" + stableID("Bucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
		"MAPPED":        "512",
		"B64":           "aGk=",
	}
	if diff := cmp.Diff(want, fn.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if fn.Name != "st-api" || fn.ARN != arn {
		t.Errorf("name, ARN = %q, %q", fn.Name, fn.ARN)
	}
	if fn.Dir != "functions/api" || fn.Timeout != 3*time.Second || fn.MemoryMB != 128 {
		t.Errorf("dir, timeout, memory = %q, %v, %d; want SAM defaults", fn.Dir, fn.Timeout, fn.MemoryMB)
	}
}

func TestLoadErrors(t *testing.T) {
	const fn = `
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
`
	tests := []struct {
		name string
		body string
		want string
	}{
		{
			name: "ref to unknown",
			body: "Resources:" + fn + "      Environment: { Variables: { X: !Ref Nope } }\n",
			want: "Fn.Properties.Environment.Variables.X.Ref: Ref to Nope: no such parameter or resource",
		},
		{
			name: "ref to resource left out",
			body: "Conditions:\n  Off: !Equals [a, b]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: Off\n" +
				fn + "      Environment: { Variables: { X: !Ref Q } }\n",
			want: "Ref to Q, which is left out because its condition Off is false",
		},
		{
			name: "unsupported attribute",
			body: "Resources:" + fn + "      Environment: { Variables: { X: !GetAtt Fn.Nope } }\n",
			want: "Fn::GetAtt Fn.Nope: attribute not supported locally for AWS::Serverless::Function",
		},
		{
			name: "unknown condition",
			body: "Resources:" + fn + "      Environment: { Variables: { X: !If [Missing, a, b] } }\n",
			want: "unknown condition Missing",
		},
		{
			name: "unterminated sub",
			body: "Resources:" + fn + "      Environment: { Variables: { X: !Sub \"${AWS::Region\" } }\n",
			want: "Fn.Properties.Environment.Variables.X.Fn::Sub: unterminated ${",
		},
		{
			name: "import value",
			body: "Resources:" + fn + "      Environment: { Variables: { X: !ImportValue other } }\n",
			want: "Fn::ImportValue is not supported by the local cloud",
		},
		{
			name: "route to missing function",
			body: `
Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: { Name: ws, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action }
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: { ApiId: !Ref Ws, StageName: live }
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:gone/invocations
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: { ApiId: !Ref Ws, RouteKey: $connect, Target: !Sub "integrations/${Integration}" }
`,
			want: `route Route ($connect): integration Integration: IntegrationUri "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:gone/invocations" does not invoke a function`,
		},
		{
			name: "http event on unknown authorizer",
			body: `
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Method: GET, Path: /x, Auth: { Authorizer: Jwt } }
`,
			want: `function Fn event Get: authorizer "Jwt" is not defined on Api`,
		},
		{
			name: "goformation rejects a property",
			body: "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: { KeySchema: [{AttributeName: pk, KeyType: HASH}], Bogus: 1 }\n",
			want: "resource T (AWS::DynamoDB::Table)",
		},
		{
			name: "invalid yaml",
			body: "Resources:\n  Fn: { Path: /a/{id} }\n",
			want: "invalid YAML",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeTemplate(t, tt.body), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestKebab(t *testing.T) {
	tests := map[string]string{
		"WsConnect":  "ws-connect",
		"WidgetApi":  "widget-api",
		"HTTPApi":    "http-api",
		"Inbound2Me": "inbound2-me",
		"A":          "a",
	}
	for in, want := range tests {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

// cdn is the distribution's domain name as the template reader makes it up.
var cdn = "d" + stableID("WebDistribution", 13, "0123456789abcdefghijklmnopqrstuvwxyz") + ".cloudfront.net"

// widgetCDN is the chat window's distribution, an origin of its own.
var widgetCDN = "d" + stableID("WidgetDistribution", 13, "0123456789abcdefghijklmnopqrstuvwxyz") + ".cloudfront.net"

// filesCDN is the attachment downloads' distribution, a domain of its own.
var filesCDN = "d" + stableID("FilesDistribution", 13, "0123456789abcdefghijklmnopqrstuvwxyz") + ".cloudfront.net"

var configCDN = "d" + stableID("WidgetConfigDistribution", 13, "0123456789abcdefghijklmnopqrstuvwxyz") + ".cloudfront.net"

// TestLoadMalwareScanning: with MalwareScanning on, the template's plan
// (a resource goformation does not type) says which bucket and prefix are
// scanned and tagged; off, there is no plan and nothing is scanned.
func TestLoadMalwareScanning(t *testing.T) {
	bucket := strings.ToLower("parley-local-MailBucket-" + stableID("MailBucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	for _, tt := range []struct {
		param string
		want  []MalwareScan
	}{
		{"Disabled", nil},
		{"Enabled", []MalwareScan{{Bucket: bucket, Prefixes: []string{"attachments/"}, Tagging: true}}},
	} {
		t.Run(tt.param, func(t *testing.T) {
			m, err := Load(realTemplate, Options{Parameters: map[string]string{"MalwareScanning": tt.param}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, m.Mail.MalwareScans); diff != "" {
				t.Errorf("malware scans (-want +got):\n%s", diff)
			}
			if got := m.Functions["WidgetApiFunction"].Env["MALWARE_SCANNING"]; got != tt.param {
				t.Errorf("MALWARE_SCANNING = %q, want %q", got, tt.param)
			}
		})
	}
}

// An INCLUDE index keeps the attributes it lists: the local DynamoDB
// answers its Queries with them alone and the cost meter sizes its
// entries by them.
func TestLoadIndexProjection(t *testing.T) {
	const body = `Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }, { AttributeName: g, AttributeType: S }]
      KeySchema: [{ AttributeName: pk, KeyType: HASH }]
      GlobalSecondaryIndexes:
        - IndexName: ByG
          KeySchema: [{ AttributeName: g, KeyType: HASH }]
          Projection: { ProjectionType: INCLUDE, NonKeyAttributes: [name, preview] }
`
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Index{{Name: "ByG", KeySchema: []Key{{Name: "g", KeyType: "HASH"}}, ProjectionType: "INCLUDE", NonKeyAttributes: []string{"name", "preview"}}}
	if diff := cmp.Diff(want, m.Tables[0].GSIs); diff != "" {
		t.Errorf("indexes (-want +got):\n%s", diff)
	}
}

// TestDeriveLogGroups: a function's log group and system log level are its
// LoggingConfig's, key by key over the Globals' (SAM merges maps), else
// Lambda's defaults.
func TestDeriveLogGroups(t *testing.T) {
	doc := map[string]any{
		"Globals": map[string]any{"Function": map[string]any{"LoggingConfig": map[string]any{"LogFormat": "JSON", "SystemLogLevel": "WARN"}}},
		"Resources": map[string]any{
			"Own":     map[string]any{"Properties": map[string]any{"LoggingConfig": map[string]any{"LogGroup": "/own"}}},
			"Verbose": map[string]any{"Properties": map[string]any{"LoggingConfig": map[string]any{"SystemLogLevel": "DEBUG"}}},
			"Bare":    map[string]any{"Properties": map[string]any{}},
		},
	}
	m := &Model{Functions: map[string]*Function{"Own": {Name: "own"}, "Verbose": {Name: "verbose"}, "Bare": {Name: "bare"}}}
	deriveLogGroups(m, doc)
	got := map[string][2]string{}
	for id, f := range m.Functions {
		got[id] = [2]string{f.LogGroup, f.SystemLogLevel}
	}
	want := map[string][2]string{
		"Own":     {"/own", "WARN"},
		"Verbose": {"/aws/lambda/verbose", "DEBUG"},
		"Bare":    {"/aws/lambda/bare", "WARN"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log group and system log level (-want +got):\n%s", diff)
	}
	delete(doc, "Globals")
	deriveLogGroups(m, doc)
	if f := m.Functions["Bare"]; f.SystemLogLevel != "INFO" {
		t.Errorf("without any LoggingConfig: system log level %q, want Lambda's default INFO", f.SystemLogLevel)
	}
}
