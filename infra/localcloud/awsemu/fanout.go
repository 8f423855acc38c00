package awsemu

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"

	"github.com/truora/minidyn/server"
)

// serveQuery sends a base-table query whose key condition names its
// partition key value to that one partition, and merges every other query
// (of an index, or with a condition the emulator cannot read) over all
// partitions. The caller holds dbMu.
func (s *Server) serveQuery(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	req, meta, rec := s.tableOf(ctx, "Query", body)
	if rec != nil {
		return rec
	}
	index := req.str("IndexName")
	if index != "" {
		if _, ok := meta.indexes[index]; !ok {
			return errorRecorder(http.StatusBadRequest, "ValidationException", "The table does not have the specified index: "+index)
		}
		return s.fanOut(ctx, meta, req, false, s.allPartitions())
	}
	var names map[string]string
	if raw, ok := req["ExpressionAttributeNames"]; ok {
		_ = json.Unmarshal(raw, &names)
	}
	v, ok := partitionKeyValue(meta, req.str("KeyConditionExpression"), names, req.attrs("ExpressionAttributeValues"))
	if !ok {
		return s.fanOut(ctx, meta, req, false, s.allPartitions())
	}
	p := s.partitionOf(v)
	if req.str("FilterExpression") != "" {
		// minidyn counts every item it walks past towards Limit once a
		// filter is set; the merge below counts as DynamoDB does.
		return s.fanOut(ctx, meta, req, false, []int{p})
	}
	req.set("TableName", partitionTable(meta.name, p))
	return s.rawDynamo(ctx, "Query", req.body())
}

// serveScan walks every partition in turn. The caller holds dbMu.
func (s *Server) serveScan(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	req, meta, rec := s.tableOf(ctx, "Scan", body)
	if rec != nil {
		return rec
	}
	if index := req.str("IndexName"); index != "" {
		if _, ok := meta.indexes[index]; !ok {
			return errorRecorder(http.StatusBadRequest, "ValidationException", "The table does not have the specified index: "+index)
		}
	}
	return s.fanOut(ctx, meta, req, true, s.allPartitions())
}

func (s *Server) allPartitions() []int {
	out := make([]int, s.partitions)
	for i := range out {
		out[i] = i
	}
	return out
}

var (
	andSplit    = regexp.MustCompile(`(?i)\s+AND\s+`)
	orNot       = regexp.MustCompile(`(?i)\b(OR|NOT)\b`)
	keyEquality = regexp.MustCompile(`^\(*\s*(#?[A-Za-z0-9_.\-]+)\s*=\s*(:[A-Za-z0-9_]+)\s*\)*$`)
)

// partitionKeyValue finds the "partitionKey = :value" term of a key
// condition. It reports false when it cannot be sure, and the query is then
// merged over all partitions, which gives the same answer more slowly.
func partitionKeyValue(meta *tableMeta, cond string, names map[string]string, values map[string]*server.AttributeValue) (*server.AttributeValue, bool) {
	if cond == "" || orNot.MatchString(cond) {
		return nil, false
	}
	for _, term := range andSplit.Split(strings.TrimSpace(cond), -1) {
		m := keyEquality.FindStringSubmatch(strings.TrimSpace(term))
		if m == nil {
			continue
		}
		name := m[1]
		if strings.HasPrefix(name, "#") {
			name = names[name]
		}
		if name == meta.key.hash {
			v := values[m[2]]
			return v, v != nil
		}
	}
	return nil, false
}

// fanOutEntry is an item read from one partition.
type fanOutEntry struct {
	item      map[string]*server.AttributeValue
	partition int
}

// fanOutQuery holds what a merged query or scan needs to order, page and
// trim its items.
type fanOutQuery struct {
	s       *Server
	meta    *tableMeta
	scan    bool
	index   keySchema // the index queried or scanned; the table's key when none
	byIndex bool
	forward bool
}

// fanOut answers a Query or Scan from the given partitions as DynamoDB
// would from one table:
//
//   - every partition is asked for all its matching items, without Limit
//     or ExclusiveStartKey, with the key attributes added to any
//     ProjectionExpression so the items can be ordered;
//   - the items are ordered as DynamoDB orders them: a query by the sort
//     key of the table or index (then, for an index, by the table's key),
//     reversed when ScanIndexForward is false; a scan by partition, then by
//     key, which is stable from page to page;
//   - items up to and including ExclusiveStartKey are dropped, and Limit
//     cuts the page after that many items evaluated. With a
//     FilterExpression the items evaluated are those the key condition
//     matched, filtered out or not, so their keys are read in a second
//     round without the filter;
//   - LastEvaluatedKey is the key of the last item evaluated when Limit
//     stopped the page, as in DynamoDB, even if nothing follows it.
//
// The caller holds dbMu.
func (s *Server) fanOut(ctx context.Context, meta *tableMeta, req rawRequest, scan bool, partitions []int) *httptest.ResponseRecorder {
	op := "Query"
	if scan {
		op = "Scan"
	}
	var in struct {
		Limit                    *int32
		ScanIndexForward         *bool
		ExclusiveStartKey        map[string]*server.AttributeValue
		ExpressionAttributeNames map[string]string
		ProjectionExpression     string
		FilterExpression         string
		KeyConditionExpression   string
		IndexName                string
	}
	if err := json.Unmarshal(req.body(), &in); err != nil {
		return errorRecorder(http.StatusBadRequest, "SerializationException", "malformed "+op+" request")
	}
	if in.Limit != nil && *in.Limit <= 0 {
		return errorRecorder(http.StatusBadRequest, "ValidationException",
			"1 validation error detected: Value '"+fmt.Sprint(*in.Limit)+"' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	}
	q := &fanOutQuery{s: s, meta: meta, scan: scan, index: meta.key, forward: in.ScanIndexForward == nil || *in.ScanIndexForward || scan}
	if in.IndexName != "" {
		q.index, q.byIndex = meta.indexes[in.IndexName], true
	}
	keyAttrs := q.keyAttrs()
	if len(in.ExclusiveStartKey) > 0 {
		for _, a := range keyAttrs {
			if in.ExclusiveStartKey[a] == nil {
				return errorRecorder(http.StatusBadRequest, "ValidationException", "The provided starting key is invalid: missing key attribute "+a)
			}
		}
	}

	// Round one: the items, with their keys.
	first := req.clone()
	delete(first, "Limit")
	delete(first, "ExclusiveStartKey")
	added := map[string]bool{}
	if in.ProjectionExpression != "" {
		wanted := projectedAttrs(in.ProjectionExpression, in.ExpressionAttributeNames)
		names := cloneNames(in.ExpressionAttributeNames)
		proj := in.ProjectionExpression
		for i, a := range keyAttrs {
			if wanted[a] {
				continue
			}
			ph := fmt.Sprintf("#awsemuKey%d", i)
			names[ph] = a
			proj += ", " + ph
			added[a] = true
		}
		first.set("ProjectionExpression", proj)
		first.set("ExpressionAttributeNames", names)
	}
	items, rec := s.readPartitions(ctx, op, meta, first, partitions)
	if rec != nil {
		return rec
	}

	// Round two, for a filtered read: the keys of every item the key
	// condition matches, which Limit and ScannedCount count.
	evaluated := items
	if in.FilterExpression != "" {
		second := req.clone()
		for _, f := range []string{"Limit", "ExclusiveStartKey", "FilterExpression", "ProjectionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"} {
			delete(second, f)
		}
		names := usedNames(in.KeyConditionExpression, in.ExpressionAttributeNames)
		phs := make([]string, 0, len(keyAttrs))
		for i, a := range keyAttrs {
			ph := fmt.Sprintf("#awsemuKey%d", i)
			names[ph] = a
			phs = append(phs, ph)
		}
		second.set("ProjectionExpression", strings.Join(phs, ", "))
		second.set("ExpressionAttributeNames", names)
		if values := usedValues(in.KeyConditionExpression, req.attrs("ExpressionAttributeValues")); len(values) > 0 {
			second.set("ExpressionAttributeValues", values)
		}
		keys, rec := s.readPartitions(ctx, op, meta, second, partitions)
		if rec != nil {
			return rec
		}
		evaluated = keys
	}

	slices.SortStableFunc(items, q.compare)
	slices.SortStableFunc(evaluated, q.compare)
	if len(in.ExclusiveStartKey) > 0 {
		start := fanOutEntry{item: in.ExclusiveStartKey, partition: s.partitionOf(in.ExclusiveStartKey[meta.key.hash])}
		after := func(list []fanOutEntry) []fanOutEntry {
			i, _ := slices.BinarySearchFunc(list, start, func(e, t fanOutEntry) int {
				if q.compare(e, t) <= 0 {
					return -1
				}
				return 1
			})
			return list[i:]
		}
		items, evaluated = after(items), after(evaluated)
	}
	var last map[string]*server.AttributeValue
	if in.Limit != nil && len(evaluated) >= int(*in.Limit) {
		cut := evaluated[*in.Limit-1]
		evaluated = evaluated[:*in.Limit]
		n, _ := slices.BinarySearchFunc(items, cut, func(e, t fanOutEntry) int {
			if q.compare(e, t) <= 0 {
				return -1
			}
			return 1
		})
		items = items[:n]
		last = map[string]*server.AttributeValue{}
		for _, a := range keyAttrs {
			last[a] = cut.item[a]
		}
	}

	out := struct {
		Items            []map[string]*server.AttributeValue
		Count            int
		ScannedCount     int
		LastEvaluatedKey map[string]*server.AttributeValue `json:",omitempty"`
	}{Items: make([]map[string]*server.AttributeValue, 0, len(items)), Count: len(items), ScannedCount: len(evaluated), LastEvaluatedKey: last}
	for _, e := range items {
		for a := range added {
			delete(e.item, a)
		}
		out.Items = append(out.Items, e.item)
	}
	return jsonRecorder(out)
}

// readPartitions runs a Query or Scan without Limit on each partition and
// returns all the items, or the first error answer.
func (s *Server) readPartitions(ctx context.Context, op string, meta *tableMeta, req rawRequest, partitions []int) ([]fanOutEntry, *httptest.ResponseRecorder) {
	var entries []fanOutEntry
	for _, p := range partitions {
		req.set("TableName", partitionTable(meta.name, p))
		rec := s.rawDynamo(ctx, op, req.body())
		if rec.Code != http.StatusOK {
			return nil, rec
		}
		var out struct {
			Items []map[string]*server.AttributeValue
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			return nil, errorRecorder(http.StatusInternalServerError, "InternalServerError", "decode "+op+": "+err.Error())
		}
		for _, it := range out.Items {
			entries = append(entries, fanOutEntry{item: it, partition: p})
		}
	}
	return entries, nil
}

// keyAttrs are the attributes of a LastEvaluatedKey: the table's key, and
// the index's when one is read.
func (q *fanOutQuery) keyAttrs() []string {
	attrs := q.meta.key.attrs()
	if q.byIndex {
		for _, a := range q.index.attrs() {
			if !slices.Contains(attrs, a) {
				attrs = append(attrs, a)
			}
		}
	}
	return attrs
}

func (q *fanOutQuery) compare(a, b fanOutEntry) int {
	if q.scan {
		if c := cmp.Compare(a.partition, b.partition); c != 0 {
			return c
		}
		return q.compareTableKey(a, b)
	}
	c := 0
	if q.index.rng != "" {
		c = compareValues(a.item[q.index.rng], b.item[q.index.rng])
	}
	if c == 0 && q.byIndex {
		c = q.compareTableKey(a, b)
	}
	if !q.forward {
		c = -c
	}
	return c
}

func (q *fanOutQuery) compareTableKey(a, b fanOutEntry) int {
	if c := compareValues(a.item[q.meta.key.hash], b.item[q.meta.key.hash]); c != 0 || q.meta.key.rng == "" {
		return c
	}
	return compareValues(a.item[q.meta.key.rng], b.item[q.meta.key.rng])
}

// compareValues orders key values as DynamoDB does: strings and binaries by
// their bytes, numbers by value. A missing value sorts first.
func compareValues(a, b *server.AttributeValue) int {
	switch {
	case a == nil || b == nil:
		return cmp.Compare(boolInt(a != nil), boolInt(b != nil))
	case a.S != nil && b.S != nil:
		return strings.Compare(*a.S, *b.S)
	case a.N != nil && b.N != nil:
		x, okx := new(big.Rat).SetString(*a.N)
		y, oky := new(big.Rat).SetString(*b.N)
		if okx && oky {
			return x.Cmp(y)
		}
		return strings.Compare(*a.N, *b.N)
	case a.B != nil && b.B != nil:
		return bytes.Compare(a.B, b.B)
	}
	return cmp.Compare(typeRank(a), typeRank(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func typeRank(v *server.AttributeValue) int {
	switch {
	case v.B != nil:
		return 1
	case v.N != nil:
		return 2
	case v.S != nil:
		return 3
	}
	return 0
}

// projectedAttrs returns the top-level attributes a ProjectionExpression
// names.
func projectedAttrs(projection string, names map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, path := range strings.Split(projection, ",") {
		head := strings.TrimSpace(path)
		if i := strings.IndexAny(head, ".["); i >= 0 {
			head = head[:i]
		}
		if strings.HasPrefix(head, "#") {
			head = names[head]
		}
		out[head] = true
	}
	return out
}

var (
	namePlaceholder  = regexp.MustCompile(`#[A-Za-z0-9_]+`)
	valuePlaceholder = regexp.MustCompile(`:[A-Za-z0-9_]+`)
)

// usedNames returns the expression attribute names expr uses: DynamoDB
// refuses unused ones.
func usedNames(expr string, names map[string]string) map[string]string {
	out := map[string]string{}
	for _, n := range namePlaceholder.FindAllString(expr, -1) {
		if v, ok := names[n]; ok {
			out[n] = v
		}
	}
	return out
}

// usedValues returns the expression attribute values expr uses.
func usedValues(expr string, values map[string]*server.AttributeValue) map[string]*server.AttributeValue {
	out := map[string]*server.AttributeValue{}
	for _, n := range valuePlaceholder.FindAllString(expr, -1) {
		if v, ok := values[n]; ok {
			out[n] = v
		}
	}
	return out
}

func cloneNames(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}
