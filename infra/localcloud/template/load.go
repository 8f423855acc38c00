package template

import (
	"encoding/json"
	"fmt"
	"os"
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
	return m, deriveMail(m, resolved, r)
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
	typed := make(map[string]any, len(doc))
	for k, v := range doc {
		typed[k] = v
	}
	resources := map[string]any{}
	for name, res := range asMap(doc["Resources"]) {
		if typ, _ := asMap(res)["Type"].(string); !untyped[typ] {
			resources[name] = res
		}
	}
	typed["Resources"] = resources
	doc = typed
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	tpl, err := goformation.ParseJSONWithOptions(data, noProcess)
	if err == nil {
		return tpl, nil
	}
	for _, name := range sortedKeys(resources) {
		one, _ := json.Marshal(map[string]any{"Resources": map[string]any{name: resources[name]}})
		if _, rerr := goformation.ParseJSONWithOptions(one, noProcess); rerr != nil {
			return nil, fmt.Errorf("resource %s (%v): %w", name, asMap(resources[name])["Type"], rerr)
		}
	}
	return nil, fmt.Errorf("goformation: %w", err)
}
