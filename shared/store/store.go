// Package store keeps the chat in one DynamoDB table (docs/architecture.md,
// "Data model") and implements chat.Storer.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// DB is the part of the DynamoDB client the store uses, with the SDK's own
// signatures so *dynamodb.Client satisfies it and tests can count calls.
type DB interface {
	GetItem(ctx context.Context, params *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, params *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, params *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, params *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, params *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, params *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(ctx context.Context, params *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	BatchGetItem(ctx context.Context, params *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Lifetimes of items that expire (DynamoDB TTL on expiresAt).
const (
	ConnectionTTL = 2 * time.Hour
	ClientIDTTL   = 7 * 24 * time.Hour
	ticketGrace   = 5 * time.Minute
)

// Shards of each inbox list index partition.
const Shards = 4

// maxAttempts bounds the retries of a write that another writer overlapped
// (a new conversation's client id, unprocessed batch items). Appends to the
// seq stream retry by time instead (seqRetryUntil).
const maxAttempts = 8

// Store implements chat.Storer on DynamoDB.
type Store struct {
	db    DB
	table string
	now   func() time.Time
}

var _ chat.Storer = (*Store)(nil)

// New returns a Store for table. now may be nil (time.Now).
func New(db DB, table string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, table: table, now: now}
}

// translate turns SDK errors into domain sentinels.
func translate(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("dynamodb: %w: %w", chat.ErrConflict, err)
	}
	return fmt.Errorf("dynamodb: %w", err)
}

// ---------------------------------------------------------------- attribute helpers

type item = map[string]types.AttributeValue

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func strList(vs []string) types.AttributeValue {
	l := make([]types.AttributeValue, 0, len(vs))
	for _, v := range vs {
		l = append(l, str(v))
	}
	return &types.AttributeValueMemberL{Value: l}
}

func key(pk, sk string) item { return item{"pk": str(pk), "sk": str(sk)} }

// putOpt sets attr only when v is not empty: an absent attribute and an
// empty one mean the same here.
func putOpt(it item, attr, v string) {
	if v != "" {
		it[attr] = str(v)
	}
}

func getS(it item, attr string) string {
	if v, ok := it[attr].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(it item, attr string) int64 {
	if v, ok := it[attr].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getList(it item, attr string) []string {
	var out []string
	switch v := it[attr].(type) {
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			if s, ok := e.(*types.AttributeValueMemberS); ok {
				out = append(out, s.Value)
			}
		}
	case *types.AttributeValueMemberSS:
		out = append(out, v.Value...)
	}
	return out
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func getTime(it item, attr string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, getS(it, attr))
	return t
}

func (s *Store) get(ctx context.Context, pk, sk string) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pk, sk), ConsistentRead: ptr(true)})
	if err != nil {
		return nil, translate(err)
	}
	if len(out.Item) == 0 {
		return nil, chat.ErrNotFound
	}
	return out.Item, nil
}

func ptr[T any](v T) *T { return &v }
