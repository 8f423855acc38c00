package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
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

	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	writes := writesOf(op, body)
	before := s.beforeWrite(r.Context(), writes)
	rec := s.rawDynamo(r.Context(), op, body)
	if rec.Code == http.StatusOK && len(writes) > 0 {
		s.afterWrite(r.Context(), writes, before)
	}

	switch {
	case op == "TransactWriteItems" && rec.Code == http.StatusBadRequest:
		if fixed, ok := s.fixCancellationReasons(r.Context(), body, rec.Body.Bytes()); ok {
			rec.Body = bytes.NewBuffer(fixed)
		}
	case op == "DeleteTable" && rec.Code == http.StatusOK:
		var in struct{ TableName string }
		if json.Unmarshal(body, &in) == nil {
			delete(s.ttl, in.TableName)
			delete(s.keyCache, in.TableName)
		}
	}

	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
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
		var ae apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &ae); err != nil || ae.Type == "" {
			return fmt.Errorf("%s: status %d: %s", op, rec.Code, strings.TrimSpace(rec.Body.String()))
		}
		return &ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s: %w", op, err)
	}
	return nil
}

type keyElement struct {
	AttributeName string
	KeyType       string
}

type attributeDefinition struct {
	AttributeName string
	AttributeType string
}

type projection struct{ ProjectionType string }

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
				IndexName: g.Name, KeySchema: toKeySchema(g.KeySchema), Projection: projection{p},
			})
		}
		if err := s.callDynamo(ctx, "CreateTable", in, nil); err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
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

// keyNames returns the primary key attribute names of a table. The caller
// holds dbMu.
func (s *Server) keyNames(ctx context.Context, table string) ([]string, error) {
	var out struct {
		Table struct{ KeySchema []keyElement }
	}
	if err := s.callDynamo(ctx, "DescribeTable", map[string]string{"TableName": table}, &out); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out.Table.KeySchema))
	for _, k := range out.Table.KeySchema {
		names = append(names, k.AttributeName)
	}
	return names, nil
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

// tableExists writes minidyn's error answer and reports false when the
// table is missing. The caller holds dbMu.
func (s *Server) tableExists(w http.ResponseWriter, table string) bool {
	body, _ := json.Marshal(map[string]string{"TableName": table})
	rec := s.rawDynamo(context.Background(), "DescribeTable", body)
	if rec.Code == http.StatusOK {
		return true
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	return false
}

// fixCancellationReasons rewrites a TransactionCanceledException from
// minidyn, which stops at the first failed condition and reports only that
// one, into DynamoDB's answer, which has a reason for every item whose
// condition fails. Callers rely on it: a retried message fails both the
// sequence check and the client-id check, and the store tells a duplicate
// from a race by the client-id item's reason. minidyn has already rolled
// the transaction back, so each condition is checked again on its own
// against the unchanged tables. The caller holds dbMu.
func (s *Server) fixCancellationReasons(ctx context.Context, reqBody, respBody []byte) ([]byte, bool) {
	var resp struct {
		Type                string `json:"__type"`
		CancellationReasons []struct{ Code string }
	}
	if json.Unmarshal(respBody, &resp) != nil || !strings.HasSuffix(resp.Type, "TransactionCanceledException") {
		return nil, false
	}
	onlyConditions := true
	for _, r := range resp.CancellationReasons {
		if r.Code != "None" && r.Code != "ConditionalCheckFailed" {
			onlyConditions = false
		}
	}
	var in server.TransactWriteItemsInput
	if !onlyConditions || json.Unmarshal(reqBody, &in) != nil {
		return nil, false
	}

	type reason struct {
		Code    string
		Message string `json:",omitempty"`
	}
	reasons := make([]reason, len(in.TransactItems))
	codes := make([]string, len(in.TransactItems))
	failed := 0
	for i, item := range in.TransactItems {
		reasons[i], codes[i] = reason{Code: "None"}, "None"
		check, err := s.conditionOf(ctx, item)
		if err != nil {
			s.log.Warn("recheck transaction condition", "error", err)
			return nil, false
		}
		if check == nil {
			continue
		}
		err = s.callDynamo(ctx, "TransactWriteItems", server.TransactWriteItemsInput{
			TransactItems: []server.TransactWriteItem{{ConditionCheck: check}},
		}, nil)
		var ae *apiError
		switch {
		case err == nil:
		case errors.As(err, &ae) && strings.HasSuffix(ae.Type, "TransactionCanceledException"):
			reasons[i] = reason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			codes[i] = "ConditionalCheckFailed"
			failed++
		default:
			s.log.Warn("recheck transaction condition", "error", err)
			return nil, false
		}
	}
	if failed == 0 {
		return nil, false
	}
	out, err := json.Marshal(map[string]any{
		"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"message":             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		"CancellationReasons": reasons,
	})
	if err != nil {
		return nil, false
	}
	return out, true
}

var (
	namePlaceholder  = regexp.MustCompile(`#[A-Za-z0-9_]+`)
	valuePlaceholder = regexp.MustCompile(`:[A-Za-z0-9_]+`)
)

// conditionOf returns a transaction item's condition as a stand-alone
// ConditionCheck, or nil when the item has none. Names and values are cut
// down to those the condition uses, since an update's may also serve its
// update expression and unused ones are a validation error.
func (s *Server) conditionOf(ctx context.Context, item server.TransactWriteItem) (*server.ConditionCheck, error) {
	var (
		table, cond *string
		key         map[string]*server.AttributeValue
		names       map[string]string
		values      map[string]*server.AttributeValue
	)
	switch {
	case item.Put != nil:
		table, cond, names, values = item.Put.TableName, item.Put.ConditionExpression, item.Put.ExpressionAttributeNames, item.Put.ExpressionAttributeValues
		if cond == nil || *cond == "" {
			return nil, nil
		}
		keyAttrs, err := s.keyNames(ctx, deref(table))
		if err != nil {
			return nil, err
		}
		key = map[string]*server.AttributeValue{}
		for _, k := range keyAttrs {
			key[k] = item.Put.Item[k]
		}
	case item.Update != nil:
		table, cond, key, names, values = item.Update.TableName, item.Update.ConditionExpression, item.Update.Key, item.Update.ExpressionAttributeNames, item.Update.ExpressionAttributeValues
	case item.Delete != nil:
		table, cond, key, names, values = item.Delete.TableName, item.Delete.ConditionExpression, item.Delete.Key, item.Delete.ExpressionAttributeNames, item.Delete.ExpressionAttributeValues
	case item.ConditionCheck != nil:
		table, cond, key, names, values = item.ConditionCheck.TableName, item.ConditionCheck.ConditionExpression, item.ConditionCheck.Key, item.ConditionCheck.ExpressionAttributeNames, item.ConditionCheck.ExpressionAttributeValues
	}
	if cond == nil || *cond == "" {
		return nil, nil
	}
	check := &server.ConditionCheck{TableName: table, ConditionExpression: cond, Key: key}
	for _, n := range namePlaceholder.FindAllString(*cond, -1) {
		if v, ok := names[n]; ok {
			if check.ExpressionAttributeNames == nil {
				check.ExpressionAttributeNames = map[string]string{}
			}
			check.ExpressionAttributeNames[n] = v
		}
	}
	for _, n := range valuePlaceholder.FindAllString(*cond, -1) {
		if v, ok := values[n]; ok {
			if check.ExpressionAttributeValues == nil {
				check.ExpressionAttributeValues = map[string]*server.AttributeValue{}
			}
			check.ExpressionAttributeValues[n] = v
		}
	}
	return check, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
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
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	now := time.Now().Unix()
	deleted := 0
	for table, attr := range s.ttl {
		keyAttrs, err := s.keyNames(ctx, table)
		if err != nil {
			return deleted, fmt.Errorf("ttl sweep of %s: %w", table, err)
		}
		names := map[string]string{"#ttl": attr}
		placeholders := []string{"#ttl"}
		for i, k := range keyAttrs {
			p := fmt.Sprintf("#k%d", i)
			names[p] = k
			placeholders = append(placeholders, p)
		}
		projection := strings.Join(placeholders, ", ")
		var start map[string]*server.AttributeValue
		for {
			var page struct {
				Items            []map[string]*server.AttributeValue
				LastEvaluatedKey map[string]*server.AttributeValue
			}
			// The expiry test runs here rather than in a FilterExpression:
			// minidyn fails a comparison between a number and a string
			// attribute instead of evaluating it to false.
			err := s.callDynamo(ctx, "Scan", server.ScanInput{
				TableName:                &table,
				ProjectionExpression:     new(projection),
				ExpressionAttributeNames: names,
				ExclusiveStartKey:        start,
			}, &page)
			if err != nil {
				return deleted, fmt.Errorf("ttl sweep of %s: %w", table, err)
			}
			for _, item := range page.Items {
				if !expired(item[attr], now) {
					continue
				}
				key := make(map[string]*server.AttributeValue, len(keyAttrs))
				for _, k := range keyAttrs {
					key[k] = item[k]
				}
				var old Image
				if s.sinks[table] != nil {
					old = s.getImage(ctx, table, imageOf(key))
				}
				if err := s.callDynamo(ctx, "DeleteItem", server.DeleteItemInput{TableName: &table, Key: key}, nil); err != nil {
					return deleted, fmt.Errorf("ttl sweep of %s: %w", table, err)
				}
				if old != nil {
					s.sinks[table]([]Change{{Table: table, Keys: imageOf(key), Old: old}})
				}
				deleted++
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			start = page.LastEvaluatedKey
		}
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
