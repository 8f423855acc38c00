package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
)

// rivalDB lets a rival writer take the conversation's next seq before each
// of the first lose transactions: the writer through it loses the seq race
// that many times in a row, as one message of a long burst can.
type rivalDB struct {
	store.DB
	lose  int
	rival func(ctx context.Context)
}

func (d *rivalDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if d.lose > 0 {
		d.lose--
		d.rival(ctx)
	}
	return d.DB.TransactWriteItems(ctx, in, o...)
}

// TestAppendOutlastsTheSeqRace: a message that keeps losing the seq race
// to other writers of its conversation (a burst of frames on one socket,
// which API Gateway runs concurrently) is stored in the end, once: losing
// the race is retried while the invocation has time, never answered as the
// client's conflict.
func TestAppendOutlastsTheSeqRace(t *testing.T) {
	ctx := t.Context()
	table := ddb.NewTable(t)
	plain := store.New(ddb.Client(), table, nil)
	c := seed(t, plain, t0)
	const losses = 12
	db := &rivalDB{DB: ddb.Client(), lose: losses, rival: func(ctx context.Context) {
		cur, err := plain.Conversation(ctx, c.ID)
		if err == nil {
			_, err = plain.Append(ctx, chat.Append{Current: cur, Message: text("rival")})
		}
		if err != nil {
			t.Errorf("rival write: %v", err)
		}
	}}
	s := store.New(db, table, nil)
	res, err := s.Append(ctx, chat.Append{Current: c, Message: text("mine"), ClientKey: "agent:a#burst", Request: "r"})
	if err != nil {
		t.Fatalf("Append after %d lost races: %v", losses, err)
	}
	if res.Message.Seq != losses+2 || res.Duplicate {
		t.Errorf("stored at seq %d (duplicate %v), want %d", res.Message.Seq, res.Duplicate, losses+2)
	}
	if got, _ := plain.Conversation(ctx, c.ID); got.LastSeq != losses+2 {
		t.Errorf("lastSeq = %d, want %d", got.LastSeq, losses+2)
	}
}
