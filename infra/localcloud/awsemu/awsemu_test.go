package awsemu_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

const tableName = "parley-ChatTable-LOCAL"

// chatTable is template.yaml's ChatTable as the template package models it.
func chatTable() *template.Table {
	return &template.Table{
		LogicalID: "ChatTable",
		Name:      tableName,
		AttributeDefinitions: []template.Attribute{
			{Name: "pk", Type: "S"}, {Name: "sk", Type: "S"},
			{Name: "gsi1pk", Type: "S"}, {Name: "gsi1sk", Type: "S"},
			{Name: "gsi2pk", Type: "S"}, {Name: "gsi2sk", Type: "S"},
		},
		KeySchema: []template.Key{{Name: "pk", KeyType: "HASH"}, {Name: "sk", KeyType: "RANGE"}},
		GSIs: []template.Index{
			{Name: "GSI1", KeySchema: []template.Key{{Name: "gsi1pk", KeyType: "HASH"}, {Name: "gsi1sk", KeyType: "RANGE"}}, ProjectionType: "ALL"},
			{Name: "GSI2", KeySchema: []template.Key{{Name: "gsi2pk", KeyType: "HASH"}, {Name: "gsi2sk", KeyType: "RANGE"}}, ProjectionType: "ALL"},
		},
		TTLAttribute: "expiresAt",
	}
}

type env struct {
	srv     *awsemu.Server
	url     string
	db      *dynamodb.Client
	secrets *secretsmanager.Client
}

func newEnv(t testing.TB, opts awsemu.Options) *env {
	t.Helper()
	return newEnvOf(t, opts, chatTable())
}

// newEnvOf is newEnv with the table shaped by table (named tableName).
func newEnvOf(t testing.TB, opts awsemu.Options, table *template.Table) *env {
	t.Helper()
	srv := awsemu.New(opts)
	t.Cleanup(srv.Close)
	if err := srv.CreateTables(t.Context(), []*template.Table{table}); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
		// The SDK's own retryer, with delays short enough for a unit test
		// and no retry quota shared between cases.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
				o.RateLimiter = ratelimit.None
			})
		},
	}
	return &env{
		srv: srv,
		url: hs.URL,
		db:  dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(hs.URL) }),
		secrets: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
			o.BaseEndpoint = aws.String(hs.URL)
		}),
	}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(pk), "sk": str(sk)}
}

func (e *env) put(t testing.TB, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
}

func (e *env) get(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	item, err := e.read(t.Context(), pk, sk)
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	return item
}

// read is get for goroutines, which must not call t.Fatal.
func (e *env) read(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

func sval(item map[string]types.AttributeValue, name string) string {
	switch v := item[name].(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	}
	return ""
}

func TestItemOperations(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	ctx := t.Context()
	table := aws.String(tableName)

	// Conditional create: the second put of the same key fails.
	create := &dynamodb.PutItemInput{
		TableName:           table,
		Item:                map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str("META"), "status": str("open"), "lastSeq": num(0)},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}
	if _, err := e.db.PutItem(ctx, create); err != nil {
		t.Fatalf("first conditional put: %v", err)
	}
	_, err := e.db.PutItem(ctx, create)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second conditional put: err = %v, want ConditionalCheckFailedException", err)
	}

	// ADD, SET and if_not_exists in one update, answered with ALL_NEW.
	out, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 table,
		Key:                       key("CONV#1", "META"),
		UpdateExpression:          aws.String("ADD lastSeq :one SET #a = if_not_exists(#a, :none), preview = :p"),
		ExpressionAttributeNames:  map[string]string{"#a": "assignee"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":none": str("none"), ":p": str("hello")},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	got := map[string]string{"lastSeq": sval(out.Attributes, "lastSeq"), "assignee": sval(out.Attributes, "assignee"), "preview": sval(out.Attributes, "preview")}
	if diff := cmp.Diff(map[string]string{"lastSeq": "1", "assignee": "none", "preview": "hello"}, got); diff != "" {
		t.Errorf("UpdateItem ALL_NEW (-want +got):\n%s", diff)
	}

	// if_not_exists keeps a value that is already there.
	if _, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 table,
		Key:                       key("CONV#1", "META"),
		UpdateExpression:          aws.String("SET #a = if_not_exists(#a, :other)"),
		ExpressionAttributeNames:  map[string]string{"#a": "assignee"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":other": str("agent-2")},
	}); err != nil {
		t.Fatalf("UpdateItem if_not_exists: %v", err)
	}
	if got := sval(e.get(t, "CONV#1", "META"), "assignee"); got != "none" {
		t.Errorf("assignee after if_not_exists = %q, want none", got)
	}

	// Compare-and-set on an equality condition.
	tests := []struct {
		name     string
		expected string
		wantErr  bool
	}{
		{name: "expected assignee matches", expected: "none", wantErr: false},
		{name: "assignee changed meanwhile", expected: "none", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
				TableName:                 table,
				Key:                       key("CONV#1", "META"),
				UpdateExpression:          aws.String("SET #a = :new"),
				ConditionExpression:       aws.String("#a = :expected AND #s = :open"),
				ExpressionAttributeNames:  map[string]string{"#a": "assignee", "#s": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":new": str("agent-1"), ":expected": str(tc.expected), ":open": str("open")},
			})
			var ccf *types.ConditionalCheckFailedException
			if gotErr := errors.As(err, &ccf); gotErr != tc.wantErr {
				t.Fatalf("err = %v, want ConditionalCheckFailedException: %v", err, tc.wantErr)
			}
		})
	}
	if got := sval(e.get(t, "CONV#1", "META"), "assignee"); got != "agent-1" {
		t.Errorf("assignee = %q, want agent-1", got)
	}

	// Delete and read back nothing.
	if _, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key("CONV#1", "META")}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	if item := e.get(t, "CONV#1", "META"); item != nil {
		t.Errorf("item after delete = %v, want none", item)
	}
}

// TestSetDelete: an update's DELETE takes elements out of a set, the
// attribute goes with its last element, and a DELETE of an attribute the
// item does not have (a second close of the same socket) leaves the item
// without it, as DynamoDB does: minidyn alone would write the elements to
// take out as the attribute's new value. The same in a transaction, and
// on an item that does not exist yet.
func TestSetDelete(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	ctx := t.Context()
	table := aws.String(tableName)
	set := func(v ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: v} }
	sockets := func(pk string) []string {
		t.Helper()
		it := e.get(t, pk, "PRESENCE")
		if it == nil {
			return []string{"(no item)"}
		}
		v, ok := it["sockets"].(*types.AttributeValueMemberSS)
		if !ok {
			return nil
		}
		out := append([]string(nil), v.Value...)
		slices.Sort(out)
		return out
	}
	update := func(pk string, expr string, vals map[string]types.AttributeValue) {
		t.Helper()
		if _, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key(pk, "PRESENCE"),
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals}); err != nil {
			t.Fatalf("UpdateItem %s: %v", expr, err)
		}
	}
	transact := func(pk string, expr string, vals map[string]types.AttributeValue) {
		t.Helper()
		if _, err := e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
			TableName: table, Key: key(pk, "PRESENCE"), UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals}}}}); err != nil {
			t.Fatalf("TransactWriteItems %s: %v", expr, err)
		}
	}
	for _, tt := range []struct {
		name  string
		write func(pk, expr string, vals map[string]types.AttributeValue)
	}{{"UpdateItem", update}, {"TransactWriteItems", transact}} {
		t.Run(tt.name, func(t *testing.T) {
			pk := "AGENT#" + tt.name
			closeSocket := func(id string) {
				tt.write(pk, "DELETE sockets :s SET lastClosedAt = :at", map[string]types.AttributeValue{":s": set(id), ":at": str("t")})
			}
			tt.write(pk, "ADD sockets :s", map[string]types.AttributeValue{":s": set("a", "b")})
			closeSocket("a")
			if diff := cmp.Diff([]string{"b"}, sockets(pk)); diff != "" {
				t.Errorf("after closing a (-want +got):\n%s", diff)
			}
			closeSocket("b")
			if got := sockets(pk); got != nil {
				t.Errorf("after closing the last socket: sockets %v, want no attribute", got)
			}
			closeSocket("b")
			if got := sockets(pk); got != nil {
				t.Errorf("after closing b again: sockets %v, want no attribute", got)
			}
			tt.write(pk, "ADD sockets :s", map[string]types.AttributeValue{":s": set("c")})
			if diff := cmp.Diff([]string{"c"}, sockets(pk)); diff != "" {
				t.Errorf("after opening c (-want +got):\n%s", diff)
			}
			// An item that does not exist yet gets the SET and no set.
			fresh := pk + "-fresh"
			createByClose := func() {
				tt.write(fresh, "DELETE sockets :s SET lastClosedAt = :at", map[string]types.AttributeValue{":s": set("z"), ":at": str("t")})
			}
			createByClose()
			if got := sockets(fresh); got != nil {
				t.Errorf("a DELETE that created the item: sockets %v, want no attribute", got)
			}
			if got := sval(e.get(t, fresh, "PRESENCE"), "lastClosedAt"); got != "t" {
				t.Errorf("a DELETE that created the item: lastClosedAt %q, want t", got)
			}
		})
	}
}

func msgSK(seq int) string { return fmt.Sprintf("MSG#%012d", seq) }

func (e *env) query(t *testing.T, in *dynamodb.QueryInput) ([]string, map[string]types.AttributeValue) {
	t.Helper()
	in.TableName = aws.String(tableName)
	out, err := e.db.Query(t.Context(), in)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	attr := "sk"
	if in.IndexName != nil {
		attr = "gsi1sk"
	}
	var got []string
	for _, item := range out.Items {
		got = append(got, sval(item, attr))
	}
	return got, out.LastEvaluatedKey
}

func TestQuery(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	for _, sk := range []string{"CONN#a", "CONN#b", "META"} {
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str(sk)})
	}
	for seq := 1; seq <= 10; seq++ {
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str(msgSK(seq))})
	}
	e.put(t, map[string]types.AttributeValue{"pk": str("CONV#2"), "sk": str("META")})

	vals := func(kv ...string) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = str(kv[i+1])
		}
		return m
	}
	tests := []struct {
		name     string
		in       *dynamodb.QueryInput
		want     []string
		wantMore bool
	}{
		{
			name: "meta and connections with sk <= META",
			in: &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("pk = :p AND sk <= :s"),
				ExpressionAttributeValues: vals(":p", "CONV#1", ":s", "META"),
			},
			want: []string{"CONN#a", "CONN#b", "META"},
		},
		{
			name: "messages between two seqs",
			in: &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("pk = :p AND sk BETWEEN :a AND :b"),
				ExpressionAttributeValues: vals(":p", "CONV#1", ":a", msgSK(3), ":b", msgSK(5)),
			},
			want: []string{msgSK(3), msgSK(4), msgSK(5)},
		},
		{
			name: "begins_with with expression attribute names",
			in: &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("#pk = :p AND begins_with(#sk, :prefix)"),
				ExpressionAttributeNames:  map[string]string{"#pk": "pk", "#sk": "sk"},
				ExpressionAttributeValues: vals(":p", "CONV#1", ":prefix", "CONN#"),
			},
			want: []string{"CONN#a", "CONN#b"},
		},
		{
			name: "latest messages, newest first, limited",
			in: &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :prefix)"),
				ExpressionAttributeValues: vals(":p", "CONV#1", ":prefix", "MSG#"),
				ScanIndexForward:          aws.Bool(false),
				Limit:                     aws.Int32(3),
			},
			want:     []string{msgSK(10), msgSK(9), msgSK(8)},
			wantMore: true,
		},
		{
			name: "messages after a seq",
			in: &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("pk = :p AND sk > :after"),
				ExpressionAttributeValues: vals(":p", "CONV#1", ":after", msgSK(8)),
			},
			want: []string{msgSK(9), msgSK(10)},
		},
		{
			name: "messages before a seq, newest first",
			in: &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("pk = :p AND sk BETWEEN :lo AND :hi"),
				ExpressionAttributeValues: vals(":p", "CONV#1", ":lo", "MSG#", ":hi", msgSK(2)),
				ScanIndexForward:          aws.Bool(false),
			},
			want: []string{msgSK(2), msgSK(1)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, last := e.query(t, tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if (len(last) > 0) != tc.wantMore {
				t.Errorf("LastEvaluatedKey = %v, want one: %v", last, tc.wantMore)
			}
		})
	}

	t.Run("pages backwards through every message", func(t *testing.T) {
		var got []string
		var start map[string]types.AttributeValue
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			page, last := e.query(t, &dynamodb.QueryInput{
				KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :prefix)"),
				ExpressionAttributeValues: vals(":p", "CONV#1", ":prefix", "MSG#"),
				ScanIndexForward:          aws.Bool(false),
				Limit:                     aws.Int32(4),
				ExclusiveStartKey:         start,
			})
			got = append(got, page...)
			if len(last) == 0 {
				break
			}
			start = last
		}
		var want []string
		for seq := 10; seq >= 1; seq-- {
			want = append(want, msgSK(seq))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("paged items (-want +got):\n%s", diff)
		}
	})
}

func TestGSIQuery(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	// Five conversations in one list shard, one in another; activity times
	// sort as strings.
	for i := 1; i <= 5; i++ {
		e.put(t, map[string]types.AttributeValue{
			"pk": str(fmt.Sprintf("CONV#c%d", i)), "sk": str("META"),
			"gsi1pk": str("LIST#main#open#0"), "gsi1sk": str(fmt.Sprintf("2026-01-0%dT00:00:00.000Z#c%d", i, i)),
			"gsi2pk": str("OWNER#main#open#none#0"), "gsi2sk": str(fmt.Sprintf("2026-01-0%dT00:00:00.000Z#c%d", i, i)),
		})
	}
	e.put(t, map[string]types.AttributeValue{
		"pk": str("CONV#c9"), "sk": str("META"),
		"gsi1pk": str("LIST#main#open#1"), "gsi1sk": str("2026-01-09T00:00:00.000Z#c9"),
	})

	var got []string
	var start map[string]types.AttributeValue
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		page, last := e.query(t, &dynamodb.QueryInput{
			IndexName:                 aws.String("GSI1"),
			KeyConditionExpression:    aws.String("gsi1pk = :p AND gsi1sk < :cursor"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("LIST#main#open#0"), ":cursor": str("2026-01-05")},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(2),
			ExclusiveStartKey:         start,
		})
		got = append(got, page...)
		if len(last) == 0 {
			break
		}
		start = last
	}
	want := []string{"2026-01-04T00:00:00.000Z#c4", "2026-01-03T00:00:00.000Z#c3", "2026-01-02T00:00:00.000Z#c2", "2026-01-01T00:00:00.000Z#c1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GSI1 pages (-want +got):\n%s", diff)
	}

	out, err := e.db.Query(t.Context(), &dynamodb.QueryInput{
		TableName:                 aws.String(tableName),
		IndexName:                 aws.String("GSI2"),
		KeyConditionExpression:    aws.String("gsi2pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("OWNER#main#open#none#0")},
	})
	if err != nil {
		t.Fatalf("Query GSI2: %v", err)
	}
	if out.Count != 5 {
		t.Errorf("GSI2 count = %d, want 5", out.Count)
	}
}

// appendMessage is the store's persist step: move lastSeq from seq-1 to seq,
// put the message and the client-id item, all or nothing.
func appendMessage(ctx context.Context, db *dynamodb.Client, conv string, seq int, clientID string) error {
	table := aws.String(tableName)
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                 table,
			Key:                       key("CONV#"+conv, "META"),
			UpdateExpression:          aws.String("SET lastSeq = :seq, preview = :body"),
			ConditionExpression:       aws.String("lastSeq = :prev"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(seq), ":prev": num(seq - 1), ":body": str(clientID)},
		}},
		{Put: &types.Put{
			TableName:           table,
			Item:                map[string]types.AttributeValue{"pk": str("CONV#" + conv), "sk": str(msgSK(seq)), "clientId": str(clientID)},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		{Put: &types.Put{
			TableName:                table,
			Item:                     map[string]types.AttributeValue{"pk": str("CLIENT#v1#" + clientID), "sk": str("CLIENT"), "seq": num(seq)},
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": "pk"},
		}},
	}})
	return err
}

func reasonCodes(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, 0, len(tce.CancellationReasons))
	for _, r := range tce.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	return codes
}

func TestTransactWriteItems(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str("META"), "lastSeq": num(0)})
	if err := appendMessage(t.Context(), e.db, "1", 1, "client-a"); err != nil {
		t.Fatalf("first message: %v", err)
	}

	tests := []struct {
		name      string
		seq       int
		clientID  string
		wantCodes []string
	}{
		{name: "stale seq", seq: 1, clientID: "client-b", wantCodes: []string{"ConditionalCheckFailed", "ConditionalCheckFailed", "None"}},
		{name: "retried client id at the next seq", seq: 2, clientID: "client-a", wantCodes: []string{"None", "None", "ConditionalCheckFailed"}},
		{name: "retried client id with a stale seq", seq: 1, clientID: "client-a", wantCodes: []string{"ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := appendMessage(t.Context(), e.db, "1", tc.seq, tc.clientID)
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) {
				t.Fatalf("err = %v, want TransactionCanceledException", err)
			}
			if diff := cmp.Diff(tc.wantCodes, reasonCodes(err)); diff != "" {
				t.Errorf("cancellation reasons (-want +got):\n%s", diff)
			}
		})
	}

	// Nothing of the cancelled transactions was kept.
	meta := e.get(t, "CONV#1", "META")
	if got := sval(meta, "lastSeq") + "/" + sval(meta, "preview"); got != "1/client-a" {
		t.Errorf("META lastSeq/preview = %s, want 1/client-a", got)
	}
	if item := e.get(t, "CLIENT#v1#client-b", "CLIENT"); item != nil {
		t.Errorf("client-b item stored by a cancelled transaction: %v", item)
	}
	if got := sval(e.get(t, "CONV#1", msgSK(1)), "clientId"); got != "client-a" {
		t.Errorf("MSG#1 clientId = %q, want client-a", got)
	}
}

func TestConcurrentWriters(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	const writers, perWriter = 20, 5

	t.Run("conditional counter", func(t *testing.T) {
		e.put(t, map[string]types.AttributeValue{"pk": str("COUNTER"), "sk": str("C"), "n": num(0)})
		var mu sync.Mutex
		won := map[int]int{} // value -> winners
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for wins := 0; wins < perWriter; {
					item, err := e.read(t.Context(), "COUNTER", "C")
					if err != nil {
						t.Errorf("read counter: %v", err)
						return
					}
					n, err := strconv.Atoi(sval(item, "n"))
					if err != nil {
						t.Errorf("counter: %v", err)
						return
					}
					_, err = e.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
						TableName:                 aws.String(tableName),
						Key:                       key("COUNTER", "C"),
						UpdateExpression:          aws.String("SET n = :next"),
						ConditionExpression:       aws.String("n = :seen"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":next": num(n + 1), ":seen": num(n)},
					})
					var ccf *types.ConditionalCheckFailedException
					switch {
					case err == nil:
						mu.Lock()
						won[n+1]++
						mu.Unlock()
						wins++
					case errors.As(err, &ccf):
					default:
						t.Errorf("UpdateItem: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		want := map[int]int{}
		for v := 1; v <= writers*perWriter; v++ {
			want[v] = 1
		}
		if diff := cmp.Diff(want, won); diff != "" {
			t.Errorf("winners per value (-want +got):\n%s", diff)
		}
	})

	t.Run("message transactions", func(t *testing.T) {
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#race"), "sk": str("META"), "lastSeq": num(0)})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				clientID := fmt.Sprintf("client-%02d", w)
				for attempt := 0; attempt < 200; attempt++ {
					meta, err := e.read(t.Context(), "CONV#race", "META")
					if err != nil {
						t.Errorf("read META: %v", err)
						return
					}
					n, err := strconv.Atoi(sval(meta, "lastSeq"))
					if err != nil {
						t.Errorf("lastSeq: %v", err)
						return
					}
					err = appendMessage(t.Context(), e.db, "race", n+1, clientID)
					var tce *types.TransactionCanceledException
					if err == nil {
						return
					}
					if !errors.As(err, &tce) {
						t.Errorf("append: %v", err)
						return
					}
				}
				t.Errorf("%s never got a seq", clientID)
			})
		}
		wg.Wait()
		got, _ := e.query(t, &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :m)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("CONV#race"), ":m": str("MSG#")},
		})
		var want []string
		for seq := 1; seq <= writers; seq++ {
			want = append(want, msgSK(seq))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
		// Every client id points at a distinct seq.
		seqs := map[string]bool{}
		for w := range writers {
			item := e.get(t, fmt.Sprintf("CLIENT#v1#client-%02d", w), "CLIENT")
			seqs[sval(item, "seq")] = true
		}
		if len(seqs) != writers || seqs[""] {
			t.Errorf("client items point at %d distinct seqs (%v), want %d", len(seqs), seqs, writers)
		}
	})
}

func TestTimeToLive(t *testing.T) {
	e := newEnv(t, awsemu.Options{TTLInterval: 20 * time.Millisecond})
	ctx := t.Context()

	desc, err := e.db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(tableName)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	if got := string(desc.TimeToLiveDescription.TimeToLiveStatus) + " " + aws.ToString(desc.TimeToLiveDescription.AttributeName); got != "ENABLED expiresAt" {
		t.Errorf("TTL description = %q, want ENABLED expiresAt", got)
	}

	_, err = e.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(tableName),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)},
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
		t.Errorf("enabling TTL twice: err = %v, want ValidationException", err)
	}
	_, err = e.db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("missing")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("DescribeTimeToLive of a missing table: err = %v, want ResourceNotFoundException", err)
	}

	now := time.Now().Unix()
	e.put(t, map[string]types.AttributeValue{"pk": str("CONN#old"), "sk": str("CONN"), "expiresAt": num(int(now - 10))})
	e.put(t, map[string]types.AttributeValue{"pk": str("CONN#live"), "sk": str("CONN"), "expiresAt": num(int(now + 3600))})
	e.put(t, map[string]types.AttributeValue{"pk": str("CONN#text"), "sk": str("CONN"), "expiresAt": str("0")})
	e.put(t, map[string]types.AttributeValue{"pk": str("AGENT#1"), "sk": str("PROFILE")})

	deadline := time.Now().Add(5 * time.Second)
	for e.get(t, "CONN#old", "CONN") != nil {
		if time.Now().After(deadline) {
			t.Fatal("expired item still present after 5s of sweeping")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, k := range [][2]string{{"CONN#live", "CONN"}, {"CONN#text", "CONN"}, {"AGENT#1", "PROFILE"}} {
		if e.get(t, k[0], k[1]) == nil {
			t.Errorf("%s/%s was swept but has not expired", k[0], k[1])
		}
	}

	// Disabling TTL stops the sweeping.
	if _, err := e.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(tableName),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(false)},
	}); err != nil {
		t.Fatalf("disable TTL: %v", err)
	}
	e.put(t, map[string]types.AttributeValue{"pk": str("CONN#old2"), "sk": str("CONN"), "expiresAt": num(int(now - 10))})
	n, err := e.srv.SweepExpired(ctx)
	if err != nil || n != 0 {
		t.Errorf("SweepExpired with TTL disabled = %d, %v; want 0, nil", n, err)
	}
}

// TestItemSizeLimit: an item put whole above DynamoDB's 400 KB is
// refused as DynamoDB refuses it, by PutItem, in a batch and in a
// transaction, and nothing of the request is written.
func TestItemSizeLimit(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	ctx := t.Context()
	table := aws.String(tableName)
	// item is an item of size bytes, its names and keys included.
	item := func(pk string, size int) map[string]types.AttributeValue {
		it := key(pk, "BIG")
		it["doc"] = &types.AttributeValueMemberS{Value: strings.Repeat("x", size-len("pk")-len(pk)-len("sk")-len("BIG")-len("doc"))}
		return it
	}
	if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("fits", 400<<10)}); err != nil {
		t.Fatalf("PutItem of exactly 400 KB: %v", err)
	}
	refused := func(what string, err error) {
		t.Helper()
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" || !strings.Contains(apiErr.ErrorMessage(), "Item size has exceeded the maximum allowed size") {
			t.Errorf("%s of an item over 400 KB: err = %v, want ValidationException", what, err)
		}
	}
	_, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("put", 400<<10+1)})
	refused("PutItem", err)
	_, err = e.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{tableName: {
		{PutRequest: &types.PutRequest{Item: item("batch-small", 100)}},
		{PutRequest: &types.PutRequest{Item: item("batch", 500<<10)}},
	}}})
	refused("BatchWriteItem", err)
	_, err = e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: table, Item: item("tx-small", 100)}},
		{Put: &types.Put{TableName: table, Item: item("tx", 500<<10)}},
	}})
	refused("TransactWriteItems", err)
	for _, pk := range []string{"put", "batch-small", "batch", "tx-small", "tx"} {
		if it := e.get(t, pk, "BIG"); it != nil {
			t.Errorf("%s was written by a refused request", pk)
		}
	}
}

func TestUnsupportedOperation(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	_, err := e.db.ListTables(t.Context(), &dynamodb.ListTablesInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("ListTables: err = %v, want an API error", err)
	}
	if apiErr.ErrorCode() != "UnknownOperationException" || !strings.Contains(apiErr.ErrorMessage(), "ListTables") {
		t.Errorf("ListTables error = %s: %s, want UnknownOperationException naming ListTables", apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
}

func TestFaultInjection(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	e.put(t, map[string]types.AttributeValue{"pk": str("A"), "sk": str("B")})

	getItem := func(ctx context.Context) error {
		_, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("A", "B")})
		return err
	}
	tests := []struct {
		name      string
		failures  int
		kind      string
		wantCalls int64 // the SDK makes at most 3 attempts
		check     func(error) bool
	}{
		{name: "throttled twice, then served", failures: 2, kind: awsemu.FaultThrottle, wantCalls: 3, check: func(err error) bool { return err == nil }},
		{name: "throttled beyond the retries", failures: 5, kind: awsemu.FaultThrottle, wantCalls: 3, check: func(err error) bool {
			var pte *types.ProvisionedThroughputExceededException
			return errors.As(err, &pte)
		}},
		{name: "internal error beyond the retries", failures: 3, kind: awsemu.FaultInternal, wantCalls: 3, check: func(err error) bool {
			var ise *types.InternalServerError
			return errors.As(err, &ise)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(e.srv.FailNext("GetItem", tc.failures, tc.kind, tableName))
			before := e.srv.Stats().Calls[awsemu.ServiceDynamoDB]["GetItem"]
			err := getItem(t.Context())
			if !tc.check(err) {
				t.Errorf("GetItem err = %v", err)
			}
			if got := e.srv.Stats().Calls[awsemu.ServiceDynamoDB]["GetItem"] - before; got != tc.wantCalls {
				t.Errorf("GetItem calls = %d, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:SigningSecret-AbC123"
	e.srv.AddSecrets([]*template.Secret{
		{LogicalID: "SigningSecret", ARN: arn, PasswordLength: 64, ExcludePunctuation: true},
		{LogicalID: "Other", ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:Other-XyZ789", PasswordLength: 200},
	})

	byARN, err := e.secrets.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetSecretValue by ARN: %v", err)
	}
	value := aws.ToString(byARN.SecretString)
	if len(value) != 64 || strings.Trim(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
		t.Errorf("secret = %q, want 64 letters and digits", value)
	}
	if diff := cmp.Diff([]string{"AWSCURRENT"}, byARN.VersionStages); diff != "" {
		t.Errorf("VersionStages (-want +got):\n%s", diff)
	}
	if aws.ToString(byARN.ARN) != arn || aws.ToString(byARN.Name) != "SigningSecret" || aws.ToString(byARN.VersionId) == "" {
		t.Errorf("ARN, Name, VersionId = %q, %q, %q", aws.ToString(byARN.ARN), aws.ToString(byARN.Name), aws.ToString(byARN.VersionId))
	}
	if d := time.Since(aws.ToTime(byARN.CreatedDate)); d < 0 || d > time.Minute {
		t.Errorf("CreatedDate = %v, want about now", byARN.CreatedDate)
	}

	byName, err := e.secrets.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("SigningSecret")})
	if err != nil {
		t.Fatalf("GetSecretValue by name: %v", err)
	}
	if aws.ToString(byName.SecretString) != value {
		t.Error("the same secret read by name and by ARN differs")
	}

	other, err := e.secrets.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("Other")})
	if err != nil {
		t.Fatalf("GetSecretValue Other: %v", err)
	}
	if v := aws.ToString(other.SecretString); len(v) != 200 || !strings.ContainsAny(v, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
		t.Errorf("secret with punctuation = %q, want 200 characters including punctuation", v)
	}

	for _, id := range []string{"Missing", arn + "x"} {
		_, err = e.secrets.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		var rnf *smtypes.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Errorf("GetSecretValue(%q): err = %v, want ResourceNotFoundException", id, err)
		}
	}

	if got := e.srv.Stats().Calls[awsemu.ServiceSecretsManager]["GetSecretValue"]; got != 5 {
		t.Errorf("GetSecretValue calls = %d, want 5", got)
	}
}

func TestIsAWSRequest(t *testing.T) {
	tests := []struct {
		method, target string
		want           bool
	}{
		{http.MethodPost, "DynamoDB_20120810.GetItem", true},
		{http.MethodPost, "secretsmanager.GetSecretValue", true},
		{http.MethodPost, "AmazonSQS.SendMessage", false},
		{http.MethodPost, "", false},
		{http.MethodGet, "DynamoDB_20120810.GetItem", false},
	}
	for _, tc := range tests {
		r := httptest.NewRequestWithContext(t.Context(), tc.method, "/", nil)
		if tc.target != "" {
			r.Header.Set("X-Amz-Target", tc.target)
		}
		if got := awsemu.IsAWSRequest(r); got != tc.want {
			t.Errorf("IsAWSRequest(%s %q) = %v, want %v", tc.method, tc.target, got, tc.want)
		}
	}
}

func TestStatsCountsEveryCall(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	e.put(t, map[string]types.AttributeValue{"pk": str("A"), "sk": str("B")})
	e.get(t, "A", "B")
	e.get(t, "A", "B")
	_, _ = e.db.ListTables(t.Context(), &dynamodb.ListTablesInput{})
	got := e.srv.Stats().Calls[awsemu.ServiceDynamoDB]
	want := map[string]int64{"PutItem": 1, "GetItem": 2, "ListTables": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	// Stats is a copy.
	got["PutItem"] = 99
	if n := e.srv.Stats().Calls[awsemu.ServiceDynamoDB]["PutItem"]; n != 1 {
		t.Errorf("Stats shares its map: PutItem = %d after editing the copy", n)
	}
}
