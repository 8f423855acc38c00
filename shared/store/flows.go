package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/chatflow"
)

// The versions of a channel's chatflows: one item each, never changed,
// in the channel's own partition FLOWS#<channel>, sorted by flow and
// version, so the highest version of a flow is one Query of one item.

func flowsPK(channelID string) string { return "FLOWS#" + channelID }
func flowSK(flowID string, version int) string {
	return fmt.Sprintf("%s#V#%06d", flowID, version)
}

// PutFlowVersion implements settings.Store.
func (s *Store) PutFlowVersion(ctx context.Context, channelID string, f chatflow.Flow) error {
	doc, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode flow %s: %w", f.ID, err)
	}
	it := key(flowsPK(channelID), flowSK(f.ID, f.Version))
	it["doc"] = str(string(doc))
	it["createdAt"] = str(formatTime(s.now()))
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)")})
	if err != nil {
		return fmt.Errorf("put flow %s v%d: %w", f.ID, f.Version, translate(err))
	}
	return nil
}

// FlowVersion implements settings.Store.
func (s *Store) FlowVersion(ctx context.Context, channelID, flowID string, version int) (chatflow.Flow, error) {
	it, err := s.get(ctx, flowsPK(channelID), flowSK(flowID, version))
	if err != nil {
		return chatflow.Flow{}, fmt.Errorf("get flow %s v%d: %w", flowID, version, err)
	}
	var f chatflow.Flow
	if err := decodeDoc(it, &f); err != nil {
		return chatflow.Flow{}, err
	}
	return f, nil
}

// LatestFlowVersion implements settings.Store.
func (s *Store) LatestFlowVersion(ctx context.Context, channelID, flowID string) (int, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: item{":pk": str(flowsPK(channelID)), ":p": str(flowID + "#V#")},
		ScanIndexForward:          ptr(false),
		Limit:                     ptr(int32(1)),
		ConsistentRead:            ptr(true),
		ProjectionExpression:      ptr("sk"),
	})
	if err != nil {
		return 0, fmt.Errorf("latest flow %s: %w", flowID, translate(err))
	}
	if len(out.Items) == 0 {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(getS(out.Items[0], "sk"), flowID+"#V#"))
	if err != nil {
		return 0, fmt.Errorf("latest flow %s: malformed key: %w", flowID, err)
	}
	return n, nil
}
