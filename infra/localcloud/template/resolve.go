package template

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// noValue is what Ref AWS::NoValue resolves to: the enclosing property or
// list element disappears.
type noValueT struct{}

var noValue = noValueT{}

// resolver evaluates CloudFormation intrinsic functions for the local
// account. It works top-down, unlike goformation's processor (which resolves
// arguments before the function and cannot report errors), because Fn::If
// must only evaluate the branch it takes: the other branch may Ref a
// resource that its condition has removed.
type resolver struct {
	opts       Options
	params     map[string]any // string, or []any of strings for list types
	mappings   map[string]any
	conditions map[string]any // raw condition expressions
	resources  map[string]map[string]any

	condValue map[string]bool
	condBusy  map[string]bool
	physical  map[string]string
	physBusy  map[string]bool
}

func newResolver(doc map[string]any, opts Options) (*resolver, error) {
	r := &resolver{
		opts:       opts,
		params:     map[string]any{},
		mappings:   asMap(doc["Mappings"]),
		conditions: asMap(doc["Conditions"]),
		resources:  map[string]map[string]any{},
		condValue:  map[string]bool{},
		condBusy:   map[string]bool{},
		physical:   map[string]string{},
		physBusy:   map[string]bool{},
	}
	for name, raw := range asMap(doc["Resources"]) {
		res, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s: not a mapping", name)
		}
		if _, ok := res["Type"].(string); !ok {
			return nil, fmt.Errorf("resource %s: missing Type", name)
		}
		r.resources[name] = res
	}
	if err := r.loadParameters(asMap(doc["Parameters"])); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *resolver) loadParameters(decl map[string]any) error {
	for name := range r.opts.Parameters {
		if _, ok := decl[name]; !ok {
			return fmt.Errorf("parameter override %s: no such parameter in the template", name)
		}
	}
	for _, name := range sortedKeys(decl) {
		p := asMap(decl[name])
		var value string
		if v, ok := r.opts.Parameters[name]; ok {
			value = v
		} else if d, ok := p["Default"]; ok {
			value = scalarString(d)
		} else {
			return fmt.Errorf("parameter %s: no Default and no override", name)
		}
		typ, _ := p["Type"].(string)
		var list []string
		if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
			for _, item := range strings.Split(value, ",") {
				list = append(list, strings.TrimSpace(item))
			}
		} else {
			list = []string{value}
		}
		for _, item := range list {
			if err := checkAllowed(p, item); err != nil {
				return fmt.Errorf("parameter %s: %w", name, err)
			}
		}
		if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
			items := make([]any, len(list))
			for i, s := range list {
				items[i] = s
			}
			r.params[name] = items
		} else if typ == "Number" {
			// A Number parameter fills number properties as a number.
			n, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return fmt.Errorf("parameter %s: %q is not a number", name, value)
			}
			if n == float64(int(n)) {
				r.params[name] = int(n)
			} else {
				r.params[name] = n
			}
		} else {
			r.params[name] = value
		}
	}
	return nil
}

func checkAllowed(p map[string]any, value string) error {
	if allowed, ok := p["AllowedValues"].([]any); ok {
		found := false
		for _, a := range allowed {
			found = found || scalarString(a) == value
		}
		if !found {
			return fmt.Errorf("value %q is not one of AllowedValues %v", value, allowed)
		}
	}
	if pattern, ok := p["AllowedPattern"].(string); ok {
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return fmt.Errorf("AllowedPattern %q: %w", pattern, err)
		}
		if !re.MatchString(value) {
			return fmt.Errorf("value %q does not match AllowedPattern %q", value, pattern)
		}
	}
	return nil
}

// included reports whether a resource exists in the local stack, that is
// whether it has no Condition or its Condition is true.
func (r *resolver) included(logicalID string) (bool, error) {
	cond, ok := r.resources[logicalID]["Condition"]
	if !ok {
		return true, nil
	}
	name, ok := cond.(string)
	if !ok {
		return false, fmt.Errorf("resource %s: Condition must be a condition name", logicalID)
	}
	v, err := r.condition(name)
	if err != nil {
		return false, fmt.Errorf("resource %s: %w", logicalID, err)
	}
	return v, nil
}

func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.condValue[name]; ok {
		return v, nil
	}
	expr, ok := r.conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %s", name)
	}
	if r.condBusy[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	r.condBusy[name] = true
	defer delete(r.condBusy, name)
	v, err := r.evalCondition(expr, "Conditions."+name)
	if err != nil {
		return false, err
	}
	r.condValue[name] = v
	return v, nil
}

func (r *resolver) evalCondition(expr any, at string) (bool, error) {
	switch e := expr.(type) {
	case bool:
		return e, nil
	case map[string]any:
		if len(e) != 1 {
			break
		}
		for fn, arg := range e {
			switch fn {
			case "Condition":
				name, ok := arg.(string)
				if !ok {
					return false, fmt.Errorf("%s: Condition wants a condition name", at)
				}
				v, err := r.condition(name)
				if err != nil {
					return false, fmt.Errorf("%s: %w", at, err)
				}
				return v, nil
			case "Fn::Equals":
				args, ok := arg.([]any)
				if !ok || len(args) != 2 {
					return false, fmt.Errorf("%s: Fn::Equals wants [value1, value2]", at)
				}
				a, err := r.resolve(args[0], at+".Fn::Equals[0]")
				if err != nil {
					return false, err
				}
				b, err := r.resolve(args[1], at+".Fn::Equals[1]")
				if err != nil {
					return false, err
				}
				return equalForm(a) == equalForm(b), nil
			case "Fn::Not":
				args, ok := arg.([]any)
				if !ok || len(args) != 1 {
					return false, fmt.Errorf("%s: Fn::Not wants [condition]", at)
				}
				v, err := r.evalCondition(args[0], at+".Fn::Not[0]")
				return !v, err
			case "Fn::And", "Fn::Or":
				args, ok := arg.([]any)
				if !ok || len(args) < 2 {
					return false, fmt.Errorf("%s: %s wants a list of at least two conditions", at, fn)
				}
				// Evaluate every operand so a typo in a later one is
				// reported even when the result is already decided.
				result := fn == "Fn::And"
				for i, a := range args {
					v, err := r.evalCondition(a, fmt.Sprintf("%s.%s[%d]", at, fn, i))
					if err != nil {
						return false, err
					}
					if fn == "Fn::And" {
						result = result && v
					} else {
						result = result || v
					}
				}
				return result, nil
			}
		}
	}
	v, err := r.resolve(expr, at)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s: condition evaluates to %v, not true or false", at, v)
	}
	return b, nil
}

// resolve returns v with every intrinsic function evaluated. at names the
// place in the template, for error messages.
func (r *resolver) resolve(v any, at string) (any, error) {
	switch val := v.(type) {
	case map[string]any:
		if len(val) == 1 {
			for fn, arg := range val {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") {
					return r.intrinsic(fn, arg, at)
				}
			}
		}
		out := make(map[string]any, len(val))
		for _, k := range sortedKeys(val) {
			rv, err := r.resolve(val[k], at+"."+k)
			if err != nil {
				return nil, err
			}
			if rv != noValue {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(val))
		for i, item := range val {
			rv, err := r.resolve(item, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			if rv != noValue {
				out = append(out, rv)
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) intrinsic(fn string, arg any, at string) (any, error) {
	at = at + "." + fn
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("%s: Ref wants a name", at)
		}
		return r.ref(name, at)
	case "Fn::GetAtt":
		var parts []any
		switch a := arg.(type) {
		case []any:
			parts = a
		case string:
			res, attr, _ := strings.Cut(a, ".")
			parts = []any{res, attr}
		}
		if len(parts) != 2 {
			return nil, fmt.Errorf("%s: Fn::GetAtt wants [Resource, Attribute]", at)
		}
		attr, err := r.resolve(parts[1], at)
		if err != nil {
			return nil, err
		}
		res, ok1 := parts[0].(string)
		attrName, ok2 := attr.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s: Fn::GetAtt wants [Resource, Attribute] names", at)
		}
		return r.getAtt(res, attrName, at)
	case "Fn::Sub":
		return r.sub(arg, at)
	case "Fn::If":
		args, ok := arg.([]any)
		if !ok || len(args) != 3 {
			return nil, fmt.Errorf("%s: Fn::If wants [condition, valueIfTrue, valueIfFalse]", at)
		}
		name, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("%s: Fn::If wants a condition name first", at)
		}
		v, err := r.condition(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		if v {
			return r.resolve(args[1], at+"[1]")
		}
		return r.resolve(args[2], at+"[2]")
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return r.evalCondition(map[string]any{fn: arg}, strings.TrimSuffix(at, "."+fn))
	case "Fn::Join":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, fmt.Errorf("%s: Fn::Join wants [delimiter, [values]]", at)
		}
		delim, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("%s: Fn::Join delimiter must be a string", at)
		}
		list, err := r.resolveList(args[1], at+"[1]")
		if err != nil {
			return nil, err
		}
		parts := make([]string, 0, len(list))
		for i, item := range list {
			s, ok := stringish(item)
			if !ok {
				return nil, fmt.Errorf("%s[1][%d]: Fn::Join value must be a string, got %v", at, i, item)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, fmt.Errorf("%s: Fn::Select wants [index, [values]]", at)
		}
		idx, err := r.resolve(args[0], at+"[0]")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(scalarString(idx))
		if err != nil {
			return nil, fmt.Errorf("%s: Fn::Select index %v is not a number", at, idx)
		}
		list, err := r.resolveList(args[1], at+"[1]")
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(list) {
			return nil, fmt.Errorf("%s: Fn::Select index %d out of range for %d values", at, i, len(list))
		}
		return list[i], nil
	case "Fn::Split":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, fmt.Errorf("%s: Fn::Split wants [delimiter, string]", at)
		}
		delim, ok := args[0].(string)
		if !ok || delim == "" {
			return nil, fmt.Errorf("%s: Fn::Split delimiter must be a non-empty string", at)
		}
		src, err := r.resolve(args[1], at+"[1]")
		if err != nil {
			return nil, err
		}
		s, ok := src.(string)
		if !ok {
			return nil, fmt.Errorf("%s: Fn::Split source must be a string, got %v", at, src)
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Base64":
		v, err := r.resolve(arg, at)
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: Fn::Base64 wants a string", at)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::FindInMap":
		args, err := r.resolveList(arg, at)
		if err != nil {
			return nil, err
		}
		if len(args) != 3 {
			return nil, fmt.Errorf("%s: Fn::FindInMap wants [MapName, TopLevelKey, SecondLevelKey]", at)
		}
		m, ok := asMap(r.mappings[scalarString(args[0])])[scalarString(args[1])].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: no mapping %v.%v", at, args[0], args[1])
		}
		v, ok := m[scalarString(args[2])]
		if !ok {
			return nil, fmt.Errorf("%s: no mapping %v.%v.%v", at, args[0], args[1], args[2])
		}
		return v, nil
	case "Fn::GetAZs":
		return []any{r.opts.Region + "a", r.opts.Region + "b", r.opts.Region + "c"}, nil
	case "Fn::Length":
		list, err := r.resolveList(arg, at)
		if err != nil {
			return nil, err
		}
		return len(list), nil
	case "Fn::ToJsonString":
		v, err := r.resolve(arg, at)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("%s: %s is not supported by the local cloud", at, fn)
}

func (r *resolver) resolveList(v any, at string) ([]any, error) {
	rv, err := r.resolve(v, at)
	if err != nil {
		return nil, err
	}
	list, ok := rv.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list, got %v", at, rv)
	}
	return list, nil
}

func (r *resolver) ref(name, at string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.opts.Region, nil
	case "AWS::AccountId":
		return r.opts.AccountID, nil
	case "AWS::StackName":
		return r.opts.StackName, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue, nil
	case "AWS::StackId":
		return r.stackID(), nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	if _, ok := r.resources[name]; !ok {
		if v, handled, err := r.samRule(name, "", at); handled {
			return v, err
		}
		if v, handled, err := r.samProperty(name, at); handled {
			return v, err
		}
	}
	if err := r.mustExist(name, at, "Ref"); err != nil {
		return nil, err
	}
	return r.physicalID(name, at)
}

// mustExist fails when logicalID is not a resource of the local stack.
func (r *resolver) mustExist(logicalID, at, fn string) error {
	res, ok := r.resources[logicalID]
	if !ok {
		return fmt.Errorf("%s: %s to %s: no such parameter or resource", at, fn, logicalID)
	}
	inc, err := r.included(logicalID)
	if err != nil {
		return err
	}
	if !inc {
		return fmt.Errorf("%s: %s to %s, which is left out because its condition %v is false", at, fn, logicalID, res["Condition"])
	}
	return nil
}

func (r *resolver) resourceType(logicalID string) string {
	t, _ := r.resources[logicalID]["Type"].(string)
	return t
}

// physicalID is what Ref to a resource gives in the local account.
func (r *resolver) physicalID(logicalID, at string) (string, error) {
	if id, ok := r.physical[logicalID]; ok {
		return id, nil
	}
	if r.physBusy[logicalID] {
		return "", fmt.Errorf("%s: the name of %s depends on itself", at, logicalID)
	}
	r.physBusy[logicalID] = true
	defer delete(r.physBusy, logicalID)

	named := func(prop string) (string, error) {
		props := asMap(r.resources[logicalID]["Properties"])
		raw, ok := props[prop]
		if !ok {
			return r.opts.StackName + "-" + logicalID, nil
		}
		v, err := r.resolve(raw, logicalID+".Properties."+prop)
		if err != nil {
			return "", err
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return "", fmt.Errorf("resource %s: %s must be a non-empty string", logicalID, prop)
		}
		return s, nil
	}

	var id string
	var err error
	switch r.resourceType(logicalID) {
	case "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable":
		id, err = named("TableName")
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		id, err = named("FunctionName")
	case "AWS::SecretsManager::Secret":
		var name string
		name, err = named("Name")
		id = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", r.opts.Region, r.opts.AccountID, name)
	case "AWS::Serverless::HttpApi", "AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi":
		id = apiID(logicalID)
	case "AWS::SES::ConfigurationSet":
		id, err = named("Name")
	case "AWS::SES::ReceiptRuleSet":
		id, err = named("RuleSetName")
	case "AWS::S3::Bucket":
		// CloudFormation generates lower-case bucket names with a suffix.
		if _, set := asMap(r.resources[logicalID]["Properties"])["BucketName"]; set {
			id, err = named("BucketName")
		} else {
			id = strings.ToLower(r.opts.StackName + "-" + logicalID + "-" + stableID(logicalID, 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
		}
	case "AWS::SNS::Topic":
		var name string
		name, err = named("TopicName")
		id = fmt.Sprintf("arn:aws:sns:%s:%s:%s", r.opts.Region, r.opts.AccountID, name)
	case "AWS::Cognito::UserPoolDomain":
		id, err = named("Domain")
	case "AWS::Cognito::UserPool":
		id = r.opts.Region + "_" + stableID(logicalID, 9, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
	case "AWS::Cognito::UserPoolClient":
		id = stableID(logicalID, 26, "0123456789abcdefghijklmnopqrstuvwxyz")
	case "AWS::Events::EventBus", "AWS::Events::Rule":
		id, err = named("Name")
	case "AWS::CloudWatch::Dashboard":
		id, err = named("DashboardName")
	case "AWS::CloudWatch::Alarm":
		id, err = named("AlarmName")
	case "AWS::Logs::LogGroup":
		id, err = named("LogGroupName")
	case "AWS::ApiGatewayV2::Stage":
		id, err = named("StageName")
	case "AWS::ApiGatewayV2::DomainName":
		id, err = named("DomainName")
	case "AWS::SQS::Queue":
		var name string
		name, err = named("QueueName")
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", r.opts.Region, r.opts.AccountID, name)
	default:
		id = r.opts.StackName + "-" + logicalID + "-" + stableID(logicalID, 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	}
	if err != nil {
		return "", err
	}
	r.physical[logicalID] = id
	return id, nil
}

func (r *resolver) getAtt(logicalID, attr, at string) (any, error) {
	if _, ok := r.resources[logicalID]; !ok {
		if v, handled, err := r.samRule(logicalID, attr, at); handled {
			return v, err
		}
	}
	if err := r.mustExist(logicalID, at, "Fn::GetAtt"); err != nil {
		return nil, err
	}
	id, err := r.physicalID(logicalID, at)
	if err != nil {
		return nil, err
	}
	region, acct := r.opts.Region, r.opts.AccountID
	typ := r.resourceType(logicalID)
	switch typ {
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		if attr == "Arn" {
			return functionARN(region, acct, id), nil
		}
	case "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable":
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, acct, id)
		switch attr {
		case "Arn":
			return arn, nil
		case "StreamArn":
			return arn + "/stream/1970-01-01T00:00:00.000", nil
		}
	case "AWS::SecretsManager::Secret":
		if attr == "Id" {
			return id, nil
		}
	case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		switch attr {
		case "ApiId":
			return id, nil
		case "ApiEndpoint":
			scheme := "https"
			if p, _ := asMap(r.resources[logicalID]["Properties"])["ProtocolType"].(string); p == "WEBSOCKET" {
				scheme = "wss"
			}
			return fmt.Sprintf("%s://%s.execute-api.%s.amazonaws.com", scheme, id, region), nil
		}
	case "AWS::Cognito::UserPool":
		switch attr {
		case "Arn":
			return fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", region, acct, id), nil
		case "UserPoolId":
			return id, nil
		case "ProviderName":
			return fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", region, id), nil
		case "ProviderURL":
			return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, id), nil
		}
	case "AWS::Cognito::UserPoolClient":
		if attr == "ClientId" {
			return id, nil
		}
	case "AWS::Events::EventBus":
		switch attr {
		case "Arn":
			return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", region, acct, id), nil
		case "Name":
			return id, nil
		}
	case "AWS::Events::Rule":
		if attr == "Arn" {
			return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, acct, id), nil
		}
	case "AWS::SQS::Queue":
		name := id[strings.LastIndex(id, "/")+1:]
		switch attr {
		case "Arn":
			return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, acct, name), nil
		case "QueueName":
			return name, nil
		case "QueueUrl":
			return id, nil
		}
	case "AWS::S3::Bucket":
		name := strings.ToLower(id)
		switch attr {
		case "Arn":
			return "arn:aws:s3:::" + name, nil
		case "DomainName":
			return name + ".s3.amazonaws.com", nil
		case "RegionalDomainName":
			return fmt.Sprintf("%s.s3.%s.amazonaws.com", name, region), nil
		}
	case "AWS::ApiGatewayV2::DomainName":
		switch attr {
		case "RegionalDomainName":
			return "d-" + stableID(logicalID, 10, "abcdefghijklmnopqrstuvwxyz0123456789") + ".execute-api." + region + ".amazonaws.com", nil
		case "RegionalHostedZoneId":
			return "Z" + stableID(logicalID, 13, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), nil
		}
	case "AWS::SNS::Topic":
		if attr == "TopicArn" {
			return id, nil
		}
	case "AWS::Logs::LogGroup":
		if attr == "Arn" {
			return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", region, acct, id), nil
		}
	case "AWS::CloudFront::OriginAccessControl":
		if attr == "Id" {
			return id, nil
		}
	case "AWS::IAM::Role":
		if attr == "Arn" {
			return fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, id), nil
		}
	case "AWS::CloudFront::Function":
		if attr == "FunctionMetadata.FunctionARN" {
			return fmt.Sprintf("arn:aws:cloudfront::%s:function/%s", acct, id), nil
		}
	case "AWS::CloudFront::Distribution":
		// Locally the local cloud itself serves the widget and the inbox;
		// the distribution's name only needs to be stable and well formed.
		if attr == "DomainName" {
			return "d" + stableID(logicalID, 13, "0123456789abcdefghijklmnopqrstuvwxyz") + ".cloudfront.net", nil
		}
	}
	return nil, fmt.Errorf("%s: Fn::GetAtt %s.%s: attribute not supported locally for %s", at, logicalID, attr, typ)
}

// sub evaluates Fn::Sub in both forms: "text ${Name}" and
// ["text ${Var}", {Var: value}].
func (r *resolver) sub(arg any, at string) (any, error) {
	var src string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		src = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("%s: Fn::Sub wants a string or [string, {variables}]", at)
		}
		s, ok := a[0].(string)
		m, ok2 := a[1].(map[string]any)
		if !ok || !ok2 {
			return nil, fmt.Errorf("%s: Fn::Sub wants a string or [string, {variables}]", at)
		}
		src = s
		for _, k := range sortedKeys(m) {
			v, err := r.resolve(m[k], at+"[1]."+k)
			if err != nil {
				return nil, err
			}
			vars[k] = v
		}
	default:
		return nil, fmt.Errorf("%s: Fn::Sub wants a string or [string, {variables}]", at)
	}

	var b strings.Builder
	rest := src
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		j := strings.Index(rest, "}")
		if j < 0 {
			return nil, fmt.Errorf("%s: unterminated ${ in %q", at, src)
		}
		name := strings.TrimSpace(rest[:j])
		rest = rest[j+1:]
		// ${!Literal} writes ${Literal} verbatim.
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		var v any
		var err error
		if val, ok := vars[name]; ok {
			v = val
		} else if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = r.getAtt(res, attr, at)
		} else {
			v, err = r.ref(name, at)
		}
		if err != nil {
			return nil, err
		}
		s, ok := stringish(v)
		if !ok {
			return nil, fmt.Errorf("%s: ${%s} is %v, not a string", at, name, v)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// stackID is what AWS::StackId gives.
func (r *resolver) stackID() string {
	return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", r.opts.Region, r.opts.AccountID, r.opts.StackName,
		stableID(r.opts.StackName, 32, "0123456789abcdef"))
}

func functionARN(region, acct, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, acct, name)
}

// apiID is the 10-character API Gateway id an API gets locally; it depends
// only on the logical id so URLs stay the same from run to run.
func apiID(logicalID string) string {
	return stableID(logicalID, 10, "abcdefghijklmnopqrstuvwxyz0123456789")
}

// stableID derives an id of n characters from alphabet, deterministic in seed.
func stableID(seed string, n int, alphabet string) string {
	sum := sha256.Sum256([]byte(seed))
	x := new(big.Int).SetBytes(sum[:])
	base := big.NewInt(int64(len(alphabet)))
	out := make([]byte, n)
	mod := new(big.Int)
	for i := range out {
		x.DivMod(x, base, mod)
		out[i] = alphabet[mod.Int64()]
	}
	return string(out)
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// stringish renders scalars as CloudFormation does when it needs a string.
func stringish(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case int, int64, float64, bool:
		return scalarString(s), true
	}
	return "", false
}

func scalarString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// equalForm is the form Fn::Equals compares: CloudFormation compares
// values as strings, so 1 equals "1".
func equalForm(v any) string {
	if s, ok := stringish(v); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
