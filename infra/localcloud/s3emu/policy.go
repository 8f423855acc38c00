package s3emu

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The POST policy: its signature (SigV4: an HMAC of the base64 policy with
// the signing key of the credential's scope), its expiration and its
// conditions, checked in this order as S3 does.

// signatureMismatch is S3's message for a signature it did not compute.
const signatureMismatch = "The request signature we calculated does not match the signature you provided. Check your key and signing method."

// sigV4Fields are the fields a signed form must carry, as S3 names them
// in its errors.
var sigV4Fields = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature"}

// checkPost authorises an upload: a form without a policy is anonymous
// (refused by a private bucket); one with a policy must be signed by a
// known key and satisfy the policy.
func (s *Server) checkPost(bucket string, f *postForm) *s3Error {
	encoded, ok := f.fields["policy"]
	if !ok {
		if s.private {
			return accessDenied("Access Denied")
		}
		return nil
	}
	if e := s.checkPolicySignature(f, encoded); e != nil {
		return e
	}
	p, e := parsePolicy(encoded)
	if e != nil {
		return e
	}
	if s.now().After(p.expiration) {
		return accessDenied("Invalid according to Policy: Policy expired.")
	}
	return p.check(bucket, f)
}

func accessDenied(msg string) *s3Error {
	return &s3Error{status: http.StatusForbidden, Code: "AccessDenied", Message: msg}
}

func invalidArgument(name, value, msg string) *s3Error {
	return &s3Error{status: http.StatusBadRequest, Code: "InvalidArgument", Message: msg, ArgumentName: name, ArgumentValue: value}
}

func (s *Server) checkPolicySignature(f *postForm, policy string) *s3Error {
	for _, name := range sigV4Fields {
		if _, ok := f.fields[strings.ToLower(name)]; !ok {
			return missingField(name)
		}
	}
	if alg := f.fields["x-amz-algorithm"]; alg != "AWS4-HMAC-SHA256" {
		return invalidArgument("X-Amz-Algorithm", alg, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	cred := f.fields["x-amz-credential"]
	scope := strings.Split(cred, "/")
	switch {
	case len(scope) != 5:
		return invalidArgument("X-Amz-Credential", cred, `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	case !validDate(scope[1]):
		return invalidArgument("X-Amz-Credential", cred, fmt.Sprintf(`incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, scope[1]))
	case scope[3] != "s3":
		return invalidArgument("X-Amz-Credential", cred, fmt.Sprintf(`incorrect service %q. This endpoint belongs to "s3".`, scope[3]))
	case scope[4] != "aws4_request":
		return invalidArgument("X-Amz-Credential", cred, fmt.Sprintf(`incorrect terminal %q. This endpoint uses "aws4_request".`, scope[4]))
	}
	if date := f.fields["x-amz-date"]; !validTime(date) {
		return invalidArgument("X-Amz-Date", date, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	secret, ok := s.credentials[scope[0]]
	if !ok {
		return &s3Error{status: http.StatusForbidden, Code: "InvalidAccessKeyId", Message: "The AWS Access Key Id you provided does not exist in our records."}
	}
	key := []byte("AWS4" + secret)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, policy))
	if !hmac.Equal([]byte(want), []byte(f.fields["x-amz-signature"])) {
		return &s3Error{status: http.StatusForbidden, Code: "SignatureDoesNotMatch", Message: signatureMismatch}
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func validDate(s string) bool {
	_, err := time.Parse("20060102", s)
	return err == nil
}

func validTime(s string) bool {
	_, err := time.Parse("20060102T150405Z", s)
	return err == nil
}

// policy is a decoded POST policy.
type policy struct {
	expiration time.Time
	conditions []condition
}

// condition is one of a policy's conditions.
type condition struct {
	op       string // eq, starts-with or content-length-range
	field    string // lower case, without the $
	name     string // as the policy spells it, for S3's messages
	value    string
	min, max int64
}

// startsWith are the fields a starts-with condition may test (besides
// x-amz-meta-*); S3 matches the others exactly.
var startsWith = map[string]bool{
	"key": true, "acl": true, "cache-control": true, "content-type": true, "content-disposition": true,
	"content-encoding": true, "expires": true, "success_action_redirect": true, "redirect": true,
}

// invalidPolicy is S3's answer to a policy document it cannot read. The
// common cases use S3's words; the wording of the rarer ones is ours.
func invalidPolicy(format string, args ...any) *s3Error {
	return &s3Error{status: http.StatusBadRequest, Code: "InvalidPolicyDocument", Message: "Invalid Policy: " + fmt.Sprintf(format, args...)}
}

func parsePolicy(encoded string) (*policy, *s3Error) {
	doc, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, invalidPolicy("invalid Base64 encoding.")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil || top == nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	for k := range top {
		if k != "expiration" && k != "conditions" {
			return nil, invalidPolicy("Unexpected: %q", k)
		}
	}
	rawExp, ok := top["expiration"]
	if !ok {
		return nil, invalidPolicy("Policy missing expiration.")
	}
	var p policy
	var exp string
	if err := json.Unmarshal(rawExp, &exp); err != nil {
		return nil, invalidPolicy("Invalid 'expiration' value: '%s'", rawExp)
	}
	if p.expiration, err = time.Parse(time.RFC3339, exp); err != nil {
		return nil, invalidPolicy("Invalid 'expiration' value: '%s'", exp)
	}
	rawConds, ok := top["conditions"]
	if !ok {
		return nil, invalidPolicy("Policy missing conditions.")
	}
	var conds []json.RawMessage
	if err := json.Unmarshal(rawConds, &conds); err != nil {
		return nil, invalidPolicy("Invalid 'conditions' value: must be a List.")
	}
	for _, raw := range conds {
		c, e := parseCondition(raw)
		if e != nil {
			return nil, e
		}
		p.conditions = append(p.conditions, c)
	}
	return &p, nil
}

func parseCondition(raw json.RawMessage) (condition, *s3Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return condition{}, invalidPolicy("Invalid JSON.")
		}
		if len(obj) != 1 {
			return condition{}, invalidPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for name, v := range obj {
			value, ok := v.(string)
			if !ok {
				return condition{}, invalidPolicy("Invalid Simple-Condition: value must be a string.")
			}
			return condition{op: "eq", field: strings.ToLower(name), name: name, value: value}, nil
		}
	}
	var list []any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil {
		return condition{}, invalidPolicy("Invalid condition test: must be a List or Object.")
	}
	if len(list) == 0 {
		return condition{}, invalidPolicy("Invalid Condition: missing operation identifier.")
	}
	op, _ := list[0].(string)
	op = strings.ToLower(op)
	switch op {
	case "eq", "starts-with":
		if len(list) != 3 {
			return condition{}, invalidPolicy("Invalid %s: wrong number of arguments.", op)
		}
		name, ok1 := list[1].(string)
		value, ok2 := list[2].(string)
		if !ok1 || !ok2 || !strings.HasPrefix(name, "$") {
			return condition{}, invalidPolicy(`Invalid %s: expecting ["%s", "$field", "value"].`, op, op)
		}
		return condition{op: op, field: strings.ToLower(name[1:]), name: name[1:], value: value}, nil
	case "content-length-range":
		if len(list) != 3 {
			return condition{}, invalidPolicy("Invalid content-length-range: wrong number of arguments.")
		}
		lo, err1 := wholeNumber(list[1])
		hi, err2 := wholeNumber(list[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return condition{}, invalidPolicy("Invalid content-length-range: expecting two whole numbers, the smaller first.")
		}
		return condition{op: op, min: lo, max: hi}, nil
	}
	return condition{}, invalidPolicy("Invalid Condition: unknown operation '%v'.", list[0])
}

func wholeNumber(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%v is not a number", v)
	}
	return n.Int64()
}

// check matches the form against the conditions, in the policy's order,
// then refuses any field no condition names.
func (p *policy) check(bucket string, f *postForm) *s3Error {
	covered := map[string]bool{}
	for _, c := range p.conditions {
		if c.op == "content-length-range" {
			size := int64(len(f.data))
			if size > c.max {
				return tooLarge(size, c.max)
			}
			if size < c.min {
				return tooSmall(size, c.min)
			}
			continue
		}
		covered[c.field] = true
		value, present := f.fields[c.field]
		if c.field == "bucket" {
			value, present = bucket, true
		}
		if !present || !c.holds(value) {
			return accessDenied("Invalid according to Policy: Policy Condition failed: " + c.String())
		}
	}
	var extra []string
	for _, name := range f.names {
		if name != "policy" && name != "x-amz-signature" && !strings.HasPrefix(name, "x-ignore-") && !covered[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		return accessDenied("Invalid according to Policy: Extra input fields: " + strings.Join(extra, ", "))
	}
	return nil
}

// holds reports whether a field's value satisfies the condition. A
// Content-Type of several types (comma-separated) satisfies starts-with
// only if every one of them does.
func (c condition) holds(value string) bool {
	if c.op == "eq" {
		return value == c.value
	}
	if !startsWith[c.field] && !strings.HasPrefix(c.field, metaPrefix) {
		return false
	}
	if c.field != "content-type" {
		return strings.HasPrefix(value, c.value)
	}
	for v := range strings.SplitSeq(value, ",") {
		if !strings.HasPrefix(strings.TrimSpace(v), c.value) {
			return false
		}
	}
	return true
}

// String renders the condition as S3 does in its messages:
// ["eq", "$key", "uploads/a"].
func (c condition) String() string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode([]string{c.op, "$" + c.name, c.value})
	return strings.ReplaceAll(strings.TrimSpace(b.String()), `","`, `", "`)
}
