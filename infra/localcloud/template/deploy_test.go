package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if p["Principal"] != "apigateway.amazonaws.com" || p["Action"] != "lambda:InvokeFunction" {
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

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
