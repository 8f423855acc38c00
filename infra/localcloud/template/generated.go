package template

import (
	"fmt"
	"strings"
)

// SAM's transform creates resources the template may refer to by their
// generated logical ids ("referenceable generated resources"). The local
// cloud resolves the rules of EventBridgeRule and Schedule events: a queue
// policy names the rule that may send to the dead-letter queue
// (<function logical id><event name>, e.g. !GetAtt InactivitySweeperFunctionSweep.Arn),
// and the referenceable properties <function>.Version and <function>.Alias
// (AutoPublishAlias) and <HTTP API>.Stage.

// samProperty resolves Ref <resource>.<property> to what SAM generates for
// it locally; handled is false when name has no such form.
func (r *resolver) samProperty(name, at string) (v any, handled bool, err error) {
	id, prop, ok := strings.Cut(name, ".")
	if !ok {
		return nil, false, nil
	}
	if _, exists := r.resources[id]; !exists {
		return nil, false, nil
	}
	if err := r.mustExist(id, at, "Ref"); err != nil {
		return nil, true, err
	}
	props := asMap(r.resources[id]["Properties"])
	switch typ := r.resourceType(id); {
	case typ == "AWS::Serverless::Function" && (prop == "Version" || prop == "Alias"):
		alias, _ := props["AutoPublishAlias"].(string)
		if alias == "" {
			return nil, true, fmt.Errorf("%s: Ref %s: the function has no AutoPublishAlias", at, name)
		}
		phys, err := r.physicalID(id, at)
		if err != nil {
			return nil, true, err
		}
		// Locally the code is published once: version 1.
		qualifier := "1"
		if prop == "Alias" {
			qualifier = alias
		}
		return functionARN(r.opts.Region, r.opts.AccountID, phys) + ":" + qualifier, true, nil
	case typ == "AWS::Serverless::HttpApi" && prop == "Stage":
		stage, err := r.resolve(props["StageName"], at)
		if err != nil {
			return nil, true, err
		}
		if s, _ := stage.(string); s != "" {
			return s, true, nil
		}
		return "$default", true, nil
	}
	return nil, true, fmt.Errorf("%s: Ref %s: not a property SAM generates", at, name)
}

// samRuleEvent finds the function event whose rule has the generated
// logical id; ok is false when no event generates it.
func (r *resolver) samRuleEvent(logicalID string) (props map[string]any, fid, event string, ok bool) {
	for _, id := range sortedKeys(r.resources) {
		if r.resourceType(id) != "AWS::Serverless::Function" || len(logicalID) <= len(id) || logicalID[:len(id)] != id {
			continue
		}
		ev := asMap(asMap(asMap(r.resources[id]["Properties"])["Events"])[logicalID[len(id):]])
		if t, _ := ev["Type"].(string); t == "EventBridgeRule" || t == "Schedule" {
			return asMap(ev["Properties"]), id, logicalID[len(id):], true
		}
	}
	return nil, "", "", false
}

// samRule resolves Ref (the rule's name) or Fn::GetAtt Arn of a rule SAM
// generates; handled is false when logicalID is no such rule.
func (r *resolver) samRule(logicalID, attr, at string) (v any, handled bool, err error) {
	props, fid, event, ok := r.samRuleEvent(logicalID)
	if !ok {
		return nil, false, nil
	}
	if err := r.mustExist(fid, at, "the rule of "+fid+"."+event+": its function"); err != nil {
		return nil, true, err
	}
	str := func(prop string) (string, error) {
		raw, ok := props[prop]
		if !ok {
			return "", nil
		}
		v, err := r.resolve(raw, at+": "+fid+".Events."+event+".Properties."+prop)
		if err != nil {
			return "", err
		}
		s, _ := v.(string)
		return s, nil
	}
	name, err := str("RuleName")
	if err == nil && name == "" {
		name, err = str("Name")
	}
	if err != nil {
		return nil, true, err
	}
	name = samRuleName(r.opts.StackName, fid, event, name)
	switch attr {
	case "":
		return name, true, nil
	case "Arn":
		bus, err := str("EventBusName")
		if err != nil {
			return nil, true, err
		}
		return ruleARN(r.opts.Region, r.opts.AccountID, eventBusName(bus), name), true, nil
	}
	return nil, true, fmt.Errorf("%s: Fn::GetAtt %s.%s: a rule SAM generates has Arn only", at, logicalID, attr)
}

// samRuleName is the name of the rule of a function's event: the event's
// RuleName (EventBridgeRule) or Name (Schedule) when set, else the local
// stand-in for the name CloudFormation generates.
func samRuleName(stack, fid, event, set string) string {
	if set != "" {
		return set
	}
	return stack + "-" + fid + event
}

// eventBusName turns an EventBusName (a name or an ARN; "" for the
// default bus) into the bus's name.
func eventBusName(s string) string {
	if s == "" {
		return DefaultBus
	}
	if _, name, ok := strings.Cut(s, ":event-bus/"); ok {
		return name
	}
	return s
}

// ruleARN is a rule's ARN; rules of buses other than the default one have
// the bus in it.
func ruleARN(region, account, bus, name string) string {
	if bus == DefaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, account, name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", region, account, bus, name)
}
