package template

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// templateCycle returns a dependency cycle among the template's resources
// (A, B, …, A), or nil. Dependencies are Ref, Fn::GetAtt, Fn::Sub and
// DependsOn, plus those SAM's transform adds: every function depends on
// what Globals names; an HTTP API depends on the functions of its HttpApi
// events (their ARNs are in its definition), while a function's other
// events become resources of their own that depend on the function.
// CloudFormation refuses a template with a cycle (cfn-lint's E3004); this
// check runs where cfn-lint is not installed.
func templateCycle(doc map[string]any) []string {
	resources := asMap(doc["Resources"])
	deps := map[string]map[string]bool{}
	dependOn := func(from string, v any) {
		if deps[from] == nil {
			deps[from] = map[string]bool{}
		}
		for _, to := range referencedNames(v) {
			if _, ok := resources[to]; ok {
				deps[from][to] = true
			}
		}
	}
	globals := asMap(asMap(doc["Globals"])["Function"])
	for _, id := range sortedKeys(resources) {
		res := asMap(resources[id])
		props := asMap(res["Properties"])
		dependsOn := asSlice(res["DependsOn"])
		if d, ok := res["DependsOn"].(string); ok {
			dependsOn = []any{d}
		}
		for _, d := range dependsOn {
			dependOn(id, map[string]any{"Ref": d})
		}
		if res["Type"] != "AWS::Serverless::Function" {
			dependOn(id, props)
			continue
		}
		dependOn(id, globals)
		for k, v := range props {
			if k != "Events" {
				dependOn(id, v)
			}
		}
		for ename, ev := range asMap(props["Events"]) {
			ep := asMap(asMap(ev)["Properties"])
			if t := asMap(ev)["Type"]; t == "HttpApi" || t == "Api" {
				for _, api := range referencedNames(ep["ApiId"]) {
					dependOn(api, map[string]any{"Ref": id})
				}
				for _, api := range referencedNames(ep["RestApiId"]) {
					dependOn(api, map[string]any{"Ref": id})
				}
				continue
			}
			gen := id + ename
			dependOn(gen, map[string]any{"Ref": id})
			dependOn(gen, ep)
		}
	}

	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = onPath
		path = append(path, n)
		for _, d := range sortedKeys(deps[n]) {
			switch state[d] {
			case onPath:
				for i, p := range path {
					if p == d {
						return append(append([]string{}, path[i:]...), d)
					}
				}
			case unvisited:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, id := range sortedKeys(deps) {
		if state[id] == unvisited {
			if c := visit(id); c != nil {
				return c
			}
		}
	}
	return nil
}

var subName = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// referencedNames lists the logical names v refers to through Ref,
// Fn::GetAtt and Fn::Sub (parameters and pseudo parameters included;
// callers keep the resources).
func referencedNames(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, referencedNames(e)...)
		}
	case map[string]any:
		if len(x) == 1 {
			if s, ok := x["Ref"].(string); ok {
				return []string{s}
			}
			if ga, ok := x["Fn::GetAtt"]; ok {
				if l := asSlice(ga); len(l) > 0 {
					return []string{asString(l[0])}
				}
				res, _, _ := strings.Cut(asString(ga), ".")
				return []string{res}
			}
			if sub, ok := x["Fn::Sub"]; ok {
				text, vars := asString(sub), map[string]any{}
				if l := asSlice(sub); len(l) == 2 {
					text, vars = asString(l[0]), asMap(l[1])
				}
				for _, m := range subName.FindAllStringSubmatch(text, -1) {
					name, _, _ := strings.Cut(strings.TrimSpace(m[1]), ".")
					if _, local := vars[name]; !local {
						out = append(out, name)
					}
				}
				for _, k := range sortedKeys(vars) {
					out = append(out, referencedNames(vars[k])...)
				}
				return out
			}
		}
		for _, k := range sortedKeys(x) {
			out = append(out, referencedNames(x[k])...)
		}
	}
	return out
}

func TestTemplateHasNoDependencyCycle(t *testing.T) {
	const head = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Dist:
    Type: AWS::CloudFront::Distribution
    Properties: { DistributionConfig: { ResponseHeadersPolicyId: !Ref Headers } }
  Headers:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties: { Csp: !Sub "connect-src https://${Api}.execute-api.${AWS::Region}.amazonaws.com" }
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: { CallbackURLs: [!Sub "https://${Dist.DomainName}/"] }
`
	tests := []struct {
		name, body string
		want       string
	}{
		{"authorizer audience names a client whose callback names the distribution", `
  Api:
    Type: AWS::Serverless::HttpApi
    Properties: { Auth: { Authorizers: { Jwt: { JwtConfiguration: { audience: [!Ref Client] } } } } }
`, "Api Client Dist Headers Api"},
		{"the API's functions name the distribution in Globals", `
  Api:
    Type: AWS::Serverless::HttpApi
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Events: { Get: { Type: HttpApi, Properties: { ApiId: !Ref Api } } } }
Globals:
  Function: { Environment: { Variables: { ORIGIN: !Sub "https://${Dist.DomainName}" } } }
`, "Api Fn Dist Headers Api"},
		{"a function's non-API events do not make it depend on their sources", `
  Api:
    Type: AWS::Serverless::HttpApi
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { ORIGIN: !GetAtt Dist.DomainName } }
      Events: { Closed: { Type: EventBridgeRule, Properties: { EventBusName: !GetAtt Dist.DomainName } } }
  Queue:
    Type: AWS::SQS::QueuePolicy
    Properties: { Source: !GetAtt FnClosed.Arn }
`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := decodeYAML([]byte(head + tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(templateCycle(doc.(map[string]any)), " "); got != tt.want {
				t.Errorf("cycle = %q, want %q", got, tt.want)
			}
		})
	}

	raw, err := os.ReadFile(realTemplate)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decodeYAML(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c := templateCycle(doc.(map[string]any)); c != nil {
		t.Errorf("template.yaml cannot deploy: its resources depend on each other in a cycle: %s", strings.Join(c, " -> "))
	}
}
