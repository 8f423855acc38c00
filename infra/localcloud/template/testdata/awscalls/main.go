// Command awscalls is a fixture of the AWS call analysis (awscalls_test.go):
// each call below is reached in a different way, or not at all.
package main

import (
	"context"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/shared/awscall"
)

// db is the part of the client the store uses, as in shared/store.
type db interface {
	TransactWriteItems(ctx context.Context, params *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, params *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	PutItem(ctx context.Context, params *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

type storer interface {
	Remove(ctx context.Context) error
	Find(ctx context.Context) error
}

type store struct{ db db }

// Remove is reached through the storer interface: a transaction with a
// Delete and a ConditionCheck item.
func (s *store) Remove(ctx context.Context) error {
	items := []types.TransactWriteItem{{Delete: &types.Delete{}}}
	items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{}})
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// Find is reached from a goroutine the handler starts: a Query on an index.
func (s *store) Find(ctx context.Context) error {
	in := &dynamodb.QueryInput{}
	in.IndexName = new(string)
	_, err := s.db.Query(ctx, in)
	return err
}

// Save is exported but never called: its PutItem must not count.
func (s *store) Save(ctx context.Context) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{})
	return err
}

type handler struct {
	st      storer
	objects *s3.Client
	signed  *awscall.Client
}

// notify is a signed call naming two actions, reached from the handler.
func (h *handler) notify(ctx context.Context) error {
	_, err := h.signed.Do(ctx, awscall.Action("ses:SendEmail s3:PutObject"), awscall.Request{})
	return err
}

// Forget is a signed call nothing makes: its action must not count.
func (h *handler) Forget(ctx context.Context) error {
	_, err := h.signed.Do(ctx, awscall.Action("sqs:DeleteMessage"), awscall.Request{})
	return err
}

// Handle is only ever called by reflection, like a Lambda handler.
func (h *handler) Handle(ctx context.Context) error {
	go func() { _ = h.st.Find(ctx) }()
	if _, err := h.objects.GetObject(ctx, &s3.GetObjectInput{}); err != nil {
		return err
	}
	if err := h.notify(ctx); err != nil {
		return err
	}
	return h.st.Remove(ctx)
}

func start(fn any) {
	reflect.ValueOf(fn).Call([]reflect.Value{reflect.ValueOf(context.Background())})
}

func main() {
	h := &handler{st: &store{db: dynamodb.New(dynamodb.Options{})}, objects: s3.New(s3.Options{})}
	start(h.Handle)
}
