// Package storetest runs the store against an in-process DynamoDB (the
// local cloud's emulator around github.com/truora/minidyn, with its
// fidelity fixes) spoken to over HTTP by the real SDK client.
package storetest

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/shared/store"
)

// Server is a running DynamoDB endpoint.
type Server struct {
	srv    *httptest.Server
	client *dynamodb.Client
	tables atomic.Int64
}

// Start starts a server; call Close when done (from TestMain).
func Start() *Server {
	srv := httptest.NewServer(awsemu.New(awsemu.Options{}))
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
	})
	return &Server{srv: srv, client: client}
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Client returns the SDK client talking to the server.
func (s *Server) Client() *dynamodb.Client { return s.client }

// NewTable creates a fresh table shaped like template.yaml's ChatTable and
// returns its name; each test gets its own, so tests never see each other.
func (s *Server) NewTable(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("chat-%d", s.tables.Add(1))
	if err := CreateTable(tb.Context(), s.client, name); err != nil {
		tb.Fatalf("create table: %v", err)
	}
	return name
}

// NewSearchTable creates a fresh table shaped like template.yaml's
// SearchTable (pk and sk, no index) and returns its name.
func (s *Server) NewSearchTable(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("search-%d", s.tables.Add(1))
	_, err := s.client.CreateTable(tb.Context(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		tb.Fatalf("create search table: %v", err)
	}
	return name
}

// CreateTable creates the chat table: pk/sk, GSI1 and GSI2 with all
// attributes projected and the keys-only timer index GSI3, as template.yaml
// declares them.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	s := types.ScalarAttributeTypeS
	attr := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: s}
	}
	keys := func(h, r string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(h), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(r), KeyType: types.KeyTypeRange},
		}
	}
	gsi := func(n, h, r string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName: aws.String(n), KeySchema: keys(h, r),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			attr("pk"), attr("sk"), attr("gsi1pk"), attr("gsi1sk"), attr("gsi2pk"), attr("gsi2sk"),
			attr("timerpk"), attr("timersk"),
		},
		KeySchema: keys("pk", "sk"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi("GSI1", "gsi1pk", "gsi1sk"), gsi("GSI2", "gsi2pk", "gsi2sk"),
			{IndexName: aws.String("GSI3"), KeySchema: keys("timerpk", "timersk"),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		},
	})
	return err
}

// Counting wraps a store.DB and counts calls per operation, to measure
// what a use case costs.
type Counting struct {
	store.DB
	mu    sync.Mutex
	calls map[string]int
}

// NewCounting wraps db.
func NewCounting(db store.DB) *Counting { return &Counting{DB: db, calls: map[string]int{}} }

func (c *Counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

// Calls returns the counts so far and resets them.
func (c *Counting) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.calls)
	clear(c.calls)
	return out
}

func (c *Counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.DB.GetItem(ctx, in, o...)
}

func (c *Counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.count("PutItem")
	return c.DB.PutItem(ctx, in, o...)
}

func (c *Counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.count("UpdateItem")
	return c.DB.UpdateItem(ctx, in, o...)
}

func (c *Counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.count("DeleteItem")
	return c.DB.DeleteItem(ctx, in, o...)
}

func (c *Counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.count("Query")
	return c.DB.Query(ctx, in, o...)
}

func (c *Counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.count("TransactWriteItems")
	return c.DB.TransactWriteItems(ctx, in, o...)
}

func (c *Counting) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	c.count("BatchWriteItem")
	return c.DB.BatchWriteItem(ctx, in, o...)
}

func (c *Counting) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.count("BatchGetItem")
	return c.DB.BatchGetItem(ctx, in, o...)
}
