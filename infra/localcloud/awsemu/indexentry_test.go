package awsemu_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
)

// TestUpdateIntoAnIndex: an update that gives an item an index's keys for
// the first time (a new item, or one outside the index) adds it to the
// index and keeps every other entry there, alone or in a transaction;
// its condition, its answer and a failed transaction behave as without
// the index.
func TestUpdateIntoAnIndex(t *testing.T) {
	e := newEnv(t, awsemu.Options{Partitions: 1})
	ctx := t.Context()
	for _, sk := range []string{"MEMBER#main", "PROFILE"} {
		e.put(t, map[string]types.AttributeValue{"pk": str("AGENT#ben"), "sk": str(sk), "gsi2pk": str("TEAM"), "gsi2sk": str("ben#" + sk)})
	}
	e.put(t, map[string]types.AttributeValue{"pk": str("AGENT#ann"), "sk": str("ACCESS"), "signedOutAt": num(5)})
	enter := func(pk, sk, cond string) *dynamodb.UpdateItemInput {
		in := &dynamodb.UpdateItemInput{
			TableName: aws.String(tableName), Key: key(pk, sk),
			UpdateExpression:          aws.String("SET disabled = :d, #pk2 = :team, gsi2sk = :sk"),
			ExpressionAttributeNames:  map[string]string{"#pk2": "gsi2pk"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":d": str("true"), ":team": str("TEAM"), ":sk": str(pk[6:] + "#" + sk)},
			ReturnValues:              types.ReturnValueAllNew,
		}
		if cond != "" {
			in.ConditionExpression = aws.String(cond)
		}
		return in
	}

	// A new item enters the index.
	out, err := e.db.UpdateItem(ctx, enter("AGENT#ben", "ACCESS", ""))
	if err != nil {
		t.Fatal(err)
	}
	if sval(out.Attributes, "disabled") != "true" || sval(out.Attributes, "gsi2sk") != "ben#ACCESS" {
		t.Errorf("answer = %v, want the new item", out.Attributes)
	}
	if diff := cmp.Diff([]string{"ben#ACCESS", "ben#MEMBER#main", "ben#PROFILE"}, e.team(t)); diff != "" {
		t.Errorf("after a new item entered (-want +got):\n%s", diff)
	}

	// An existing item outside the index: its condition holds on what it
	// was, and it keeps its other attributes.
	var ccf *types.ConditionalCheckFailedException
	if _, err := e.db.UpdateItem(ctx, enter("AGENT#ann", "ACCESS", "attribute_not_exists(signedOutAt)")); !errors.As(err, &ccf) {
		t.Errorf("a false condition: %v, want ConditionalCheckFailed", err)
	}
	if diff := cmp.Diff([]string{"ben#ACCESS", "ben#MEMBER#main", "ben#PROFILE"}, e.team(t)); diff != "" {
		t.Errorf("after a refused update (-want +got):\n%s", diff)
	}
	in := enter("AGENT#ann", "ACCESS", "signedOutAt = :five")
	in.ExpressionAttributeValues[":five"] = num(5)
	if _, err := e.db.UpdateItem(ctx, in); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, "AGENT#ann", "ACCESS"); sval(got, "signedOutAt") != "5" || sval(got, "disabled") != "true" {
		t.Errorf("ann's access = %v, want signedOutAt kept and disabled set", got)
	}

	// In a transaction; one that fails leaves the index as it was.
	cancelled := &types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(tableName), Key: key("AGENT#ben", "PROFILE"), ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}
	u := enter("AGENT#cy", "ACCESS", "")
	update := types.TransactWriteItem{Update: &types.Update{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues}}
	if _, err := e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{update, *cancelled}}); err == nil {
		t.Fatal("a transaction with a false condition committed")
	}
	want := []string{"ann#ACCESS", "ben#ACCESS", "ben#MEMBER#main", "ben#PROFILE"}
	if diff := cmp.Diff(want, e.team(t)); diff != "" {
		t.Errorf("after a cancelled transaction (-want +got):\n%s", diff)
	}
	if _, err := e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{update}}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "cy#ACCESS")
	slices.Sort(want)
	if diff := cmp.Diff(want, e.team(t)); diff != "" {
		t.Errorf("after a transaction (-want +got):\n%s", diff)
	}
}

// TestLeaveAnIndex: an item that a write takes out of an index (a REMOVE
// of its index keys, alone or in a transaction, or a put without them)
// and that is deleted later, or written by a transaction that is rolled
// back, leaves every other entry of the index where it was, and entries
// written afterwards are listed too.
func TestLeaveAnIndex(t *testing.T) {
	member := func(name string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": str("AGENT#" + name), "sk": str("PROFILE"), "gsi2pk": str("TEAM"), "gsi2sk": str(name)}
	}
	bare := map[string]types.AttributeValue{"pk": str("AGENT#b"), "sk": str("PROFILE"), "name": str("b")}
	update := func(expr string) *dynamodb.UpdateItemInput {
		return &dynamodb.UpdateItemInput{TableName: aws.String(tableName), Key: key("AGENT#b", "PROFILE"), UpdateExpression: aws.String(expr)}
	}
	deleteB := func(t *testing.T, e *env) {
		t.Helper()
		if _, err := e.db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(tableName), Key: key("AGENT#b", "PROFILE")}); err != nil {
			t.Fatal(err)
		}
	}
	rolledBack := func(t *testing.T, e *env) {
		t.Helper()
		u := update("SET #n = :n")
		_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
				ExpressionAttributeNames: map[string]string{"#n": "name"}, ExpressionAttributeValues: map[string]types.AttributeValue{":n": str("bee")}}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tableName), Key: key("AGENT#a", "PROFILE"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		}})
		var cancelled *types.TransactionCanceledException
		if !errors.As(err, &cancelled) {
			t.Fatalf("a transaction with a false condition: %v, want it cancelled", err)
		}
	}
	tests := []struct {
		name  string
		leave func(t *testing.T, e *env) error
		then  func(t *testing.T, e *env)
	}{
		{"a REMOVE of the index keys", func(t *testing.T, e *env) error {
			_, err := e.db.UpdateItem(t.Context(), update("REMOVE gsi2pk, gsi2sk"))
			return err
		}, deleteB},
		{"a REMOVE of the sort key in a transaction", func(t *testing.T, e *env) error {
			u := update("SET #n = :n REMOVE gsi2sk")
			_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
				TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
				ExpressionAttributeNames: map[string]string{"#n": "name"}, ExpressionAttributeValues: map[string]types.AttributeValue{":n": str("b")},
			}}}})
			return err
		}, deleteB},
		{"a REMOVE of the index keys, then a rolled back transaction", func(t *testing.T, e *env) error {
			_, err := e.db.UpdateItem(t.Context(), update("REMOVE gsi2pk, gsi2sk"))
			return err
		}, rolledBack},
		{"a put without the index keys", func(t *testing.T, e *env) error {
			_, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: bare})
			return err
		}, func(t *testing.T, e *env) {
			t.Helper()
			_, err := e.db.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				tableName: {{DeleteRequest: &types.DeleteRequest{Key: key("AGENT#b", "PROFILE")}}},
			}})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"a batch put without the index keys, then back in the index", func(t *testing.T, e *env) error {
			_, err := e.db.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				tableName: {{PutRequest: &types.PutRequest{Item: bare}}},
			}})
			if err != nil {
				return err
			}
			if got := e.team(t); !cmp.Equal(got, []string{"a", "c", "d"}) {
				t.Errorf("out of the index: %v", got)
			}
			in := update("SET gsi2pk = :team, gsi2sk = :b")
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":team": str("TEAM"), ":b": str("b")}
			if _, err := e.db.UpdateItem(t.Context(), in); err != nil {
				return err
			}
			if got := e.team(t); !cmp.Equal(got, []string{"a", "b", "c", "d"}) {
				t.Errorf("back in the index: %v", got)
			}
			_, err = e.db.UpdateItem(t.Context(), update("REMOVE gsi2pk"))
			return err
		}, deleteB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, awsemu.Options{Partitions: 1})
			for _, name := range []string{"a", "b", "c", "d"} {
				e.put(t, member(name))
			}
			if err := tt.leave(t, e); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"a", "c", "d"}, e.team(t)); diff != "" {
				t.Errorf("after b left the index (-want +got):\n%s", diff)
			}
			tt.then(t, e)
			e.put(t, member("e"))
			if diff := cmp.Diff([]string{"a", "c", "d", "e"}, e.team(t)); diff != "" {
				t.Errorf("later (-want +got):\n%s", diff)
			}
		})
	}
}

// team lists the sort keys of GSI2's TEAM partition, in order.
func (e *env) team(t *testing.T) []string {
	t.Helper()
	out, err := e.db.Query(t.Context(), &dynamodb.QueryInput{
		TableName: aws.String(tableName), IndexName: aws.String("GSI2"),
		KeyConditionExpression:    aws.String("gsi2pk = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("TEAM")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, sval(it, "gsi2sk"))
	}
	return got
}
