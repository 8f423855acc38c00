package template

import (
	"fmt"
	"strings"
	"time"
)

// CustomResource is a custom resource (Custom::<Name> or
// AWS::CloudFormation::CustomResource) whose ServiceToken is a function of
// the template: the local cloud sends it CloudFormation's requests.
type CustomResource struct {
	LogicalID string
	Type      string
	Function  string // logical id of the function ServiceToken names
	// Properties are the ResourceProperties as CloudFormation sends them:
	// ServiceToken included, every scalar a string.
	Properties map[string]any
	// Timeout is ServiceTimeout: how long CloudFormation waits for the
	// answer (default one hour).
	Timeout time.Duration
}

const defaultServiceTimeout = time.Hour

func deriveDistributions(m *Model, doc map[string]any, r *resolver) error {
	resources := asMap(doc["Resources"])
	for _, id := range sortedKeys(resources) {
		if asMap(resources[id])["Type"] != "AWS::CloudFront::Distribution" {
			continue
		}
		phys, err := r.physicalID(id, id)
		if err != nil {
			return err
		}
		domain, err := r.getAtt(id, "DomainName", id)
		if err != nil {
			return err
		}
		apiOrigin := false
		for _, o := range asList(asMap(asMap(asMap(resources[id])["Properties"])["DistributionConfig"])["Origins"]) {
			apiOrigin = apiOrigin || strings.Contains(asString(asMap(o)["DomainName"]), ".execute-api.")
		}
		m.Distributions = append(m.Distributions, &Distribution{LogicalID: id, ID: phys, DomainName: asString(domain), APIOrigin: apiOrigin})
	}
	return nil
}

func deriveCustomResources(m *Model, doc map[string]any) error {
	byARN := map[string]string{}
	for id, f := range m.Functions {
		byARN[f.ARN] = id
	}
	resources := asMap(doc["Resources"])
	for _, id := range sortedKeys(resources) {
		res := asMap(resources[id])
		typ := asString(res["Type"])
		if !strings.HasPrefix(typ, "Custom::") && typ != "AWS::CloudFormation::CustomResource" {
			continue
		}
		props := asMap(res["Properties"])
		token := asString(props["ServiceToken"])
		fn, ok := byARN[lambdaARNOf(token)]
		if !ok {
			return fmt.Errorf("custom resource %s: ServiceToken %q is not a function of this template (the local cloud runs Lambda-backed custom resources only)", id, token)
		}
		cr := &CustomResource{LogicalID: id, Type: typ, Function: fn, Timeout: defaultServiceTimeout}
		if n, ok := number(props["ServiceTimeout"]); ok {
			cr.Timeout = time.Duration(n) * time.Second
		}
		cr.Properties, _ = stringScalars(props).(map[string]any)
		m.CustomResources = append(m.CustomResources, cr)
	}
	return nil
}

// stringScalars returns v with every number and boolean turned into a
// string, as CloudFormation hands custom resources their properties.
func stringScalars(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = stringScalars(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stringScalars(e)
		}
		return out
	}
	if s, ok := stringish(v); ok {
		return s
	}
	return v
}
