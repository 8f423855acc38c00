package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// A conversation's visit (docs/architecture.md, "Who the visitor is"):
//
//	CONV#<cid>     VISIT         where the conversation's visitor is: the start, the pages since
//
// VISIT sorts after every MSG# item: the conversation's reads never meet it.
const visitSK = "VISIT"

// nameDepth is how many of a visitor's newest conversations take a new
// name; older ones keep the name they had (the sidebar always reads the
// contact itself).
const nameDepth = 20

// VisitorName implements chat.Storer: the contact's name, or its address.
func (s *Store) VisitorName(ctx context.Context, visitorID string) (string, error) {
	it, err := s.get(ctx, visitorPK(visitorID), "CONTACT")
	if errors.Is(err, chat.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("name of visitor %s: %w", visitorID, err)
	}
	if name := getS(it, "name"); name != "" {
		return name, nil
	}
	return getS(it, "email"), nil
}

// SetVisitorName implements chat.Storer: one Query for the visitor's
// newest conversations and, for each whose name differs, one conditional
// UpdateItem.
func (s *Store) SetVisitorName(ctx context.Context, visitorID, name string) ([]chat.Conversation, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :conv)"),
		ExpressionAttributeValues: item{":pk": str(visitorPK(visitorID)), ":conv": str("CONV#")},
		ScanIndexForward:          ptr(false),
		Limit:                     ptr(int32(nameDepth)),
	})
	if err != nil {
		return nil, fmt.Errorf("query conversations of visitor %s: %w", visitorID, translate(err))
	}
	var changed []chat.Conversation
	for _, it := range out.Items {
		in := &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       key(convPK(getS(it, "conversationId")), metaSK),
			UpdateExpression:          ptr("SET visitorName = :n"),
			ConditionExpression:       ptr("attribute_exists(pk) AND (attribute_not_exists(visitorName) OR visitorName <> :n)"),
			ExpressionAttributeValues: item{":n": str(name)},
			ReturnValues:              types.ReturnValueAllNew,
		}
		if name == "" {
			in.UpdateExpression = ptr("REMOVE visitorName")
			in.ConditionExpression = ptr("attribute_exists(visitorName)")
			in.ExpressionAttributeValues = nil
		}
		res, err := s.db.UpdateItem(ctx, in)
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue // the name it has already
		}
		if err != nil {
			return changed, fmt.Errorf("name conversation of visitor %s: %w", visitorID, translate(err))
		}
		c := toConversation(res.Attributes)
		c.VisitorName = name
		changed = append(changed, c)
	}
	return changed, nil
}

func toVisit(it item) chat.Visit {
	v := chat.Visit{
		StartedAt: getTime(it, "startedAt"), URL: getS(it, "url"), Title: getS(it, "title"), Referrer: getS(it, "referrer"),
		Language: getS(it, "language"),
		Device:   chat.Device{Browser: getS(it, "browser"), OS: getS(it, "os"), Country: getS(it, "country")},
		Pages:    []chat.Page{},
	}
	if l, ok := it["pages"].(*types.AttributeValueMemberL); ok {
		for _, e := range l.Value {
			if m, ok := e.(*types.AttributeValueMemberM); ok {
				v.Pages = append(v.Pages, chat.Page{URL: getS(m.Value, "url"), Title: getS(m.Value, "title"), At: getTime(m.Value, "at")})
			}
		}
	}
	return v
}

// RecordPage implements chat.Storer: one UpdateItem that sets the start on
// the first report and appends the page; a second one, only when the list
// grew past chat.MaxPages, drops the oldest (conditional on the length it
// saw, so two reports trimming at once drop each page once).
func (s *Store) RecordPage(ctx context.Context, conversationID string, r chat.Visit) (chat.Visit, error) {
	pages := make([]types.AttributeValue, 0, len(r.Pages))
	for _, p := range r.Pages {
		pages = append(pages, &types.AttributeValueMemberM{Value: item{"url": str(p.URL), "title": str(p.Title), "at": str(formatTime(p.At))}})
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table,
		Key:       key(convPK(conversationID), visitSK),
		UpdateExpression: ptr("SET #started = if_not_exists(#started, :started), #url = if_not_exists(#url, :url), " +
			"#title = if_not_exists(#title, :title), #ref = if_not_exists(#ref, :ref), #lang = :lang, " +
			"#browser = :browser, #os = :os, #country = :country, #pages = list_append(if_not_exists(#pages, :none), :pages)"),
		ExpressionAttributeNames: map[string]string{
			"#started": "startedAt", "#url": "url", "#title": "title", "#ref": "referrer", "#lang": "language",
			"#browser": "browser", "#os": "os", "#country": "country", "#pages": "pages",
		},
		ExpressionAttributeValues: item{
			":started": str(formatTime(r.StartedAt)), ":url": str(r.URL), ":title": str(r.Title), ":ref": str(r.Referrer),
			":lang": str(r.Language), ":browser": str(r.Browser), ":os": str(r.OS), ":country": str(r.Country),
			":none": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, ":pages": &types.AttributeValueMemberL{Value: pages},
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return chat.Visit{}, fmt.Errorf("record page of %s: %w", conversationID, translate(err))
	}
	v := toVisit(out.Attributes)
	if extra := len(v.Pages) - chat.MaxPages; extra > 0 {
		drop := make([]string, extra)
		for i := range drop {
			drop[i] = "#pages[" + strconv.Itoa(i) + "]"
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       key(convPK(conversationID), visitSK),
			UpdateExpression:          ptr("REMOVE " + strings.Join(drop, ", ")),
			ConditionExpression:       ptr("size(#pages) = :n"),
			ExpressionAttributeNames:  map[string]string{"#pages": "pages"},
			ExpressionAttributeValues: item{":n": num(int64(len(v.Pages)))},
		})
		var ccf *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &ccf) {
			return chat.Visit{}, fmt.Errorf("trim pages of %s: %w", conversationID, translate(err))
		}
		v.Pages = v.Pages[extra:]
	}
	return v, nil
}

// Visit implements chat.Storer.
func (s *Store) Visit(ctx context.Context, conversationID string) (chat.Visit, error) {
	it, err := s.get(ctx, convPK(conversationID), visitSK)
	if err != nil {
		return chat.Visit{}, fmt.Errorf("visit of %s: %w", conversationID, err)
	}
	return toVisit(it), nil
}
