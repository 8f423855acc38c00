package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/reports"
)

// failingStore fails every load.
type failingStore struct{ *memStore }

var errDown = errors.New("table unavailable")

func (failingStore) LoadReportState(context.Context, string) (reports.State, error) {
	return reports.State{}, errDown
}

// The handler drops what retrying cannot fix (unreadable events, notes,
// conversations past MaxEntries) and returns what it can (the table), so
// the event comes again.
func TestHandlerFailures(t *testing.T) {
	agentReply := `{"version":"1","id":"c1:2","conversationId":"c1","seq":2,"occurredAt":"2026-12-07T09:00:40.000Z","inboxId":"main","visibility":"public",` +
		`"actor":{"type":"agent","id":"alice"},"message":{"seq":2,"kind":"text","author":{"type":"agent","id":"alice"},"channel":"chat"}}`
	note := `{"version":"1","id":"c1:3","conversationId":"c1","seq":3,"occurredAt":"2026-12-07T09:00:40.000Z","inboxId":"main","visibility":"internal",` +
		`"actor":{"type":"agent","id":"alice"},"message":{"seq":3,"kind":"note","author":{"type":"agent","id":"alice"},"channel":"chat"}}`
	full := reports.Conversation{InboxID: "main"}
	for i := range reports.MaxEntries {
		full.Add(reports.Entry{Seq: int64(i + 10), Kind: reports.KindVisitor, At: day0.UnixMilli()})
	}
	tests := []struct {
		name    string
		store   reports.Store
		detail  string
		wantErr error
		saves   int
	}{
		{"recorded", newMemStore(), agentReply, nil, 1},
		{"unreadable", newMemStore(), `{"version":`, nil, 0},
		{"a note", newMemStore(), note, nil, 0},
		{"too long", func() reports.Store {
			m := newMemStore()
			m.states["c1"] = reports.State{Conversation: full, Version: 1}
			return m
		}(), agentReply, nil, 0},
		{"table down", failingStore{newMemStore()}, agentReply, errDown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := reports.NewRecorder(tt.store, rome, hoursOf{})
			if err != nil {
				t.Fatal(err)
			}
			dt := "message.created"
			err = reports.NewHandler(rec).Handle(t.Context(), events.EventBridgeEvent{Source: "parley.chat", DetailType: dt, Detail: json.RawMessage(tt.detail)})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Handle = %v, want %v", err, tt.wantErr)
			}
			if m, ok := tt.store.(*memStore); ok && m.saves != tt.saves {
				t.Errorf("%d saves, want %d", m.saves, tt.saves)
			}
		})
	}
}
