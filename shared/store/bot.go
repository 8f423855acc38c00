package store

import (
	"encoding/json"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// botDoc is a conversation's bot state as stored: one JSON attribute,
// "bot", absent when no bot took part.
type botDoc struct {
	FlowID         string            `json:"flowId"`
	Version        int               `json:"version"`
	Name           string            `json:"name,omitempty"`
	AvatarURL      string            `json:"avatarUrl,omitempty"`
	Wait           string            `json:"wait,omitempty"`
	Answers        map[string]string `json:"answers,omitempty"`
	AnswerOrder    []string          `json:"answerOrder,omitempty"`
	Outcome        string            `json:"outcome,omitempty"`
	SessionSeconds int64             `json:"sessionSeconds,omitempty"`
}

func botAttr(b chat.BotState) string {
	if b.FlowID == "" {
		return ""
	}
	doc, _ := json.Marshal(botDoc{
		FlowID: b.FlowID, Version: b.Version, Name: b.Name, AvatarURL: b.AvatarURL, Wait: b.Wait,
		Answers: b.Answers, AnswerOrder: b.AnswerOrder, Outcome: b.Outcome, SessionSeconds: int64(b.SessionTimeout / time.Second),
	})
	return string(doc)
}

// toBotState reads the bot attribute; one that does not parse is no bot
// (the conversation goes on as live chat).
func toBotState(s string) chat.BotState {
	var d botDoc
	if s == "" || json.Unmarshal([]byte(s), &d) != nil {
		return chat.BotState{}
	}
	return chat.BotState{
		FlowID: d.FlowID, Version: d.Version, Name: d.Name, AvatarURL: d.AvatarURL, Wait: d.Wait,
		Answers: d.Answers, AnswerOrder: d.AnswerOrder, Outcome: d.Outcome, SessionTimeout: time.Duration(d.SessionSeconds) * time.Second,
	}
}

// numbered gives entries stored after the message at seq their
// conversation and seqs.
func numbered(conversationID string, seq int64, entries []chat.Message) []chat.Message {
	out := make([]chat.Message, len(entries))
	for i, m := range entries {
		m.ConversationID, m.Seq = conversationID, seq+1+int64(i)
		out[i] = m
	}
	return out
}
