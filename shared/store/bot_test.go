package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestBotStateKeepsItsAnswerOrder: the bot's state comes back as stored,
// the order of its answers included.
func TestBotStateKeepsItsAnswerOrder(t *testing.T) {
	s, _ := newStore(t)
	vid := uuid.NewString()
	bot := chat.BotState{
		FlowID: uuid.NewString(), Version: 2, Name: "Robin", Wait: "email",
		Answers:        map[string]string{"topic": "Sales", "2": "yes"},
		AnswerOrder:    []string{"topic", "2"},
		SessionTimeout: 10 * time.Minute,
	}
	c := chat.Conversation{
		ID: uuid.NewString(), ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen,
		CreatedAt: t0, LastActivityAt: t0, Bot: bot,
	}
	m := chat.Message{Kind: chat.KindText, ClientID: uuid.NewString(), Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hello", CreatedAt: t0}
	if _, err := s.CreateConversation(t.Context(), chat.NewConversation{Conversation: c, Message: m}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Conversation(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bot, got.Bot); diff != "" {
		t.Errorf("bot state (-stored +read):\n%s", diff)
	}
}
