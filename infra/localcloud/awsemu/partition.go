package awsemu

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/big"
	"net/http"
	"net/http/httptest"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// Why tables are partitioned: minidyn keeps a table as one sorted key list.
// Its Query walks every key of the table (or index), evaluating the key
// condition on each item, and its inserts re-sort the list, so every call
// costs time in proportion to the whole table: a conversation's ten items
// took 10 ms to query in a 1,000-item table and 660 ms in a 50,000-item one.
// The emulator therefore spreads each DynamoDB table over several minidyn
// tables ("partitions"), chosen by a hash of the item's partition key, the
// way DynamoDB itself spreads a table over storage partitions. Everything
// addressed to one partition key (item operations, base-table queries,
// transaction items) touches one small minidyn table; queries of a global
// secondary index and scans read every partition and merge the results in
// DynamoDB's order (see fanout.go).

// defaultPartitions is the number of minidyn tables per DynamoDB table when
// Options.Partitions is 0. More partitions make base-table work cheaper and
// index queries and scans, which visit every partition, dearer; 256 keeps a
// 50,000-item table at about 200 items a partition while an index query
// costs about 256 small minidyn calls.
const defaultPartitions = 256

// keySchema names a table's or an index's key attributes; rng is empty for
// a hash-only key.
type keySchema struct{ hash, rng string }

func (k keySchema) attrs() []string {
	if k.rng == "" {
		return []string{k.hash}
	}
	return []string{k.hash, k.rng}
}

// tableMeta is what the emulator knows of a DynamoDB table to route its
// requests.
type tableMeta struct {
	name    string
	key     keySchema
	indexes map[string]keySchema // global and local secondary indexes
}

// partitionTable is the name of the minidyn table holding partition p of
// table. The unit separator keeps it apart from any name a client can
// create (DynamoDB allows only [a-zA-Z0-9_.-]).
func partitionTable(table string, p int) string {
	return fmt.Sprintf("%s\x1f%d", table, p)
}

// partitionOf returns the partition an item with partition key value v
// belongs to. Numbers hash by value, so 1 and 1.0 share a partition as they
// share an item. A missing or malformed key goes to partition 0, where
// minidyn reports the error.
func (s *Server) partitionOf(v *server.AttributeValue) int {
	if s.partitions == 1 || v == nil {
		return 0
	}
	h := fnv.New32a()
	switch {
	case v.S != nil:
		_, _ = h.Write([]byte{'S'})
		_, _ = h.Write([]byte(*v.S))
	case v.N != nil:
		_, _ = h.Write([]byte{'N'})
		if r, ok := new(big.Rat).SetString(*v.N); ok {
			_, _ = h.Write([]byte(r.RatString()))
		} else {
			_, _ = h.Write([]byte(*v.N))
		}
	case v.B != nil:
		_, _ = h.Write([]byte{'B'})
		_, _ = h.Write(v.B)
	default:
		return 0
	}
	return int(h.Sum32() % uint32(s.partitions))
}

// itemPartition returns the minidyn table for the item or key.
func (s *Server) itemPartition(meta *tableMeta, key map[string]*server.AttributeValue) string {
	return partitionTable(meta.name, s.partitionOf(key[meta.key.hash]))
}

// rawRequest is a request body with its fields left encoded, so that the
// emulator can rewrite the table name and pass every other field, known to
// it or not, through to minidyn unchanged.
type rawRequest map[string]json.RawMessage

// tableOf decodes a request about a table the emulator partitions. A body it
// cannot read, or a table it does not know, goes to minidyn as the fallback
// operation instead, whose answer (its own error for an unknown table) is
// returned as rec.
func (s *Server) tableOf(ctx context.Context, fallback string, body []byte) (rawRequest, *tableMeta, *httptest.ResponseRecorder) {
	req, ok := decodeRaw(body)
	if !ok {
		return nil, nil, s.rawDynamo(ctx, fallback, body)
	}
	meta := s.table(req.str("TableName"))
	if meta == nil {
		return nil, nil, s.rawDynamo(ctx, fallback, body)
	}
	return req, meta, nil
}

func decodeRaw(body []byte) (rawRequest, bool) {
	var req rawRequest
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		return nil, false
	}
	return req, true
}

func (r rawRequest) str(field string) string {
	var v string
	if raw, ok := r[field]; ok {
		_ = json.Unmarshal(raw, &v)
	}
	return v
}

func (r rawRequest) attrs(field string) map[string]*server.AttributeValue {
	var v map[string]*server.AttributeValue
	if raw, ok := r[field]; ok {
		_ = json.Unmarshal(raw, &v)
	}
	return v
}

// set encodes v into field; nil removes the field.
func (r rawRequest) set(field string, v any) {
	if v == nil {
		delete(r, field)
		return
	}
	raw, err := json.Marshal(v)
	if err != nil {
		// Only values the emulator built itself come here, and they encode.
		panic(fmt.Sprintf("awsemu: encode %s: %v", field, err))
	}
	r[field] = raw
}

func (r rawRequest) clone() rawRequest {
	out := make(rawRequest, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

func (r rawRequest) body() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("awsemu: encode request: %v", err))
	}
	return b
}

// table returns the meta of the table a request names, or nil when the
// emulator does not know it (minidyn then answers ResourceNotFound). The
// caller holds dbMu.
func (s *Server) table(name string) *tableMeta { return s.tables[name] }

// serveItemOp routes PutItem, GetItem, UpdateItem and DeleteItem to the
// partition of their key. The caller holds dbMu.
func (s *Server) serveItemOp(ctx context.Context, op string, body []byte) *httptest.ResponseRecorder {
	req, meta, rec := s.tableOf(ctx, "DescribeTable", body)
	if rec != nil {
		return rec
	}
	field := "Key"
	if op == "PutItem" {
		field = "Item"
	}
	req.set("TableName", s.itemPartition(meta, req.attrs(field)))
	if op == "UpdateItem" {
		return s.updateItem(ctx, meta, req)
	}
	return s.rawDynamo(ctx, op, req.body())
}

// serveBatchWrite splits a BatchWriteItem over partitions and names the
// tables of its unprocessed items back. The caller holds dbMu.
func (s *Server) serveBatchWrite(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	var in server.BatchWriteItemInput
	if err := json.Unmarshal(body, &in); err != nil {
		return s.rawDynamo(ctx, "BatchWriteItem", body)
	}
	logical := map[string]string{}
	split := make(map[string][]server.WriteRequest, len(in.RequestItems))
	for table, reqs := range in.RequestItems {
		meta := s.table(table)
		if meta == nil {
			split[table] = append(split[table], reqs...)
			continue
		}
		for _, r := range reqs {
			var key map[string]*server.AttributeValue
			switch {
			case r.PutRequest != nil:
				key = r.PutRequest.Item
			case r.DeleteRequest != nil:
				key = r.DeleteRequest.Key
			}
			p := s.itemPartition(meta, key)
			logical[p] = table
			split[p] = append(split[p], r)
		}
	}
	in.RequestItems = split
	rec := s.rawDynamoJSON(ctx, "BatchWriteItem", in)
	if rec.Code != http.StatusOK {
		return rec
	}
	var out server.BatchWriteItemOutput
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return rec
	}
	unprocessed := map[string][]server.WriteRequest{}
	for table, reqs := range out.UnprocessedItems {
		if name, ok := logical[table]; ok {
			table = name
		}
		unprocessed[table] = append(unprocessed[table], reqs...)
	}
	return jsonRecorder(server.BatchWriteItemOutput{UnprocessedItems: unprocessed})
}

// serveBatchGet splits a BatchGetItem over partitions and gathers the
// answers under the tables' own names. The caller holds dbMu.
func (s *Server) serveBatchGet(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	var in server.BatchGetItemInput
	if err := json.Unmarshal(body, &in); err != nil {
		return s.rawDynamo(ctx, "BatchGetItem", body)
	}
	logical := map[string]string{}
	split := make(map[string]server.KeysAndAttributes, len(in.RequestItems))
	for table, ka := range in.RequestItems {
		meta := s.table(table)
		if meta == nil {
			split[table] = ka
			continue
		}
		for _, key := range ka.Keys {
			p := s.itemPartition(meta, key)
			logical[p] = table
			part, ok := split[p]
			if !ok {
				part = ka
				part.Keys = nil
			}
			part.Keys = append(part.Keys, key)
			split[p] = part
		}
	}
	in.RequestItems = split
	rec := s.rawDynamoJSON(ctx, "BatchGetItem", in)
	if rec.Code != http.StatusOK {
		return rec
	}
	var out server.BatchGetItemOutput
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return rec
	}
	merged := server.BatchGetItemOutput{
		Responses:       map[string][]map[string]*server.AttributeValue{},
		UnprocessedKeys: map[string]server.KeysAndAttributes{},
	}
	for table, items := range out.Responses {
		if name, ok := logical[table]; ok {
			table = name
		}
		merged.Responses[table] = append(merged.Responses[table], items...)
	}
	for table, ka := range out.UnprocessedKeys {
		if name, ok := logical[table]; ok {
			table = name
		}
		keys := append(merged.UnprocessedKeys[table].Keys, ka.Keys...)
		ka.Keys = keys
		merged.UnprocessedKeys[table] = ka
	}
	return jsonRecorder(merged)
}

// serveTransactGet sends each Get to its item's partition; the answer
// names no table. The caller holds dbMu.
func (s *Server) serveTransactGet(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	var in server.TransactGetItemsInput
	if err := json.Unmarshal(body, &in); err != nil {
		return s.rawDynamo(ctx, "TransactGetItems", body)
	}
	for _, item := range in.TransactItems {
		if item.Get == nil {
			continue
		}
		if meta := s.table(deref(item.Get.TableName)); meta != nil {
			item.Get.TableName = new(s.itemPartition(meta, item.Get.Key))
		}
	}
	return s.rawDynamoJSON(ctx, "TransactGetItems", in)
}

// createTable creates a table as s.partitions minidyn tables and answers
// with the first one's description under the table's name. The caller
// holds dbMu.
func (s *Server) createTable(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	req, ok := decodeRaw(body)
	if !ok {
		return s.rawDynamo(ctx, "CreateTable", body)
	}
	name := req.str("TableName")
	if s.table(name) != nil {
		return errorRecorder(http.StatusBadRequest, "ResourceInUseException", "Cannot create preexisting table")
	}
	var first *httptest.ResponseRecorder
	for p := range s.partitions {
		req.set("TableName", partitionTable(name, p))
		rec := s.rawDynamo(ctx, "CreateTable", req.body())
		if rec.Code != http.StatusOK {
			// minidyn validates before it creates anything, so only the
			// first partition can fail; drop any made before a failure.
			for q := range p {
				s.rawDynamoJSON(ctx, "DeleteTable", map[string]string{"TableName": partitionTable(name, q)})
			}
			return rec
		}
		if first == nil {
			first = rec
		}
	}
	desc, err := decodeDescription(first, "TableDescription")
	if err != nil {
		return errorRecorder(http.StatusInternalServerError, "InternalServerError", err.Error())
	}
	req.set("TableName", name)
	if rec := s.createScratch(ctx, req); rec.Code != http.StatusOK {
		return rec
	}
	s.tables[name] = metaOf(name, desc)
	desc.TableName = &name
	return jsonRecorder(map[string]any{"TableDescription": desc})
}

// describeTable answers with the first partition's description, the table's
// name, and the item counts of all partitions. The caller holds dbMu.
func (s *Server) describeTable(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	_, meta, rec := s.tableOf(ctx, "DescribeTable", body)
	if rec != nil {
		return rec
	}
	var desc *ddbtypes.TableDescription
	var itemCount int64
	indexCounts := map[string]int64{}
	for p := range s.partitions {
		rec := s.rawDynamoJSON(ctx, "DescribeTable", map[string]string{"TableName": partitionTable(meta.name, p)})
		d, err := decodeDescription(rec, "Table")
		if err != nil {
			return rec
		}
		if desc == nil {
			desc = d
		}
		if d.ItemCount != nil {
			itemCount += *d.ItemCount
		}
		for _, g := range d.GlobalSecondaryIndexes {
			if g.ItemCount != nil {
				indexCounts[deref(g.IndexName)] += *g.ItemCount
			}
		}
	}
	desc.TableName = &meta.name
	desc.ItemCount = &itemCount
	for i, g := range desc.GlobalSecondaryIndexes {
		n := indexCounts[deref(g.IndexName)]
		desc.GlobalSecondaryIndexes[i].ItemCount = &n
	}
	return jsonRecorder(map[string]any{"Table": desc})
}

// updateTable applies an UpdateTable to every partition and learns the
// table's new indexes. The caller holds dbMu.
func (s *Server) updateTable(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	req, meta, rec := s.tableOf(ctx, "UpdateTable", body)
	if rec != nil {
		return rec
	}
	var first *httptest.ResponseRecorder
	for p := range s.partitions {
		req.set("TableName", partitionTable(meta.name, p))
		rec := s.rawDynamo(ctx, "UpdateTable", req.body())
		if rec.Code != http.StatusOK {
			return rec
		}
		if first == nil {
			first = rec
		}
	}
	desc, err := decodeDescription(first, "TableDescription")
	if err != nil {
		return errorRecorder(http.StatusInternalServerError, "InternalServerError", err.Error())
	}
	s.tables[meta.name] = metaOf(meta.name, desc)
	desc.TableName = &meta.name
	return jsonRecorder(map[string]any{"TableDescription": desc})
}

// deleteTable deletes every partition, and the table's TTL setting. The
// caller holds dbMu.
func (s *Server) deleteTable(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	_, meta, rec := s.tableOf(ctx, "DeleteTable", body)
	if rec != nil {
		return rec
	}
	var first *httptest.ResponseRecorder
	for p := range s.partitions {
		rec := s.rawDynamoJSON(ctx, "DeleteTable", map[string]string{"TableName": partitionTable(meta.name, p)})
		if first == nil {
			first = rec
		}
	}
	s.rawDynamoJSON(ctx, "DeleteTable", map[string]string{"TableName": scratchTable(meta.name)})
	delete(s.tables, meta.name)
	delete(s.ttl, meta.name)
	desc, err := decodeDescription(first, "TableDescription")
	if err != nil {
		return first
	}
	desc.TableName = &meta.name
	return jsonRecorder(map[string]any{"TableDescription": desc})
}

func decodeDescription(rec *httptest.ResponseRecorder, field string) (*ddbtypes.TableDescription, error) {
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", rec.Code, rec.Body.String())
	}
	var out map[string]*ddbtypes.TableDescription
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("decode table description: %w", err)
	}
	desc := out[field]
	if desc == nil {
		return nil, fmt.Errorf("no %s in answer", field)
	}
	return desc, nil
}

func metaOf(name string, desc *ddbtypes.TableDescription) *tableMeta {
	meta := &tableMeta{name: name, key: schemaOf(desc.KeySchema), indexes: map[string]keySchema{}}
	for _, g := range desc.GlobalSecondaryIndexes {
		meta.indexes[deref(g.IndexName)] = schemaOf(g.KeySchema)
	}
	for _, l := range desc.LocalSecondaryIndexes {
		meta.indexes[deref(l.IndexName)] = schemaOf(l.KeySchema)
	}
	return meta
}

func schemaOf(elems []ddbtypes.KeySchemaElement) keySchema {
	var ks keySchema
	for _, e := range elems {
		if e.KeyType == ddbtypes.KeyTypeHash {
			ks.hash = deref(e.AttributeName)
		} else {
			ks.rng = deref(e.AttributeName)
		}
	}
	return ks
}

// rawDynamoJSON encodes in and hands it to minidyn. The caller holds dbMu.
func (s *Server) rawDynamoJSON(ctx context.Context, op string, in any) *httptest.ResponseRecorder {
	body, err := json.Marshal(in)
	if err != nil {
		return errorRecorder(http.StatusInternalServerError, "InternalServerError", fmt.Sprintf("encode %s: %v", op, err))
	}
	return s.rawDynamo(ctx, op, body)
}

// jsonRecorder is a successful DynamoDB answer built by the emulator.
func jsonRecorder(v any) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	writeJSON(rec, dynamoContentType, v)
	return rec
}

// errorRecorder is an error answer built by the emulator.
func errorRecorder(status int, code, message string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	writeError(rec, status, code, message)
	return rec
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
