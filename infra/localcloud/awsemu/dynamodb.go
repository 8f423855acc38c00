package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/truora/minidyn/server"

	"github.com/parleychat/parley/infra/localcloud/template"
)

const dynamoContentType = "application/x-amz-json-1.0"

// minidynOps are the operations minidyn's server mode implements.
var minidynOps = map[string]bool{
	"CreateTable": true, "UpdateTable": true, "DeleteTable": true, "DescribeTable": true,
	"PutItem": true, "GetItem": true, "UpdateItem": true, "DeleteItem": true,
	"Query": true, "Scan": true, "BatchWriteItem": true, "BatchGetItem": true,
	"TransactWriteItems": true, "TransactGetItems": true,
}

// apiError is an error answer of the DynamoDB JSON protocol.
type apiError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func (s *Server) serveDynamo(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	switch {
	case op == "UpdateTimeToLive":
		s.updateTimeToLive(w, body)
		return
	case op == "DescribeTimeToLive":
		s.describeTimeToLive(w, body)
		return
	case !minidynOps[op]:
		writeError(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#UnknownOperationException",
			fmt.Sprintf("DynamoDB operation %s is not supported by the local cloud", op))
		return
	}

	// Only the work on the tables holds the lock: reading the request
	// before it and writing the answer to the client after it, so a slow
	// client or a descheduled thread does not stall every other call.
	writes := writesOf(op, body)
	// An item's size is never more than its JSON in the request, so only
	// a request over the limit can hold an item over it.
	if len(body) > maxItemSize {
		if msg := oversized(writes); msg != "" {
			writeError(w, http.StatusBadRequest, "ValidationException", msg)
			return
		}
	}
	rec := s.serveDynamoLocked(r.Context(), op, body, writes)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	setCRC32(w, rec.Body.Bytes())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// serveDynamoLocked runs one DynamoDB request under dbMu, with the
// stream hooks and the capacity meter around it.
func (s *Server) serveDynamoLocked(ctx context.Context, op string, body []byte, writes []write) *httptest.ResponseRecorder {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	before := s.beforeWrite(ctx, writes)
	metered := s.meterBefore(ctx, op, body)
	var rec *httptest.ResponseRecorder
	switch op {
	case "CreateTable":
		rec = s.createTable(ctx, body)
	case "DescribeTable":
		rec = s.describeTable(ctx, body)
	case "UpdateTable":
		rec = s.updateTable(ctx, body)
	case "DeleteTable":
		rec = s.deleteTable(ctx, body)
	case "PutItem", "GetItem", "UpdateItem", "DeleteItem":
		rec = s.serveItemOp(ctx, op, body)
	case "Query":
		rec = s.serveQuery(ctx, body)
	case "Scan":
		rec = s.serveScan(ctx, body)
	case "BatchWriteItem":
		rec = s.serveBatchWrite(ctx, body)
	case "BatchGetItem":
		rec = s.serveBatchGet(ctx, body)
	case "TransactWriteItems":
		rec = s.transactWriteOnce(ctx, body)
	case "TransactGetItems":
		rec = s.serveTransactGet(ctx, body)
	default:
		rec = s.rawDynamo(ctx, op, body)
	}
	changes := before
	if rec.Code == http.StatusOK && len(writes) > 0 {
		changes = s.afterWrite(ctx, writes, before)
	}
	s.meterAfter(metered, rec.Code, rec.Body.Bytes(), changes)
	return rec
}

// rawDynamo hands one request to minidyn. The caller holds dbMu.
func (s *Server) rawDynamo(ctx context.Context, op string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", dynamoTargetPrefix+op)
	req.Header.Set("Content-Type", dynamoContentType)
	rec := httptest.NewRecorder()
	s.dynamo.ServeHTTP(rec, req)
	return rec
}

// callDynamo runs one minidyn operation for the emulator itself, returning
// an *apiError for an error answer. The caller holds dbMu.
func (s *Server) callDynamo(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s: %w", op, err)
	}
	rec := s.rawDynamo(ctx, op, body)
	if rec.Code != http.StatusOK {
		return answerError(op, rec)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s: %w", op, err)
	}
	return nil
}

// answerError returns an error answer as an *apiError.
func answerError(op string, rec *httptest.ResponseRecorder) error {
	var ae apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &ae); err != nil || ae.Type == "" {
		return fmt.Errorf("%s: status %d: %s", op, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return &ae
}

type keyElement struct {
	AttributeName string
	KeyType       string
}

type attributeDefinition struct {
	AttributeName string
	AttributeType string
}

type projection struct {
	ProjectionType   string
	NonKeyAttributes []string `json:",omitempty"`
}

type globalSecondaryIndex struct {
	IndexName  string
	KeySchema  []keyElement
	Projection projection
}

type createTableInput struct {
	TableName              string
	AttributeDefinitions   []attributeDefinition
	KeySchema              []keyElement
	GlobalSecondaryIndexes []globalSecondaryIndex `json:",omitempty"`
	BillingMode            string
}

// CreateTables creates the template's tables with their key schema and
// global secondary indexes, and enables TTL where the template does.
func (s *Server) CreateTables(ctx context.Context, tables []*template.Table) error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	for _, t := range tables {
		in := createTableInput{TableName: t.Name, BillingMode: "PAY_PER_REQUEST"}
		for _, a := range t.AttributeDefinitions {
			in.AttributeDefinitions = append(in.AttributeDefinitions, attributeDefinition{a.Name, a.Type})
		}
		in.KeySchema = toKeySchema(t.KeySchema)
		for _, g := range t.GSIs {
			p := g.ProjectionType
			if p == "" {
				p = "ALL"
			}
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, globalSecondaryIndex{
				IndexName: g.Name, KeySchema: toKeySchema(g.KeySchema), Projection: projection{p, g.NonKeyAttributes},
			})
		}
		body, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		if rec := s.createTable(ctx, body); rec.Code != http.StatusOK {
			return fmt.Errorf("create table %s: %w", t.Name, answerError("CreateTable", rec))
		}
		if t.TTLAttribute != "" {
			s.ttl[t.Name] = t.TTLAttribute
		}
		s.log.Info("table created", "table", t.Name, "indexes", len(t.GSIs), "ttlAttribute", t.TTLAttribute)
	}
	return nil
}

func toKeySchema(keys []template.Key) []keyElement {
	out := make([]keyElement, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyElement{k.Name, k.KeyType})
	}
	return out
}

type timeToLiveSpecification struct {
	AttributeName string
	Enabled       bool
}

func (s *Server) updateTimeToLive(w http.ResponseWriter, body []byte) {
	var in struct {
		TableName               string
		TimeToLiveSpecification *timeToLiveSpecification
	}
	if err := json.Unmarshal(body, &in); err != nil || in.TimeToLiveSpecification == nil || in.TimeToLiveSpecification.AttributeName == "" {
		writeError(w, http.StatusBadRequest, "ValidationException", "TableName and TimeToLiveSpecification.AttributeName are required")
		return
	}
	spec := *in.TimeToLiveSpecification

	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if ok := s.tableExists(w, in.TableName); !ok {
		return
	}
	current, enabled := s.ttl[in.TableName]
	// DynamoDB refuses to re-apply the state a table already has.
	switch {
	case spec.Enabled && enabled:
		writeError(w, http.StatusBadRequest, "ValidationException", "TimeToLive is already enabled")
		return
	case !spec.Enabled && !enabled:
		writeError(w, http.StatusBadRequest, "ValidationException", "TimeToLive is already disabled")
		return
	case !spec.Enabled && current != spec.AttributeName:
		writeError(w, http.StatusBadRequest, "ValidationException", "TimeToLive is enabled on attribute "+current)
		return
	}
	if spec.Enabled {
		s.ttl[in.TableName] = spec.AttributeName
	} else {
		delete(s.ttl, in.TableName)
	}
	writeJSON(w, dynamoContentType, map[string]any{"TimeToLiveSpecification": spec})
}

func (s *Server) describeTimeToLive(w http.ResponseWriter, body []byte) {
	var in struct{ TableName string }
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "malformed request")
		return
	}
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if ok := s.tableExists(w, in.TableName); !ok {
		return
	}
	desc := map[string]string{"TimeToLiveStatus": "DISABLED"}
	if attr, ok := s.ttl[in.TableName]; ok {
		desc = map[string]string{"TimeToLiveStatus": "ENABLED", "AttributeName": attr}
	}
	writeJSON(w, dynamoContentType, map[string]any{"TimeToLiveDescription": desc})
}

// tableExists writes DynamoDB's error answer and reports false when the
// table is missing. The caller holds dbMu.
func (s *Server) tableExists(w http.ResponseWriter, table string) bool {
	if s.table(table) != nil {
		return true
	}
	writeError(w, http.StatusBadRequest, "ResourceNotFoundException", "Cannot do operations on a non-existent table")
	return false
}

func (s *Server) sweepLoop(interval time.Duration) {
	defer close(s.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
			n, err := s.SweepExpired(context.Background())
			if err != nil {
				s.log.Error("ttl sweep", "error", err)
			} else if n > 0 {
				s.log.Debug("ttl sweep", "deleted", n)
			}
		}
	}
}

// SweepExpired deletes, from every table with TTL enabled, the items whose
// TTL attribute holds an epoch-seconds number in the past, and returns how
// many it deleted. DynamoDB does this in the background within a day or so;
// the local cloud does it every TTLInterval. Items whose TTL attribute is
// not a number are kept, as DynamoDB keeps them.
func (s *Server) SweepExpired(ctx context.Context) (int, error) {
	type sweep struct {
		meta *tableMeta
		attr string
	}
	s.dbMu.Lock()
	sweeps := make([]sweep, 0, len(s.ttl))
	for table, attr := range s.ttl {
		if meta := s.table(table); meta != nil {
			sweeps = append(sweeps, sweep{meta, attr})
		}
	}
	s.dbMu.Unlock()

	now := time.Now().Unix()
	deleted := 0
	for _, sw := range sweeps {
		// One partition at a time, so requests wait for one partition's
		// sweep rather than the whole table's.
		for p := range s.partitions {
			n, err := s.sweepPartition(ctx, sw.meta, sw.attr, p, now)
			deleted += n
			if err != nil {
				return deleted, fmt.Errorf("ttl sweep of %s: %w", sw.meta.name, err)
			}
		}
	}
	return deleted, nil
}

// sweepPartition deletes the expired items of one partition of a table,
// unless TTL was disabled or the table deleted meanwhile.
func (s *Server) sweepPartition(ctx context.Context, meta *tableMeta, attr string, p int, now int64) (int, error) {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.table(meta.name) != meta || s.ttl[meta.name] != attr {
		return 0, nil
	}
	keyAttrs := meta.key.attrs()
	names := map[string]string{"#ttl": attr}
	placeholders := []string{"#ttl"}
	for i, k := range keyAttrs {
		ph := fmt.Sprintf("#k%d", i)
		names[ph] = k
		placeholders = append(placeholders, ph)
	}
	projection := strings.Join(placeholders, ", ")
	deleted := 0
	part := partitionTable(meta.name, p)
	var page struct {
		Items []map[string]*server.AttributeValue
	}
	// Without Limit, minidyn scans the whole partition in one page. The
	// expiry test runs here rather than in a FilterExpression: minidyn
	// fails a comparison between a number and a string attribute instead
	// of evaluating it to false.
	err := s.callDynamo(ctx, "Scan", server.ScanInput{
		TableName:                &part,
		ProjectionExpression:     new(projection),
		ExpressionAttributeNames: names,
	}, &page)
	if err != nil {
		return 0, err
	}
	for _, item := range page.Items {
		if !expired(item[attr], now) {
			continue
		}
		key := make(map[string]*server.AttributeValue, len(keyAttrs))
		for _, k := range keyAttrs {
			key[k] = item[k]
		}
		sink := s.sinks[meta.name]
		var old Image
		if sink != nil {
			old = s.getImage(ctx, meta.name, imageOf(key))
		}
		if err := s.callDynamo(ctx, "DeleteItem", server.DeleteItemInput{TableName: &part, Key: key}, nil); err != nil {
			return deleted, err
		}
		if old != nil {
			sink([]Change{{Table: meta.name, Keys: imageOf(key), Old: old}})
		}
		deleted++
	}
	return deleted, nil
}

// expired reports whether a TTL attribute value is an epoch-seconds number
// before now.
func expired(v *server.AttributeValue, now int64) bool {
	if v == nil || v.N == nil {
		return false
	}
	ts, err := strconv.ParseFloat(*v.N, 64)
	return err == nil && ts < float64(now)
}

// maxItemSize is DynamoDB's limit on an item's size (names and values).
const maxItemSize = 400 << 10

// oversized answers DynamoDB's refusal of an item put whole (PutItem, a
// batch's or a transaction's Put) above maxItemSize, "" when none is. An
// update that grows an item past it is not refused here.
func oversized(writes []write) string {
	for _, w := range writes {
		if w.item != nil && itemSize(w.item) > maxItemSize {
			return fmt.Sprintf("Item size has exceeded the maximum allowed size (an item of %d bytes in %s; DynamoDB holds at most %d)", itemSize(w.item), w.table, maxItemSize)
		}
	}
	return ""
}
