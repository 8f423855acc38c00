package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resolvedRealTemplate is template.yaml with its intrinsics resolved for the
// local account, as a plain document.
func resolvedRealTemplate(t *testing.T) (map[string]any, *Model) {
	t.Helper()
	const path = "../../../template.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := decodeYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newResolver(raw.(map[string]any), Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := resolveDocument(raw.(map[string]any), r)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return doc, m
}

func resourcesOfType(doc map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, v := range asMap(doc["Resources"]) {
		res := asMap(v)
		if res["Type"] == typ {
			out[id] = asMap(res["Properties"])
		}
	}
	return out
}

// The template's deploy-time wiring that CloudFormation only checks when it
// is too late: every WebSocket route may invoke its function (a permission
// with a SourceArn for exactly that route), the stage redeploys on route
// changes, pushes are allowed only on this API, and every function's code
// exists where the build looks for it.
func TestTemplateDeployWiring(t *testing.T) {
	doc, m := resolvedRealTemplate(t)
	ws := m.WebSocketAPIs[0]

	perms := map[string]string{} // SourceArn suffix -> function
	for id, p := range resourcesOfType(doc, "AWS::Lambda::Permission") {
		if p["Principal"] != "apigateway.amazonaws.com" {
			continue // other services' permissions (SES receipt rules) are not routes
		}
		if p["Action"] != "lambda:InvokeFunction" {
			t.Errorf("%s: principal %v action %v", id, p["Principal"], p["Action"])
		}
		arn, _ := p["SourceArn"].(string)
		prefix := "arn:aws:execute-api:" + m.Region + ":" + m.AccountID + ":" + ws.ID + "/*/"
		if !strings.HasPrefix(arn, prefix) {
			t.Errorf("%s: SourceArn %q is not scoped to the WebSocket API", id, arn)
			continue
		}
		perms[strings.TrimPrefix(arn, prefix)] = p["FunctionName"].(string)
	}
	for route, fnID := range ws.Routes {
		fn := m.Functions[fnID]
		if got, ok := perms[route]; !ok {
			t.Errorf("route %s has no Lambda permission", route)
		} else if got != fn.Name {
			t.Errorf("route %s: permission for %s, want %s", route, got, fn.Name)
		}
	}
	if len(perms) != len(ws.Routes) {
		t.Errorf("%d permissions for %d routes", len(perms), len(ws.Routes))
	}

	for id, p := range resourcesOfType(doc, "AWS::ApiGatewayV2::Stage") {
		if p["AutoDeploy"] != true {
			t.Errorf("%s: AutoDeploy must be true so new routes are deployed", id)
		}
	}

	for id, v := range asMap(doc["Resources"]) {
		res := asMap(v)
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		for _, pol := range asSlice(asMap(res["Properties"])["Policies"]) {
			for _, st := range asSlice(asMap(pol)["Statement"]) {
				s := asMap(st)
				if s["Action"] != "execute-api:ManageConnections" {
					continue
				}
				want := "arn:aws:execute-api:" + m.Region + ":" + m.AccountID + ":" + ws.ID + "/" + ws.StageName + "/POST/@connections/*"
				// Closing sockets is the agent API's (agents' sign-out)
				// and the widget API's (a site revoking its user) alone.
				if id == "AgentApiFunction" || id == "WidgetApiFunction" {
					closeARN := strings.Replace(want, "/POST/", "/DELETE/", 1)
					if diff := cmp.Diff([]any{want, closeARN}, s["Resource"]); diff != "" {
						t.Errorf("%s: ManageConnections (-want +got):\n%s", id, diff)
					}
					continue
				}
				if s["Resource"] != want {
					t.Errorf("%s: ManageConnections on %v, want only %s", id, s["Resource"], want)
				}
			}
		}
	}

	for id, fn := range m.Functions {
		if fn.Runtime != "provided.al2023" || len(fn.Architectures) != 1 || fn.Architectures[0] != "arm64" || fn.Handler != "bootstrap" {
			t.Errorf("%s: runtime %s %v handler %s, want provided.al2023 arm64 bootstrap", id, fn.Runtime, fn.Architectures, fn.Handler)
		}
		if _, err := os.Stat(filepath.Join("../../..", fn.Dir, "main.go")); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

// Least privilege: no function gets a managed CRUD policy; each lists the
// DynamoDB actions it uses on the chat table (indexes only where it
// queries them), and only the functions that sign or verify tokens and
// tickets may read the signing secret, on that secret alone. The search
// table is written by the indexer alone and read by the agent routes
// alone: no visitor-facing function may touch it.
func TestTemplateFunctionPermissions(t *testing.T) {
	doc, m := resolvedRealTemplate(t)
	arnOf := func(logicalID string) string {
		for _, tb := range m.Tables {
			if tb.LogicalID == logicalID {
				return "arn:aws:dynamodb:" + m.Region + ":" + m.AccountID + ":table/" + tb.Name
			}
		}
		t.Fatalf("no table %s", logicalID)
		return ""
	}
	tableARN, searchARN := arnOf("ChatTable"), arnOf("SearchTable")
	searchReads := map[string]bool{"dynamodb:Query": true, "dynamodb:BatchGetItem": true}
	allowed := map[string]bool{}
	for _, a := range []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem", "BatchWriteItem", "ConditionCheckItem"} {
		allowed["dynamodb:"+a] = true
	}
	signers := map[string]bool{}
	for id, v := range asMap(doc["Resources"]) {
		res := asMap(v)
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		fn := m.Functions[id]
		main, err := os.ReadFile(filepath.Join("../../..", fn.Dir, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		loadsSecret := strings.Contains(string(main), ".SigningKey(")
		if loadsSecret {
			signers[id] = true
		}
		readsSecret, dynamo := false, 0
		for _, pol := range asSlice(asMap(res["Properties"])["Policies"]) {
			pm := asMap(pol)
			if pm == nil {
				t.Errorf("%s: managed policy %v; list the actions instead", id, pol)
				continue
			}
			if sp, ok := pm["AWSSecretsManagerGetSecretValuePolicy"]; ok {
				arn := asMap(sp)["SecretArn"]
				switch {
				case arn == secretARN(m, "SigningSecret"):
					readsSecret = true
				case arn == secretARN(m, "IdentitySecret") && strings.Contains(string(main), ".Identity("):
					// Only a function that verifies identify reads its secret.
				default:
					t.Errorf("%s: GetSecretValue on %v, want only the signing secret (and the identity secret where identify is served)", id, arn)
				}
				continue
			}
			if _, ok := pm["Statement"]; !ok {
				t.Errorf("%s: policy template %v; list the actions instead", id, sortedKeys(pm))
				continue
			}
			for _, st := range asSlice(pm["Statement"]) {
				s := asMap(st)
				actions := asSlice(s["Action"])
				if a, ok := s["Action"].(string); ok {
					actions = []any{a}
				}
				for _, a := range actions {
					a := a.(string)
					if !strings.HasPrefix(a, "dynamodb:") {
						continue
					}
					dynamo++
					if !allowed[a] {
						t.Errorf("%s: %s is not one of the item actions the store uses", id, a)
					}
				}
				if strings.HasPrefix(asString(actions[0]), "dynamodb:") {
					resources := asSlice(s["Resource"])
					if r, ok := s["Resource"].(string); ok {
						resources = []any{r}
					}
					for _, r := range resources {
						switch {
						case r == tableARN || r == tableARN+"/index/*":
						case r == searchARN && strings.Contains(string(main), ".Indexer("):
						case r == searchARN && strings.Contains(string(main), ".Finder("):
							for _, a := range actions {
								if !searchReads[asString(a)] {
									t.Errorf("%s: %v on the search table, which it only reads", id, a)
								}
							}
						case r == searchARN:
							t.Errorf("%s: DynamoDB access to the search table, which only the indexer writes and the agent routes read", id)
						default:
							t.Errorf("%s: DynamoDB access to %v, want only the chat table and its indexes", id, r)
						}
					}
				}
			}
		}
		usesTable := strings.Contains(string(main), ".Store()")
		if (dynamo > 0) != usesTable {
			t.Errorf("%s: DynamoDB actions granted: %d; its main uses the table: %v", id, dynamo, usesTable)
		}
		if readsSecret != loadsSecret {
			t.Errorf("%s: may read the signing secret: %v; its main loads it: %v", id, readsSecret, loadsSecret)
		}
	}
	if len(signers) == 0 || len(signers) == len(m.Functions) {
		t.Errorf("functions loading the signing secret: %v; want some, not all", signers)
	}
}

// The rest of the deploy-time checks CloudFormation makes late: the stage
// is created after every route, the audience rule refuses an external
// issuer without audience, the HTTP API is throttled, and the Cognito
// domain prefix parameter takes only what Cognito accepts.
func TestTemplateDeployGuards(t *testing.T) {
	doc, _ := resolvedRealTemplate(t)
	for id, v := range asMap(doc["Resources"]) {
		res := asMap(v)
		if res["Type"] != "AWS::ApiGatewayV2::Stage" {
			continue
		}
		deps := map[string]bool{}
		for _, d := range asSlice(res["DependsOn"]) {
			deps[d.(string)] = true
		}
		for rid, r := range asMap(doc["Resources"]) {
			if asMap(r)["Type"] == "AWS::ApiGatewayV2::Route" && !deps[rid] {
				t.Errorf("%s: does not depend on route %s", id, rid)
			}
		}
	}

	settings := asMap(resourcesOfType(doc, "AWS::Serverless::HttpApi")["ChatHttpApi"]["DefaultRouteSettings"])
	if settings["ThrottlingBurstLimit"] == nil || settings["ThrottlingRateLimit"] == nil {
		t.Errorf("HTTP API DefaultRouteSettings = %v; want throttling limits", settings)
	}

	raw, err := os.ReadFile("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := decodeYAML(raw)
	if err != nil {
		t.Fatal(err)
	}
	rule := asMap(asMap(asMap(tpl)["Rules"])["OidcAudienceWithIssuer"])
	if rule == nil {
		t.Fatal("no OidcAudienceWithIssuer rule")
	}
	tests := []struct {
		issuer, audience string
		wantRefused      bool
	}{
		{"", "", false},
		{"https://id.example.com", "inbox", false},
		{"https://id.example.com", "", true},
	}
	for _, tt := range tests {
		r, err := newResolver(tpl.(map[string]any), Options{Parameters: map[string]string{"OidcIssuer": tt.issuer, "OidcAudience": tt.audience}}.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		applies, err := r.evalCondition(rule["RuleCondition"], "Rules.OidcAudienceWithIssuer")
		if err != nil {
			t.Fatal(err)
		}
		refused := false
		for _, a := range asSlice(rule["Assertions"]) {
			ok, err := r.evalCondition(asMap(a)["Assert"], "Rules.OidcAudienceWithIssuer.Assert")
			if err != nil {
				t.Fatal(err)
			}
			refused = refused || (applies && !ok)
		}
		if refused != tt.wantRefused {
			t.Errorf("issuer %q audience %q: refused %v, want %v", tt.issuer, tt.audience, refused, tt.wantRefused)
		}
	}

	for prefix, ok := range map[string]bool{
		"": true, "parley-prod": true, "a": true, strings.Repeat("a", 63): true,
		"Parley": false, "-parley": false, "parley-": false, "parley.prod": false, strings.Repeat("a", 64): false,
	} {
		_, err := Load("../../../template.yaml", Options{Parameters: map[string]string{"CognitoDomainPrefix": prefix}})
		if (err == nil) != ok {
			t.Errorf("CognitoDomainPrefix %q: err = %v, want accepted %v", prefix, err, ok)
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// secretARN is the ARN of the template's secret logicalID.
func secretARN(m *Model, logicalID string) string {
	for _, s := range m.Secrets {
		if s.LogicalID == logicalID {
			return s.ARN
		}
	}
	return ""
}
