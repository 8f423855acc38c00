package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/chat"
)

// TimerShards is the number of partitions of the timer index (GSI3). The
// conversation's item carries its timer, so arming a timer is part of the
// message transaction; sharding keeps the index writes of 1,000 messages a
// second far below one partition's limit (docs/architecture.md, "Timers").
const TimerShards = 16

// timerIndex is the sparse index of running inactivity timers: only open
// conversations with a timer have timerpk, so the index holds exactly the
// timers that may fire.
const timerIndex = "GSI3"

// timerAttrNames are the META attributes of a running timer.
var timerAttrNames = []string{"timerAt", "timerStage", "timerpk", "timersk"}

func timerShard(conversationID string) int {
	h := fnv.New32a()
	h.Write([]byte(conversationID))
	return int(h.Sum32() % TimerShards)
}

func timerPK(shard int) string { return fmt.Sprintf("TIMER#%02d", shard) }

// TimerSlack is how far a timer may run ahead of its index entry before
// the entry moves. Every visitor message pushes the deadline back; moving
// the entry each time is a delete and a put in GSI3, so it moves only once
// the deadline is TimerSlack past where it is listed. The entry is then
// due up to TimerSlack early: the sweeper (every minute) reads the
// conversation, finds its timer not yet due and leaves it, at most a
// couple of times, which costs a read instead of a write per message.
const TimerSlack = 2 * time.Minute

// listedTimer is where the timer index is to list c: where it is listed
// (c.TimerListedAt) while that is at or before the deadline and within
// TimerSlack of it, else at the deadline; zero when no timer runs.
func listedTimer(c chat.Conversation) time.Time {
	if c.TimerAt.IsZero() || c.TimerStage == "" {
		return time.Time{}
	}
	listed := c.TimerListedAt
	if listed.IsZero() || listed.After(c.TimerAt) || c.TimerAt.Sub(listed) > TimerSlack {
		return c.TimerAt
	}
	return listed
}

// timerAttrs are the attributes that place a conversation in the timer
// index (GSI3), none when no timer runs.
func timerAttrs(c chat.Conversation) map[string]string {
	listed := listedTimer(c)
	if listed.IsZero() {
		return nil
	}
	return map[string]string{
		"timerAt":    formatTime(c.TimerAt),
		"timerStage": string(c.TimerStage),
		"timerpk":    timerPK(timerShard(c.ID)),
		"timersk":    formatTime(listed) + "#" + c.ID,
	}
}

// timerListedAt reads where the index lists the conversation.
func timerListedAt(it item) time.Time {
	at, _, _ := strings.Cut(getS(it, "timersk"), "#")
	t, _ := time.Parse(time.RFC3339Nano, at)
	return t
}

// TimerShards implements chat.TimerIndex.
func (s *Store) TimerShards() int { return TimerShards }

var _ chat.TimerIndex = (*Store)(nil)

// DueTimers implements chat.TimerIndex with one Query of the shard's index
// partition for sort keys up to now. The index is eventually consistent;
// chat.Service.Expire decides on the conversation item itself.
func (s *Store) DueTimers(ctx context.Context, shard int, now time.Time, limit int, after string) ([]string, string, error) {
	// A sort key "<deadline>#<id>" is below "<now + 1 ms>" exactly when the
	// deadline is at or before now.
	upper := formatTime(now.Add(time.Millisecond))
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 ptr(timerIndex),
		KeyConditionExpression:    ptr("timerpk = :pk AND timersk < :upper"),
		ExpressionAttributeValues: item{":pk": str(timerPK(shard)), ":upper": str(upper)},
		Limit:                     ptr(int32(limit)),
	}
	if after != "" {
		in.KeyConditionExpression = ptr("timerpk = :pk AND timersk BETWEEN :after AND :upper")
		in.ExpressionAttributeValues[":after"] = str(after + "\x00")
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("query timers of shard %d: %w", shard, translate(err))
	}
	ids := make([]string, 0, len(out.Items))
	var last string
	for _, it := range out.Items {
		sk := getS(it, "timersk")
		if sk >= upper {
			continue
		}
		if _, id, ok := strings.Cut(sk, "#"); ok {
			ids = append(ids, id)
		}
		last = sk
	}
	next := ""
	if len(out.Items) == limit && last != "" {
		next = last
	}
	return ids, next, nil
}
