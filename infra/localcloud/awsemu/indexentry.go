package awsemu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/truora/minidyn/server"
)

// Why some updates go through a scratch table: minidyn's UpdateItem files
// an item that enters a secondary index for the first time (the item had
// none of the index's keys before) over the first entry of the index's
// sorted key list, so another item silently drops out of the index.
// PutItem files a new entry correctly. An update that can give an item an
// index's keys is therefore applied to a copy of the item in a table of
// the same key schema without indexes, which checks the condition and
// evaluates the expression exactly as the partition would, and its result
// is put into the partition.

// scratchTable names the index-less table of a DynamoDB table's updates.
func scratchTable(table string) string { return table + "\x1fscratch" }

// createScratch creates the scratch table from the table's own creation
// request, without its indexes.
func (s *Server) createScratch(ctx context.Context, req rawRequest) *httptest.ResponseRecorder {
	name := req.str("TableName")
	scratch := req.clone()
	scratch.set("TableName", scratchTable(name))
	scratch.set("GlobalSecondaryIndexes", nil)
	scratch.set("LocalSecondaryIndexes", nil)
	return s.rawDynamo(ctx, "CreateTable", scratch.body())
}

// mayEnterIndex tells whether an update expression names a key attribute
// of one of the table's indexes (directly or through an alias), so that it
// may add the item to that index.
func mayEnterIndex(meta *tableMeta, expr string, names map[string]string) bool {
	for _, ix := range meta.indexes {
		for _, attr := range ix.attrs() {
			if strings.Contains(expr, attr) {
				return true
			}
			for alias, name := range names {
				if name == attr && strings.Contains(expr, alias) {
					return true
				}
			}
		}
	}
	return false
}

// inEveryIndex tells whether an item already has the hash key of every
// index it could be in.
func inEveryIndex(meta *tableMeta, item map[string]*server.AttributeValue) bool {
	for _, ix := range meta.indexes {
		if item[ix.hash] == nil {
			return false
		}
	}
	return true
}

// updateItem applies an UpdateItem, whose TableName is already the item's
// partition, through the scratch table when it may add the item to an
// index. The caller holds dbMu.
func (s *Server) updateItem(ctx context.Context, meta *tableMeta, req rawRequest) *httptest.ResponseRecorder {
	var names map[string]string
	if raw, ok := req["ExpressionAttributeNames"]; ok {
		_ = json.Unmarshal(raw, &names)
	}
	if !mayEnterIndex(meta, req.str("UpdateExpression"), names) {
		return s.rawDynamo(ctx, "UpdateItem", req.body())
	}
	partition, key := req.str("TableName"), req.attrs("Key")
	old, rec := s.getItem(ctx, partition, key)
	if rec != nil {
		return rec
	}
	if old != nil && inEveryIndex(meta, old) {
		return s.rawDynamo(ctx, "UpdateItem", req.body())
	}
	scratch := scratchTable(meta.name)
	defer s.rawDynamoJSON(ctx, "DeleteItem", server.DeleteItemInput{TableName: &scratch, Key: key})
	if old != nil {
		if rec := s.rawDynamoJSON(ctx, "PutItem", server.PutItemInput{TableName: &scratch, Item: old}); rec.Code != http.StatusOK {
			return rec
		}
	}
	onScratch := req.clone()
	onScratch.set("TableName", scratch)
	answer := s.rawDynamo(ctx, "UpdateItem", onScratch.body())
	if answer.Code != http.StatusOK {
		return answer
	}
	updated, rec := s.getItem(ctx, scratch, key)
	if rec != nil {
		return rec
	}
	if rec := s.rawDynamoJSON(ctx, "PutItem", server.PutItemInput{TableName: &partition, Item: updated}); rec.Code != http.StatusOK {
		return rec
	}
	return answer
}

// getItem reads one item of a minidyn table; nil when absent. The caller
// holds dbMu.
func (s *Server) getItem(ctx context.Context, table string, key map[string]*server.AttributeValue) (map[string]*server.AttributeValue, *httptest.ResponseRecorder) {
	rec := s.rawDynamoJSON(ctx, "GetItem", server.GetItemInput{TableName: &table, Key: key, ConsistentRead: new(true)})
	if rec.Code != http.StatusOK {
		return nil, rec
	}
	var out server.GetItemOutput
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return nil, errorRecorder(http.StatusInternalServerError, "InternalServerError", "decode GetItem: "+err.Error())
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// Why an item that leaves an index is deleted and written again: minidyn
// keeps an index as a map from item to entry and a sorted list of the
// entries, and its Query walks the two side by side, skipping an item
// whose entries do not line up. A write that takes an index's key
// attributes from an item (a REMOVE, or a Put without them) leaves the
// item's old entry in both, where no query matches it. Once that item is
// deleted (also by the roll-back of a transaction that wrote it, see
// rollBack), the map loses the entry but the list keeps it, and from then
// on every entry after it in the partition's index is skipped by every
// Query: items drop out of the index silently and for good (an open
// conversation's inactivity timer that no sweep lists again). So when a
// write took an item out of an index, the emulator puts the item back as
// it was, deletes it, which takes its entries out of the map and the list
// alike, and puts it as the write left it.

// indexed tells whether table has secondary indexes. The caller holds
// dbMu.
func (s *Server) indexed(table string) bool {
	meta := s.table(table)
	return meta != nil && len(meta.indexes) > 0
}

// leaveIndexes takes an item that a write took out of an index out of
// minidyn's bookkeeping of that index. The caller holds dbMu.
func (s *Server) leaveIndexes(ctx context.Context, c Change) {
	meta := s.table(c.Table)
	if meta == nil || c.Old == nil || c.New == nil || !leftIndex(meta, c.Old, c.New) {
		return
	}
	steps := []struct {
		op string
		in map[string]any
	}{
		{"PutItem", map[string]any{"TableName": c.Table, "Item": c.Old}},
		{"DeleteItem", map[string]any{"TableName": c.Table, "Key": c.Keys}},
		{"PutItem", map[string]any{"TableName": c.Table, "Item": c.New}},
	}
	for _, st := range steps {
		if err := s.itemCall(ctx, st.op, st.in, nil); err != nil {
			s.log.Error("take an item out of an index", "table", c.Table, "step", st.op, "error", err)
			return
		}
	}
}

// leftIndex tells whether an item had the key attributes of one of the
// table's indexes before a write and has them no longer.
func leftIndex(meta *tableMeta, before, after Image) bool {
	for _, ix := range meta.indexes {
		if hasAttrs(before, ix.attrs()) && !hasAttrs(after, ix.attrs()) {
			return true
		}
	}
	return false
}

func hasAttrs(it Image, names []string) bool {
	for _, n := range names {
		if _, ok := it[n]; !ok {
			return false
		}
	}
	return true
}
