package template

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeYAML turns a CloudFormation YAML document into plain Go values
// (map[string]any, []any, string, bool, int, float64, nil) with every
// short-form intrinsic (!Ref, !Sub, !GetAtt, …) rewritten to its long form,
// so the resolver sees one shape whatever the author wrote.
func decodeYAML(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty template")
	}
	return fromNode(doc.Content[0])
}

func fromNode(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return fromNode(n.Alias)
	}
	if name, ok := shortFormName(n.Tag); ok {
		return shortForm(name, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not supported by CloudFormation", k.Line)
			}
			val, err := fromNode(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// shortFormName maps a YAML tag such as !Sub to the long-form key Fn::Sub.
func shortFormName(tag string) (string, bool) {
	name, ok := strings.CutPrefix(tag, "!")
	if !ok || strings.HasPrefix(name, "!") {
		return "", false
	}
	switch name {
	case "Ref", "Condition":
		return name, true
	case "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
		"Transform", "And", "Equals", "If", "Not", "Or", "Length", "ToJsonString":
		return "Fn::" + name, true
	}
	return "", false
}

func shortForm(name string, n *yaml.Node) (any, error) {
	var arg any
	switch n.Kind {
	case yaml.ScalarNode:
		arg = n.Value
		// !GetAtt Res.Attr is shorthand for [Res, Attr].
		if name == "Fn::GetAtt" {
			res, attr, ok := strings.Cut(n.Value, ".")
			if !ok {
				return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, n.Value)
			}
			arg = []any{res, attr}
		}
	default:
		c := *n
		c.Tag = ""
		if n.Kind == yaml.MappingNode {
			c.Tag = "!!map"
		} else if n.Kind == yaml.SequenceNode {
			c.Tag = "!!seq"
		}
		v, err := fromNode(&c)
		if err != nil {
			return nil, err
		}
		arg = v
	}
	return map[string]any{name: arg}, nil
}
