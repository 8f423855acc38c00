// Package eventpattern matches events against EventBridge event patterns,
// the syntax rules and Lambda event filters share: exact values (strings,
// numbers, booleans, null), lists of them, nested fields, arrays in the
// event, prefix, suffix, equals-ignore-case, wildcard, anything-but (value,
// list, prefix, suffix), numeric ranges, exists, and $or.
package eventpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Pattern is a parsed event pattern.
type Pattern struct {
	root map[string]any
}

func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Parse reads and checks a pattern, refusing what EventBridge refuses:
// anything but an object of objects and non-empty arrays, unknown filters.
func Parse(raw []byte) (*Pattern, error) {
	v, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("event pattern is not JSON: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("event pattern must be a JSON object")
	}
	if err := check(root, ""); err != nil {
		return nil, fmt.Errorf("event pattern: %w", err)
	}
	return &Pattern{root: root}, nil
}

// MustParse is Parse for patterns known to be valid; it panics otherwise.
func MustParse(raw string) *Pattern {
	p, err := Parse([]byte(raw))
	if err != nil {
		panic(err)
	}
	return p
}

func check(obj map[string]any, at string) error {
	if len(obj) == 0 {
		return fmt.Errorf("%s: empty object", orRoot(at))
	}
	for k, v := range obj {
		path := strings.TrimPrefix(at+"."+k, ".")
		if k == "$or" {
			alts, ok := v.([]any)
			if !ok || len(alts) < 2 {
				return fmt.Errorf("%s: $or takes a list of at least two patterns", path)
			}
			for _, a := range alts {
				m, ok := a.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: $or takes objects", path)
				}
				if err := check(m, at); err != nil {
					return err
				}
			}
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			if err := check(x, path); err != nil {
				return err
			}
		case []any:
			if len(x) == 0 {
				return fmt.Errorf("%s: empty list matches nothing", path)
			}
			for _, item := range x {
				if f, ok := item.(map[string]any); ok {
					if err := checkFilter(f, path); err != nil {
						return err
					}
				}
			}
		default:
			return fmt.Errorf("%s: match values must be in a list, like [%v]", path, v)
		}
	}
	return nil
}

func orRoot(at string) string {
	if at == "" {
		return "pattern"
	}
	return at
}

func checkFilter(f map[string]any, path string) error {
	if len(f) != 1 {
		return fmt.Errorf("%s: a filter object has exactly one key", path)
	}
	for op, arg := range f {
		switch op {
		case "prefix", "suffix":
			if _, ok := arg.(string); ok {
				return nil
			}
			if m, ok := arg.(map[string]any); ok {
				if s, ok := m["equals-ignore-case"].(string); ok && len(m) == 1 && s != "" {
					return nil
				}
			}
		case "equals-ignore-case", "wildcard":
			if _, ok := arg.(string); ok {
				return nil
			}
		case "exists":
			if _, ok := arg.(bool); ok {
				return nil
			}
		case "anything-but":
			switch a := arg.(type) {
			case string, json.Number:
				return nil
			case []any:
				if len(a) > 0 {
					return nil
				}
			case map[string]any:
				return checkFilter(a, path)
			}
		case "numeric":
			ops, ok := arg.([]any)
			if !ok || len(ops) == 0 || len(ops)%2 != 0 || len(ops) > 4 {
				return fmt.Errorf("%s: numeric takes one or two [operator, number] pairs", path)
			}
			for i := 0; i < len(ops); i += 2 {
				o, _ := ops[i].(string)
				if _, ok := ops[i+1].(json.Number); !ok || !strings.Contains("= < <= > >=", o) || o == "" {
					return fmt.Errorf("%s: numeric takes operators =, <, <=, >, >= each followed by a number", path)
				}
			}
			return nil
		default:
			return fmt.Errorf("%s: unknown filter %q", path, op)
		}
		return fmt.Errorf("%s: malformed %s filter", path, op)
	}
	return nil
}

// Match reports whether the event (a JSON object) matches the pattern.
func (p *Pattern) Match(event []byte) (bool, error) {
	v, err := decode(event)
	if err != nil {
		return false, fmt.Errorf("event is not JSON: %w", err)
	}
	return p.MatchValue(v), nil
}

// MatchValue is Match for an event decoded with json.Decoder.UseNumber.
func (p *Pattern) MatchValue(event any) bool {
	obj, _ := event.(map[string]any)
	return matchObject(p.root, obj)
}

func matchObject(pattern map[string]any, event map[string]any) bool {
	for k, pv := range pattern {
		if k == "$or" {
			matched := false
			for _, alt := range pv.([]any) {
				if matchObject(alt.(map[string]any), event) {
					matched = true
					break
				}
			}
			if !matched {
				return false
			}
			continue
		}
		ev, present := event[k]
		switch x := pv.(type) {
		case map[string]any:
			sub, ok := ev.(map[string]any)
			if !ok {
				// Only "exists": false can match below a missing object.
				if !matchObject(x, map[string]any{}) {
					return false
				}
				continue
			}
			if !matchObject(x, sub) {
				return false
			}
		case []any:
			if !matchField(x, ev, present) {
				return false
			}
		}
	}
	return true
}

// matchField matches a field against a list of alternatives; an array in
// the event matches when any of its elements does.
func matchField(alts []any, ev any, present bool) bool {
	if arr, ok := ev.([]any); ok && present {
		for _, e := range arr {
			if matchAny(alts, e, true) {
				return true
			}
		}
		return len(arr) == 0 && matchAny(alts, nil, false)
	}
	return matchAny(alts, ev, present)
}

func matchAny(alts []any, ev any, present bool) bool {
	for _, a := range alts {
		if matchOne(a, ev, present) {
			return true
		}
	}
	return false
}

func matchOne(p, ev any, present bool) bool {
	if f, ok := p.(map[string]any); ok {
		return matchFilter(f, ev, present)
	}
	if !present {
		return false
	}
	return equal(p, ev)
}

func equal(p, ev any) bool {
	switch x := p.(type) {
	case nil:
		return ev == nil
	case string:
		s, ok := ev.(string)
		return ok && s == x
	case bool:
		b, ok := ev.(bool)
		return ok && b == x
	case json.Number:
		n, ok := ev.(json.Number)
		return ok && compare(n, x) == 0
	}
	return false
}

func compare(a, b json.Number) int {
	x, okx := new(big.Float).SetString(a.String())
	y, oky := new(big.Float).SetString(b.String())
	if !okx || !oky {
		return strings.Compare(a.String(), b.String())
	}
	return x.Cmp(y)
}

func matchFilter(f map[string]any, ev any, present bool) bool {
	for op, arg := range f {
		if op == "exists" {
			_, isObj := ev.(map[string]any)
			return arg.(bool) == (present && !isObj)
		}
		if !present {
			return false
		}
		s, isString := ev.(string)
		switch op {
		case "prefix", "suffix":
			want, fold := filterText(arg)
			if !isString {
				return false
			}
			if fold {
				s, want = strings.ToLower(s), strings.ToLower(want)
			}
			if op == "prefix" {
				return strings.HasPrefix(s, want)
			}
			return strings.HasSuffix(s, want)
		case "equals-ignore-case":
			return isString && strings.EqualFold(s, arg.(string))
		case "wildcard":
			return isString && wildcard(arg.(string), s)
		case "anything-but":
			switch a := arg.(type) {
			case []any:
				for _, v := range a {
					if equal(v, ev) {
						return false
					}
				}
				return true
			case map[string]any:
				return !matchFilter(a, ev, present)
			default:
				return !equal(a, ev)
			}
		case "numeric":
			n, ok := ev.(json.Number)
			if !ok {
				return false
			}
			ops := arg.([]any)
			for i := 0; i < len(ops); i += 2 {
				c := compare(n, ops[i+1].(json.Number))
				switch ops[i].(string) {
				case "=":
					ok = c == 0
				case "<":
					ok = c < 0
				case "<=":
					ok = c <= 0
				case ">":
					ok = c > 0
				case ">=":
					ok = c >= 0
				}
				if !ok {
					return false
				}
			}
			return true
		}
	}
	return false
}

func filterText(arg any) (string, bool) {
	if s, ok := arg.(string); ok {
		return s, false
	}
	return arg.(map[string]any)["equals-ignore-case"].(string), true
}

// wildcard matches s against a pattern where * stands for any run of
// characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
