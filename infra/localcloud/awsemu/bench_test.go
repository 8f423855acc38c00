package awsemu_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
)

// benchSizes are the table sizes, in items, the DynamoDB benchmarks run at.
var benchSizes = []int{1_000, 10_000, 50_000}

// itemsPerConversation is how many items seedConversations writes to each
// conversation partition: META, two connections and seven messages.
const itemsPerConversation = 10

// seedConversations fills the table with n items, itemsPerConversation to a
// conversation, and returns the number of conversations. Every META item is
// in GSI1 and GSI2, as the store's are.
func seedConversations(b *testing.B, e *env, n int) int {
	b.Helper()
	convs := n / itemsPerConversation
	var batch []types.WriteRequest
	flush := func() {
		if len(batch) == 0 {
			return
		}
		out, err := e.db.BatchWriteItem(b.Context(), &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{tableName: batch},
		})
		if err != nil {
			b.Fatalf("BatchWriteItem: %v", err)
		}
		if len(out.UnprocessedItems) > 0 {
			b.Fatalf("BatchWriteItem left %d tables unprocessed", len(out.UnprocessedItems))
		}
		batch = batch[:0]
	}
	add := func(item map[string]types.AttributeValue) {
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 {
			flush()
		}
	}
	for c := range convs {
		pk := fmt.Sprintf("CONV#%06d", c)
		when := fmt.Sprintf("2026-01-01T00:%02d:%02d.000Z#%06d", c/60%60, c%60, c)
		add(map[string]types.AttributeValue{
			"pk": str(pk), "sk": str("META"), "lastSeq": num(7), "status": str("open"),
			"gsi1pk": str(fmt.Sprintf("LIST#main#open#%d", c%4)), "gsi1sk": str(when),
			"gsi2pk": str(fmt.Sprintf("OWNER#main#open#none#%d", c%4)), "gsi2sk": str(when),
		})
		for _, conn := range []string{"CONN#a", "CONN#b"} {
			add(map[string]types.AttributeValue{"pk": str(pk), "sk": str(conn), "connectionId": str(conn)})
		}
		for seq := 1; seq <= itemsPerConversation-3; seq++ {
			add(map[string]types.AttributeValue{"pk": str(pk), "sk": str(msgSK(seq)), "body": str("hello there, how can I help?")})
		}
	}
	flush()
	return convs
}

// BenchmarkQuery measures the store's hottest read: a conversation's META
// and connections (pk = :p AND sk <= :s) from a partition of
// itemsPerConversation items, at several table sizes.
func BenchmarkQuery(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("items="+strconv.Itoa(size), func(b *testing.B) {
			e := newEnv(b, awsemu.Options{})
			convs := seedConversations(b, e, size)
			i := 0
			for b.Loop() {
				pk := fmt.Sprintf("CONV#%06d", i%convs)
				i += 7919
				out, err := e.db.Query(b.Context(), &dynamodb.QueryInput{
					TableName:              aws.String(tableName),
					KeyConditionExpression: aws.String("pk = :p AND sk <= :s"),
					ExpressionAttributeValues: map[string]types.AttributeValue{
						":p": str(pk), ":s": str("META"),
					},
					ConsistentRead: aws.Bool(true),
				})
				if err != nil {
					b.Fatalf("Query: %v", err)
				}
				if len(out.Items) != 3 {
					b.Fatalf("Query %s returned %d items, want 3", pk, len(out.Items))
				}
			}
		})
	}
}

// BenchmarkTransactWriteItems measures a three-item transaction shaped like
// the store's message append (a conditional update of META and two
// conditional puts), at several table sizes. The puts overwrite the same
// keys so the table keeps its size.
func BenchmarkTransactWriteItems(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("items="+strconv.Itoa(size), func(b *testing.B) {
			e := newEnv(b, awsemu.Options{})
			convs := seedConversations(b, e, size)
			table := aws.String(tableName)
			i := 0
			for b.Loop() {
				pk := fmt.Sprintf("CONV#%06d", i%convs)
				i += 7919
				_, err := e.db.TransactWriteItems(b.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{
						TableName:                 table,
						Key:                       key(pk, "META"),
						UpdateExpression:          aws.String("ADD lastSeq :one"),
						ConditionExpression:       aws.String("attribute_exists(pk)"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
					}},
					{Put: &types.Put{
						TableName:                 table,
						Item:                      map[string]types.AttributeValue{"pk": str(pk), "sk": str("MSG#latest"), "seq": num(i)},
						ConditionExpression:       aws.String("attribute_not_exists(pk) OR seq <> :seq"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(i)},
					}},
					{Put: &types.Put{
						TableName: table,
						Item:      map[string]types.AttributeValue{"pk": str("CLIENT#bench"), "sk": str("CLIENT"), "seq": num(i)},
					}},
				}})
				if err != nil {
					b.Fatalf("TransactWriteItems: %v", err)
				}
			}
		})
	}
}

// BenchmarkIndexQuery measures the inbox list's read: the 21 most recent
// conversations of one GSI1 shard, at several table sizes. An index query
// reads every partition of the table.
func BenchmarkIndexQuery(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("items="+strconv.Itoa(size), func(b *testing.B) {
			e := newEnv(b, awsemu.Options{})
			seedConversations(b, e, size)
			for b.Loop() {
				out, err := e.db.Query(b.Context(), &dynamodb.QueryInput{
					TableName:                 aws.String(tableName),
					IndexName:                 aws.String("GSI1"),
					KeyConditionExpression:    aws.String("gsi1pk = :p"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("LIST#main#open#0")},
					ScanIndexForward:          aws.Bool(false),
					Limit:                     aws.Int32(21),
				})
				if err != nil {
					b.Fatalf("Query: %v", err)
				}
				if len(out.Items) != 21 {
					b.Fatalf("Query returned %d items, want 21", len(out.Items))
				}
			}
		})
	}
}
