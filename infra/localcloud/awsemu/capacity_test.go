package awsemu_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// sized is an item of exactly n bytes as DynamoDB counts them: "pk"+"P",
// "sk"+sk and "b" plus the body.
func sized(sk string, n int) map[string]types.AttributeValue {
	it := key("P", sk)
	it["b"] = str(strings.Repeat("x", n-2-1-2-len(sk)-1))
	return it
}

// includeTable is chatTable with GSI1 projecting the attribute p alone
// beside the keys, and no GSI2.
func includeTable() *template.Table {
	t := chatTable()
	t.GSIs = t.GSIs[:1]
	t.GSIs[0].ProjectionType, t.GSIs[0].NonKeyAttributes = "INCLUDE", []string{"p"}
	return t
}

// indexed is an item of n bytes in GSI1 (at "G"/"1") with p set.
func indexed(n int) map[string]types.AttributeValue {
	it := sized("S", n-len("gsi1pkG")-len("gsi1sk1")-len("pv"))
	it["gsi1pk"], it["gsi1sk"], it["p"] = str("G"), str("1"), str("v")
	return it
}

func update(t *testing.T, e *env, expr string, v types.AttributeValue) error {
	_, err := e.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(tableName), Key: key("P", "S"), UpdateExpression: aws.String(expr),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	})
	return err
}

func TestCapacityMeter(t *testing.T) {
	tcs := []struct {
		name string
		// table is chatTable unless set.
		table *template.Table
		setup func(t *testing.T, e *env)
		act   func(t *testing.T, e *env) error
		read  float64
		write float64
		index float64 // of the write units, GSI1's
		// kinds are the write units by kind of item, when not all P/S's.
		kinds map[string]float64
	}{
		{
			name:  "a 1 KB put is one write unit",
			act:   func(t *testing.T, e *env) error { return put(t, e, sized("S", 1024)) },
			write: 1,
		},
		{
			name:  "one byte more is two",
			act:   func(t *testing.T, e *env) error { return put(t, e, sized("S", 1025)) },
			write: 2,
		},
		{
			name: "a put into an ALL-projected index pays the index too",
			act: func(t *testing.T, e *env) error {
				it := sized("S", 500)
				it["gsi1pk"], it["gsi1sk"] = str("G"), str("1")
				return put(t, e, it)
			},
			write: 2,
			index: 1,
		},
		{
			name:  "an overwrite pays for the larger of before and after",
			setup: func(t *testing.T, e *env) { e.put(t, sized("S", 3000)) },
			act:   func(t *testing.T, e *env) error { return put(t, e, sized("S", 100)) },
			write: 3,
		},
		{
			name:  "an eventually consistent read of 5 KB is one unit",
			setup: func(t *testing.T, e *env) { e.put(t, sized("S", 5000)) },
			act: func(t *testing.T, e *env) error {
				_, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("P", "S")})
				return err
			},
			read: 1,
		},
		{
			name:  "a consistent read of 5 KB is two",
			setup: func(t *testing.T, e *env) { e.put(t, sized("S", 5000)) },
			act: func(t *testing.T, e *env) error {
				_, err := e.read(t.Context(), "P", "S")
				return err
			},
			read: 2,
		},
		{
			name: "a read that finds nothing costs the minimum",
			act:  func(t *testing.T, e *env) error { _, err := e.read(t.Context(), "P", "none"); return err },
			read: 1,
		},
		{
			name: "a query rounds the sum of its items",
			setup: func(t *testing.T, e *env) {
				for _, sk := range []string{"A", "B", "C"} {
					e.put(t, sized(sk, 2000))
				}
			},
			act: func(t *testing.T, e *env) error {
				_, err := e.db.Query(t.Context(), &dynamodb.QueryInput{
					TableName: aws.String(tableName), KeyConditionExpression: aws.String("pk = :p"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("P")},
				})
				return err
			},
			read: 1, // 6,000 bytes: two 4 KB units at half a unit each
		},
		{
			name: "a transaction's index update is at the standard rate",
			act: func(t *testing.T, e *env) error {
				it := sized("S", 500)
				it["gsi1pk"], it["gsi1sk"] = str("G"), str("1")
				_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String(tableName), Item: it}},
				}})
				return err
			},
			write: 2 + 1,
			index: 1,
		},
		{
			name: "a transaction writes at twice the price, its condition check too",
			setup: func(t *testing.T, e *env) {
				e.put(t, sized("C", 100))
			},
			act: func(t *testing.T, e *env) error {
				_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String(tableName), Item: sized("S", 1500)}},
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tableName), Key: key("P", "C"), ConditionExpression: aws.String("attribute_exists(pk)")}},
				}})
				return err
			},
			write: 2*2 + 2*1,
			kinds: map[string]float64{tableName + "/P/S": 2 * 2, tableName + "/P/C": 2 * 1},
		},
		{
			name:  "an INCLUDE index's entry is the keys and the attributes it lists",
			table: includeTable(),
			act:   func(t *testing.T, e *env) error { return put(t, e, indexed(3000)) },
			write: 3 + 1,
			index: 1,
		},
		{
			name:  "an update that changes nothing an INCLUDE index holds costs it nothing",
			table: includeTable(),
			setup: func(t *testing.T, e *env) { e.put(t, indexed(500)) },
			act:   func(t *testing.T, e *env) error { return update(t, e, "SET q = :v", num(7)) },
			write: 1,
		},
		{
			name:  "an update of a listed attribute rewrites the entry",
			table: includeTable(),
			setup: func(t *testing.T, e *env) { e.put(t, indexed(500)) },
			act:   func(t *testing.T, e *env) error { return update(t, e, "SET p = :v", str("w")) },
			write: 1 + 1,
			index: 1,
		},
		{
			name:  "an update of the index's sort key deletes the entry and puts it again",
			table: includeTable(),
			setup: func(t *testing.T, e *env) { e.put(t, indexed(500)) },
			act:   func(t *testing.T, e *env) error { return update(t, e, "SET gsi1sk = :v", str("2")) },
			write: 1 + 2,
			index: 2,
		},
		{
			name:  "an ALL index pays for any change of the item",
			setup: func(t *testing.T, e *env) { e.put(t, indexed(500)) },
			act:   func(t *testing.T, e *env) error { return update(t, e, "SET q = :v", num(7)) },
			write: 1 + 1,
			index: 1,
		},
	}
	for _, tc := range tcs {
		t.Run(tc.name, func(t *testing.T) {
			table := tc.table
			if table == nil {
				table = chatTable()
			}
			e := newEnvOf(t, awsemu.Options{}, table)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			e.srv.MeterCapacity([]*template.Table{table})
			if err := tc.act(t, e); err != nil {
				t.Fatal(err)
			}
			want := awsemu.Capacity{ReadUnits: map[string]float64{}, WriteUnits: map[string]float64{}, IndexWriteUnits: map[string]float64{}, KindWriteUnits: map[string]float64{}}
			if tc.index > 0 {
				want.IndexWriteUnits[tableName+"/GSI1"] = tc.index
			}
			if tc.read > 0 {
				want.ReadUnits[tableName] = tc.read
			}
			if tc.write > 0 {
				want.WriteUnits[tableName] = tc.write
				want.KindWriteUnits[tableName+"/P/S"] = tc.write
			}
			if tc.kinds != nil {
				want.KindWriteUnits = tc.kinds
			}
			if diff := cmp.Diff(want, e.srv.Capacity()); diff != "" {
				t.Errorf("capacity (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIncludeProjection: a Query of an INCLUDE index answers with the
// keys and the listed attributes only, as DynamoDB does, so code that
// reads an attribute the index leaves out fails its tests.
func TestIncludeProjection(t *testing.T) {
	e := newEnvOf(t, awsemu.Options{}, includeTable())
	it := indexed(500)
	it["q"] = num(7)
	e.put(t, it)
	out, err := e.db.Query(t.Context(), &dynamodb.QueryInput{
		TableName: aws.String(tableName), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("gsi1pk = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": str("G")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]types.AttributeValue{{"pk": str("P"), "sk": str("S"), "gsi1pk": str("G"), "gsi1sk": str("1"), "p": str("v")}}
	if diff := cmp.Diff(want, out.Items, cmpopts.IgnoreUnexported(types.AttributeValueMemberS{}, types.AttributeValueMemberN{})); diff != "" {
		t.Errorf("index entries (-want +got):\n%s", diff)
	}
}

func put(t *testing.T, e *env, item map[string]types.AttributeValue) error {
	_, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: item})
	return err
}
