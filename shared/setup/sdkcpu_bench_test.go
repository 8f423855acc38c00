package setup

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// cannedDynamoDB answers every request in process with a fixed body, so a
// benchmark times what the function's CPU does for a call (build, serialise,
// sign, send through the middleware stack, deserialise), not a socket.
type cannedDynamoDB struct{ bodies map[string][]byte }

func (c cannedDynamoDB) Do(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return nil, err
	}
	body, ok := c.bodies[op]
	if !ok {
		return nil, fmt.Errorf("no canned answer for %q", op)
	}
	return &http.Response{
		StatusCode: http.StatusOK, Request: r, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body:   io.NopCloser(bytes.NewReader(body)),
	}, nil
}

// A Query answering a page of 50 messages, as a thread read does.
func cannedQuery() []byte {
	var b strings.Builder
	b.WriteString(`{"Count":50,"ScannedCount":50,"Items":[`)
	for i := range 50 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"pk":{"S":"CONV#c1"},"sk":{"S":"MSG#%010d"},"seq":{"N":"%d"},"author":{"M":{"kind":{"S":"visitor"},"id":{"S":"v-123"},"name":{"S":"Ada"}}},"text":{"S":"Hello, I have a question about my order number %d, can you help?"},"clientId":{"S":"0b6e3a1c-6f7e-4d55-9a8e-%012d"},"createdAt":{"S":"2026-12-07T10:00:00.000Z"}}`, i, i, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkDynamoDBCalls times the client side of the two calls a visitor
// message makes (a TransactWriteItems of the message and its conversation,
// a Query of a page of messages) through the real DynamoDB client, as
// setup makes it. docs/cost.md compares it built with and without
// inlining in the SDK (-gcflags='github.com/aws/...=-l').
func BenchmarkDynamoDBCalls(b *testing.B) {
	client := dynamodb.NewFromConfig(aws.Config{
		Region:      "eu-west-1",
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "token")),
		HTTPClient:  cannedDynamoDB{bodies: map[string][]byte{"TransactWriteItems": []byte(`{}`), "Query": cannedQuery()}},
	}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://dynamodb.local") })
	table := "parley"
	b.Run("TransactWriteItems", func(b *testing.B) {
		in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &table, ConditionExpression: aws.String("attribute_not_exists(pk)"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "CONV#c1"}, "sk": &types.AttributeValueMemberS{Value: "MSG#0000000042"},
				"seq": &types.AttributeValueMemberN{Value: "42"}, "text": &types.AttributeValueMemberS{Value: "Hello, I have a question about my order, can you help?"},
				"author":   &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"kind": &types.AttributeValueMemberS{Value: "visitor"}, "id": &types.AttributeValueMemberS{Value: "v-123"}}},
				"clientId": &types.AttributeValueMemberS{Value: "0b6e3a1c-6f7e-4d55-9a8e-000000000042"},
			}}},
			{Update: &types.Update{TableName: &table, Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "CONV#c1"}, "sk": &types.AttributeValueMemberS{Value: "META"},
			}, UpdateExpression: aws.String("SET lastSeq = :seq, lastText = :text, updatedAt = :now"),
				ConditionExpression: aws.String("lastSeq = :prev"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":seq": &types.AttributeValueMemberN{Value: "42"}, ":prev": &types.AttributeValueMemberN{Value: "41"},
					":text": &types.AttributeValueMemberS{Value: "Hello, I have a question"}, ":now": &types.AttributeValueMemberS{Value: "2026-12-07T10:00:00.000Z"},
				}}},
		}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.TransactWriteItems(b.Context(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Query", func(b *testing.B) {
		in := &dynamodb.QueryInput{TableName: &table, KeyConditionExpression: aws.String("pk = :pk AND sk > :after"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: "CONV#c1"}, ":after": &types.AttributeValueMemberS{Value: "MSG#0000000000"},
			}, Limit: aws.Int32(50)}
		b.ReportAllocs()
		for b.Loop() {
			out, err := client.Query(b.Context(), in)
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Items) != 50 {
				b.Fatalf("%d items, want 50", len(out.Items))
			}
		}
	})
}
