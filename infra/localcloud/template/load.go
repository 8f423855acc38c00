package template

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// Options choose the local account the template is resolved for.
type Options struct {
	StackName  string            // default "parley-local"
	Region     string            // default "us-east-1"
	AccountID  string            // default "000000000000"
	Parameters map[string]string // parameter overrides; list parameters comma-separated
}

func (o Options) withDefaults() Options {
	if o.StackName == "" {
		o.StackName = "parley-local"
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "000000000000"
	}
	return o
}

// Load reads the SAM template at path and derives the local cloud's Model,
// with every intrinsic function resolved for the account opts describes.
// Resources and outputs whose Condition is false are left out, except
// user pools: the local OIDC issuer stands in for them (userpools.go).
func Load(path string, opts Options) (m *Model, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("load template %s: %w", path, err)
		}
	}()
	opts = opts.withDefaults()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := decodeYAML(data)
	if err != nil {
		return nil, err
	}
	doc, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	r, err := newResolver(doc, opts)
	if err != nil {
		return nil, err
	}
	resolved, err := resolveDocument(doc, r)
	if err != nil {
		return nil, err
	}
	tpl, err := parseTyped(resolved)
	if err != nil {
		return nil, err
	}
	m, err = derive(tpl, r, opts)
	if err != nil {
		return nil, err
	}
	if err := deriveEvents(m, resolved, r); err != nil {
		return nil, err
	}
	if err := deriveUserPools(m, r); err != nil {
		return nil, err
	}
	deriveLogGroups(m, resolved)
	if err := deriveQueues(m, resolved, r); err != nil {
		return nil, err
	}
	if err := deriveCustomResources(m, resolved); err != nil {
		return nil, err
	}
	if err := deriveDistributions(m, resolved, r); err != nil {
		return nil, err
	}
	return m, deriveMail(m, resolved, r)
}

// samOnly are the properties SAM has and goformation's types lag behind
// on, by resource type: they are read from the plain document and left out
// of what goformation types.
var samOnly = map[string][]string{
	"AWS::Serverless::Function": {"LoggingConfig"},
}

// deriveLogGroups sets each function's log group and system log level:
// its LoggingConfig's, merged over the Globals' key by key as SAM merges
// maps, else Lambda's defaults (/aws/lambda/<name>, INFO).
func deriveLogGroups(m *Model, doc map[string]any) {
	global := asMap(asMap(asMap(doc["Globals"])["Function"])["LoggingConfig"])
	for id, f := range m.Functions {
		own := asMap(asMap(asMap(asMap(doc["Resources"])[id])["Properties"])["LoggingConfig"])
		setting := func(key, fallback string) string {
			if v, _ := own[key].(string); v != "" {
				return v
			}
			if v, _ := global[key].(string); v != "" {
				return v
			}
			return fallback
		}
		f.LogGroup = setting("LogGroup", "/aws/lambda/"+f.Name)
		f.SystemLogLevel = setting("SystemLogLevel", "INFO")
	}
}

// resolveDocument returns the template with intrinsics resolved, left-out
// resources and outputs removed and conditions replaced by their values:
// a plain CloudFormation document goformation can type.
func resolveDocument(doc map[string]any, r *resolver) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range []string{"AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters", "Mappings"} {
		if v, ok := doc[k]; ok {
			out[k] = v
		}
	}
	conds := map[string]any{}
	for _, name := range sortedKeys(r.conditions) {
		v, err := r.condition(name)
		if err != nil {
			return nil, err
		}
		conds[name] = v
	}
	out["Conditions"] = conds

	globals, err := r.resolve(doc["Globals"], "Globals")
	if err != nil {
		return nil, err
	}
	if globals != nil {
		stringifyEnv(asMap(asMap(globals)["Function"]))
		out["Globals"] = globals
	}

	resources := map[string]any{}
	for _, name := range sortedKeys(r.resources) {
		inc, err := r.included(name)
		if err != nil {
			return nil, err
		}
		if !inc {
			continue
		}
		res := map[string]any{}
		for k, v := range r.resources[name] {
			res[k] = v
		}
		if props, ok := res["Properties"]; ok {
			p, err := r.resolve(props, name+".Properties")
			if err != nil {
				return nil, fmt.Errorf("resource %w", err)
			}
			stringifyEnv(asMap(p))
			res["Properties"] = p
		}
		resources[name] = res
	}
	out["Resources"] = resources

	outputs := map[string]any{}
	for name, rawOut := range asMap(doc["Outputs"]) {
		o := asMap(rawOut)
		if cond, ok := o["Condition"].(string); ok {
			v, err := r.condition(cond)
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", name, err)
			}
			if !v {
				continue
			}
		}
		ro, err := r.resolve(o, "Outputs."+name)
		if err != nil {
			return nil, fmt.Errorf("output %w", err)
		}
		outputs[name] = ro
	}
	out["Outputs"] = outputs
	return out, nil
}

// stringifyEnv turns numbers and booleans among a function's environment
// variables into strings, as Lambda (and CloudFormation) do.
func stringifyEnv(props map[string]any) {
	vars := asMap(asMap(props["Environment"])["Variables"])
	for k, v := range vars {
		if s, ok := stringish(v); ok {
			vars[k] = s
		}
	}
}

// untyped are the resource types the local cloud reads from the plain
// document itself (deriveMail) and goformation does not know yet: they are
// left out of what goformation types.
var untyped = map[string]bool{"AWS::GuardDuty::MalwareProtectionPlan": true}

// withoutSAMOnly returns doc without the samOnly properties and the
// untyped resources (doc is not changed).
func withoutSAMOnly(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	resources := map[string]any{}
	for id, raw := range asMap(doc["Resources"]) {
		res := asMap(raw)
		if untyped[asString(res["Type"])] {
			continue
		}
		drop := samOnly[asString(res["Type"])]
		props := asMap(res["Properties"])
		if len(drop) == 0 || props == nil {
			resources[id] = raw
			continue
		}
		kept := make(map[string]any, len(props))
		for k, v := range props {
			if !slices.Contains(drop, k) {
				kept[k] = v
			}
		}
		copied := make(map[string]any, len(res))
		for k, v := range res {
			copied[k] = v
		}
		copied["Properties"] = kept
		resources[id] = copied
	}
	out["Resources"] = resources
	return out
}

// goformation's YAML tag registration writes a package-level map on every
// call, so parses must not run concurrently.
var parseMu sync.Mutex

// parseTyped hands the resolved document to goformation, which types every
// resource. When that fails, each resource is parsed on its own so the error
// can name the one goformation rejects.
func parseTyped(doc map[string]any) (*cloudformation.Template, error) {
	parseMu.Lock()
	defer parseMu.Unlock()
	noProcess := &intrinsics.ProcessorOptions{NoProcess: true}
	doc = withoutSAMOnly(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	tpl, err := goformation.ParseJSONWithOptions(data, noProcess)
	if err == nil {
		return tpl, nil
	}
	resources := asMap(doc["Resources"])
	for _, name := range sortedKeys(resources) {
		one, _ := json.Marshal(map[string]any{"Resources": map[string]any{name: resources[name]}})
		if _, rerr := goformation.ParseJSONWithOptions(one, noProcess); rerr != nil {
			return nil, fmt.Errorf("resource %s (%v): %w", name, asMap(resources[name])["Type"], rerr)
		}
	}
	return nil, fmt.Errorf("goformation: %w", err)
}
