package awsemu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/truora/minidyn/server"
)

// maxTransactItems is DynamoDB's limit on the actions of one transaction.
const maxTransactItems = 100

// Why transactions are run here: minidyn makes a TransactWriteItems atomic
// by deep-copying every table it touches before it starts, so a three-item
// transaction costs time in proportion to the table (20 ms at 10,000 items)
// and it reports only the first failed condition where DynamoDB reports all
// of them. Under dbMu nothing else runs, so the emulator instead saves the
// touched items, applies the actions one by one through minidyn's
// single-item operations (which check each action's condition), and puts
// the saved items back if any action fails. Every action touches a
// different item, so checking each condition after the earlier actions
// were applied is the same as checking all of them first, as DynamoDB does.

// transactAction is one action of a TransactWriteItems, resolved to its
// partition.
type transactAction struct {
	op        string // PutItem, UpdateItem, DeleteItem, or "" for a ConditionCheck
	meta      *tableMeta
	partition string
	key       map[string]*server.AttributeValue
	body      any
	allOld    bool // ReturnValuesOnConditionCheckFailure is ALL_OLD
	check     *server.ConditionCheck
	saved     map[string]*server.AttributeValue // the item before the transaction; nil if absent
	applied   bool
}

type cancellationReason struct {
	Code    string
	Message string                            `json:",omitempty"`
	Item    map[string]*server.AttributeValue `json:",omitempty"`
}

// serveTransactWrite runs a TransactWriteItems all or nothing. The caller
// holds dbMu.
func (s *Server) serveTransactWrite(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	var in server.TransactWriteItemsInput
	if err := json.Unmarshal(body, &in); err != nil {
		return errorRecorder(http.StatusBadRequest, "SerializationException", "malformed TransactWriteItems request")
	}
	switch n := len(in.TransactItems); {
	case n == 0:
		return errorRecorder(http.StatusBadRequest, "ValidationException",
			"1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > maxTransactItems:
		return errorRecorder(http.StatusBadRequest, "ValidationException",
			"1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}

	actions := make([]*transactAction, 0, len(in.TransactItems))
	seen := map[string]bool{}
	for _, item := range in.TransactItems {
		a, rec := s.resolveAction(item)
		if rec != nil {
			return rec
		}
		id := a.partition + "\x00" + keyID(a.key)
		if seen[id] {
			return errorRecorder(http.StatusBadRequest, "ValidationException", "Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		actions = append(actions, a)
	}

	// Save the items; a malformed key fails here, before anything changed.
	for _, a := range actions {
		rec := s.rawDynamoJSON(ctx, "GetItem", server.GetItemInput{TableName: &a.partition, Key: a.key, ConsistentRead: new(true)})
		if rec.Code != http.StatusOK {
			return rec
		}
		var out server.GetItemOutput
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			return errorRecorder(http.StatusInternalServerError, "InternalServerError", "decode GetItem: "+err.Error())
		}
		if len(out.Item) > 0 {
			a.saved = out.Item
		}
	}

	reasons := make([]cancellationReason, len(actions))
	codes := make([]string, len(actions))
	failed := false
	var abort *httptest.ResponseRecorder
	for i, a := range actions {
		reasons[i], codes[i] = cancellationReason{Code: "None"}, "None"
		var rec *httptest.ResponseRecorder
		if a.check != nil {
			rec = s.rawDynamoJSON(ctx, "TransactWriteItems", server.TransactWriteItemsInput{
				TransactItems: []server.TransactWriteItem{{ConditionCheck: a.check}},
			})
		} else {
			rec = s.apply(ctx, a)
		}
		if rec.Code == http.StatusOK {
			a.applied = a.check == nil
			continue
		}
		if !conditionFailed(rec) {
			abort = rec
			break
		}
		failed = true
		reasons[i] = cancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
		if a.allOld {
			reasons[i].Item = a.saved
		}
		codes[i] = "ConditionalCheckFailed"
	}
	if !failed && abort == nil {
		return jsonRecorder(struct{}{})
	}
	if rec := s.rollBack(ctx, actions); rec != nil {
		return rec
	}
	if abort != nil {
		return abort
	}
	return jsonErrorRecorder(map[string]any{
		"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"message":             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		"CancellationReasons": reasons,
	})
}

// apply runs one Put, Update or Delete of a transaction on its partition.
// The caller holds dbMu.
func (s *Server) apply(ctx context.Context, a *transactAction) *httptest.ResponseRecorder {
	if a.op != "UpdateItem" {
		return s.rawDynamoJSON(ctx, a.op, a.body)
	}
	body, err := json.Marshal(a.body)
	req, ok := decodeRaw(body)
	if err != nil || !ok {
		return errorRecorder(http.StatusInternalServerError, "InternalServerError", "encode UpdateItem")
	}
	return s.updateItem(ctx, a.meta, req)
}

// resolveAction finds an action's partition and key and builds the
// single-item request that applies it.
func (s *Server) resolveAction(item server.TransactWriteItem) (*transactAction, *httptest.ResponseRecorder) {
	count := 0
	for _, set := range []bool{item.Put != nil, item.Update != nil, item.Delete != nil, item.ConditionCheck != nil} {
		if set {
			count++
		}
	}
	if count != 1 {
		return nil, errorRecorder(http.StatusBadRequest, "ValidationException",
			"transaction item must include exactly one of Put, Update, Delete, or ConditionCheck")
	}
	var (
		table string
		key   map[string]*server.AttributeValue
		a     = &transactAction{}
	)
	switch {
	case item.Put != nil:
		table, key = deref(item.Put.TableName), item.Put.Item
		a.op, a.allOld = "PutItem", item.Put.ReturnValuesOnConditionCheckFailure == "ALL_OLD"
	case item.Update != nil:
		table, key = deref(item.Update.TableName), item.Update.Key
		a.op, a.allOld = "UpdateItem", item.Update.ReturnValuesOnConditionCheckFailure == "ALL_OLD"
	case item.Delete != nil:
		table, key = deref(item.Delete.TableName), item.Delete.Key
		a.op, a.allOld = "DeleteItem", item.Delete.ReturnValuesOnConditionCheckFailure == "ALL_OLD"
	case item.ConditionCheck != nil:
		table, key = deref(item.ConditionCheck.TableName), item.ConditionCheck.Key
		a.allOld = item.ConditionCheck.ReturnValuesOnConditionCheckFailure == "ALL_OLD"
	}
	meta := s.table(table)
	if meta == nil {
		return nil, errorRecorder(http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found")
	}
	a.meta, a.partition = meta, s.itemPartition(meta, key)
	a.key = map[string]*server.AttributeValue{}
	for _, k := range meta.key.attrs() {
		if v, ok := key[k]; ok {
			a.key[k] = v
		}
	}
	switch {
	case item.Put != nil:
		a.body = server.PutItemInput{
			TableName: &a.partition, Item: item.Put.Item, ConditionExpression: item.Put.ConditionExpression,
			ExpressionAttributeNames: item.Put.ExpressionAttributeNames, ExpressionAttributeValues: item.Put.ExpressionAttributeValues,
		}
	case item.Update != nil:
		a.body = server.UpdateItemInput{
			TableName: &a.partition, Key: item.Update.Key, UpdateExpression: item.Update.UpdateExpression,
			ConditionExpression:      item.Update.ConditionExpression,
			ExpressionAttributeNames: item.Update.ExpressionAttributeNames, ExpressionAttributeValues: item.Update.ExpressionAttributeValues,
		}
	case item.Delete != nil:
		a.body = server.DeleteItemInput{
			TableName: &a.partition, Key: item.Delete.Key, ConditionExpression: item.Delete.ConditionExpression,
			ExpressionAttributeNames: item.Delete.ExpressionAttributeNames, ExpressionAttributeValues: item.Delete.ExpressionAttributeValues,
		}
	case item.ConditionCheck != nil:
		check := *item.ConditionCheck
		check.TableName = &a.partition
		check.ReturnValuesOnConditionCheckFailure = ""
		a.check = &check
	}
	return a, nil
}

// rollBack restores the items of the applied actions, newest first. An
// item that existed is deleted and put back whole, so minidyn also drops
// any index entry the action added. The caller holds dbMu.
func (s *Server) rollBack(ctx context.Context, actions []*transactAction) *httptest.ResponseRecorder {
	for i := len(actions) - 1; i >= 0; i-- {
		a := actions[i]
		if !a.applied {
			continue
		}
		rec := s.rawDynamoJSON(ctx, "DeleteItem", server.DeleteItemInput{TableName: &a.partition, Key: a.key})
		if rec.Code == http.StatusOK && a.saved != nil {
			rec = s.rawDynamoJSON(ctx, "PutItem", server.PutItemInput{TableName: &a.partition, Item: a.saved})
		}
		if rec.Code != http.StatusOK {
			s.log.Error("roll back transaction", "operation", a.op, "status", rec.Code, "answer", rec.Body.String())
			return errorRecorder(http.StatusInternalServerError, "InternalServerError", "transaction could not be rolled back")
		}
	}
	return nil
}

// conditionFailed reports whether an error answer is a failed condition: a
// ConditionalCheckFailedException from a single-item write, or a
// TransactionCanceledException from a one-item condition check.
func conditionFailed(rec *httptest.ResponseRecorder) bool {
	var ae apiError
	if json.Unmarshal(rec.Body.Bytes(), &ae) != nil {
		return false
	}
	return strings.HasSuffix(ae.Type, "ConditionalCheckFailedException") || strings.HasSuffix(ae.Type, "TransactionCanceledException")
}

// keyID is a key's identity within a partition.
func keyID(key map[string]*server.AttributeValue) string {
	b, _ := json.Marshal(key) // encoding/json sorts map keys
	return string(b)
}

// jsonErrorRecorder is an error answer with a body beyond __type and
// message.
func jsonErrorRecorder(v any) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	body, err := json.Marshal(v)
	if err != nil {
		return errorRecorder(http.StatusInternalServerError, "InternalServerError", "encode error answer")
	}
	rec.Header().Set("Content-Type", dynamoContentType)
	rec.WriteHeader(http.StatusBadRequest)
	_, _ = rec.Write(body)
	return rec
}
