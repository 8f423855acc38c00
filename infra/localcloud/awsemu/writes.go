package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/truora/minidyn/server"
)

// Image is an item in DynamoDB's JSON form: attribute name -> {"S": …}.
type Image = map[string]json.RawMessage

// Change is one item a write operation changed, as a DynamoDB stream sees
// it: Old is nil for a new item, New is nil for a deleted one.
type Change struct {
	Table string
	Keys  Image
	Old   Image
	New   Image
}

// ChangeSink receives the changes of every successful write to a table,
// in commit order. It is called with the DynamoDB lock held, so it must
// only hand the changes on (to a queue) and return.
type ChangeSink func([]Change)

// WatchTable makes every later successful write to table report its
// changes to sink: PutItem, UpdateItem, DeleteItem, BatchWriteItem,
// TransactWriteItems and the TTL sweeper's deletions. Writes that change
// nothing report nothing, as DynamoDB Streams writes no record for them.
func (s *Server) WatchTable(table string, sink ChangeSink) {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.sinks == nil {
		s.sinks = map[string]ChangeSink{}
	}
	s.sinks[table] = sink
}

// write is one item a request writes, with what the emulator needs to know
// about it.
type write struct {
	table   string
	key     Image // nil until known (a Put carries the whole item)
	item    Image // a Put's item
	removes []string
	// deletes are the attributes an update's DELETE clause takes set
	// elements from: gone when it takes the last one.
	deletes []string
}

type updateLike struct {
	TableName                string
	Key                      Image
	UpdateExpression         string
	ExpressionAttributeNames map[string]string
}

type putLike struct {
	TableName string
	Item      Image
}

// writesOf lists the items a write request touches; nil for reads.
func writesOf(op string, body []byte) []write {
	var out []write
	switch op {
	case "PutItem":
		var in putLike
		if json.Unmarshal(body, &in) == nil {
			out = append(out, write{table: in.TableName, item: in.Item})
		}
	case "UpdateItem", "DeleteItem":
		var in updateLike
		if json.Unmarshal(body, &in) == nil {
			out = append(out, write{table: in.TableName, key: in.Key,
				removes: clauseNames(in.UpdateExpression, in.ExpressionAttributeNames, "REMOVE"),
				deletes: clauseNames(in.UpdateExpression, in.ExpressionAttributeNames, "DELETE")})
		}
	case "BatchWriteItem":
		var in struct {
			RequestItems map[string][]struct {
				PutRequest    *struct{ Item Image }
				DeleteRequest *struct{ Key Image }
			}
		}
		if json.Unmarshal(body, &in) == nil {
			for table, reqs := range in.RequestItems {
				for _, r := range reqs {
					switch {
					case r.PutRequest != nil:
						out = append(out, write{table: table, item: r.PutRequest.Item})
					case r.DeleteRequest != nil:
						out = append(out, write{table: table, key: r.DeleteRequest.Key})
					}
				}
			}
		}
	case "TransactWriteItems":
		var in struct {
			TransactItems []struct {
				Put    *putLike
				Update *updateLike
				Delete *updateLike
			}
		}
		if json.Unmarshal(body, &in) == nil {
			for _, it := range in.TransactItems {
				switch {
				case it.Put != nil:
					out = append(out, write{table: it.Put.TableName, item: it.Put.Item})
				case it.Update != nil:
					out = append(out, write{table: it.Update.TableName, key: it.Update.Key,
						removes: clauseNames(it.Update.UpdateExpression, it.Update.ExpressionAttributeNames, "REMOVE"),
						deletes: clauseNames(it.Update.UpdateExpression, it.Update.ExpressionAttributeNames, "DELETE")})
				case it.Delete != nil:
					out = append(out, write{table: it.Delete.TableName, key: it.Delete.Key})
				}
			}
		}
	}
	return out
}

var clauseKeyword = regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`)

// clauseNames returns the top-level attributes an update expression's
// clause (REMOVE, or DELETE) names (nested paths are left out).
func clauseNames(expr string, names map[string]string, clause string) []string {
	locs := clauseKeyword.FindAllStringSubmatchIndex(expr, -1)
	var out []string
	for i, loc := range locs {
		if !strings.EqualFold(expr[loc[2]:loc[3]], clause) {
			continue
		}
		end := len(expr)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		for _, part := range strings.Split(expr[loc[1]:end], ",") {
			// A DELETE names the attribute, then the value to take out.
			name, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			if name == "" || strings.ContainsAny(name, ".[") {
				continue
			}
			if alias, ok := names[name]; ok {
				name = alias
			}
			out = append(out, name)
		}
	}
	return out
}

// keyOf returns w's primary key; nil for a table the emulator does not
// know. The caller holds dbMu.
func (s *Server) keyOf(w write) Image {
	if w.key != nil {
		return w.key
	}
	meta := s.table(w.table)
	if meta == nil {
		return nil
	}
	key := Image{}
	for _, n := range meta.key.attrs() {
		key[n] = w.item[n]
	}
	return key
}

// itemCall runs a single-item operation on the partition holding the item.
// The caller holds dbMu.
func (s *Server) itemCall(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	rec := s.serveItemOp(ctx, op, body)
	if rec.Code != http.StatusOK {
		return answerError(op, rec)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(rec.Body.Bytes(), out)
}

// getImage reads an item consistently; nil when it does not exist. The
// caller holds dbMu.
func (s *Server) getImage(ctx context.Context, table string, key Image) Image {
	var out struct{ Item Image }
	if err := s.itemCall(ctx, "GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true}, &out); err != nil {
		return nil
	}
	if len(out.Item) == 0 {
		return nil
	}
	return out.Item
}

// beforeWrite reads the items a write will change on watched tables, for
// the stream's INSERT/MODIFY decision, on tables with indexes, to see an
// item leave an index (indexentry.go), on every table while capacity is
// metered (a write is charged by the larger of its before and after), and
// for every update with a DELETE clause (applyRemoves). The caller holds
// dbMu.
func (s *Server) beforeWrite(ctx context.Context, ws []write) []Change {
	var out []Change
	for _, w := range ws {
		if s.sinks[w.table] == nil && s.meter == nil && !s.indexed(w.table) && len(w.deletes) == 0 {
			continue
		}
		key := s.keyOf(w)
		if key == nil {
			continue
		}
		out = append(out, Change{Table: w.table, Keys: key, Old: s.getImage(ctx, w.table, key)})
	}
	return out
}

// afterWrite applies the REMOVE fix, then reads the new images, takes
// the items that left an index out of it, and hands the changes to the
// sinks. It returns before with every new image filled in, changed or
// not, for the capacity meter. The caller holds dbMu.
func (s *Server) afterWrite(ctx context.Context, ws []write, before []Change) []Change {
	for _, w := range ws {
		if len(w.removes) > 0 || len(w.deletes) > 0 {
			s.applyRemoves(ctx, w.table, w.key, w.removes, w.deletes, oldImage(before, w))
		}
	}
	byTable := map[string][]Change{}
	var order []string
	for i := range before {
		before[i].New = s.getImage(ctx, before[i].Table, before[i].Keys)
		c := before[i]
		s.leaveIndexes(ctx, c)
		if s.sinks[c.Table] == nil || c.Old == nil && c.New == nil || sameImage(c.Old, c.New) {
			continue
		}
		if _, ok := byTable[c.Table]; !ok {
			order = append(order, c.Table)
		}
		byTable[c.Table] = append(byTable[c.Table], c)
	}
	for _, t := range order {
		s.sinks[t](byTable[t])
	}
	return before
}

// applyRemoves makes an update's REMOVE clause take effect. minidyn
// evaluates REMOVE but never deletes the attribute from the stored item,
// so the emulator writes the item back without the removed attributes
// (an item that loses an index's keys so is taken out of the index by
// leaveIndexes). The caller holds dbMu. Likewise minidyn keeps a set
// whose last element a DELETE took out as an empty set, which DynamoDB
// never stores (the attribute goes) and a stream reader cannot read; and
// a DELETE of an attribute the item does not have (old, the item before
// the write) writes the elements to take out as the attribute's value,
// where DynamoDB leaves the item without it. Two closes of one socket
// would so put the socket back among an agent's open ones.
func (s *Server) applyRemoves(ctx context.Context, table string, key Image, removes, deletes []string, old Image) {
	it := s.getImage(ctx, table, key)
	if it == nil {
		return
	}
	changed := false
	for _, name := range removes {
		if _, ok := it[name]; ok {
			delete(it, name)
			changed = true
		}
	}
	for _, name := range deletes {
		_, had := old[name]
		if v, ok := it[name]; ok && (emptySet(v) || !had) {
			delete(it, name)
			changed = true
		}
	}
	if !changed {
		return
	}
	if err := s.itemCall(ctx, "PutItem", map[string]any{"TableName": table, "Item": it}, nil); err != nil {
		s.log.Warn("apply REMOVE", "table", table, "error", err)
	}
}

// oldImage is the item w wrote as it was before the write (beforeWrite
// reads it for every update with a DELETE clause); nil when it did not
// exist.
func oldImage(before []Change, w write) Image {
	for _, c := range before {
		if c.Table == w.table && sameImage(c.Keys, w.key) {
			return c.Old
		}
	}
	return nil
}

// emptySet tells whether an attribute value is a set with no elements
// (minidyn writes it as {} or with an empty list).
func emptySet(v json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return false
	}
	if len(m) == 0 {
		return true
	}
	for _, t := range []string{"SS", "NS", "BS"} {
		if l, ok := m[t]; ok && len(m) == 1 {
			var elems []json.RawMessage
			return json.Unmarshal(l, &elems) == nil && len(elems) == 0
		}
	}
	return false
}

func sameImage(a, b Image) bool {
	if len(a) != len(b) || a == nil || b == nil {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(compactJSON(v), compactJSON(w)) {
			return false
		}
	}
	return true
}

func compactJSON(v json.RawMessage) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, v) != nil {
		return v
	}
	// Sets may come back in any order; compare them sorted.
	var set map[string][]string
	if json.Unmarshal(buf.Bytes(), &set) == nil && len(set) == 1 {
		for t, vs := range set {
			if t == "SS" || t == "NS" || t == "BS" {
				slices.Sort(vs)
				b, _ := json.Marshal(map[string][]string{t: vs})
				return b
			}
		}
	}
	return buf.Bytes()
}

// imageOf converts minidyn's attribute values to an Image.
func imageOf(v map[string]*server.AttributeValue) Image {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out Image
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
