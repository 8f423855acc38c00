package store

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// A message's files are a list attribute of its item, one map each: the
// message is read whole wherever it is read, and its files with it.

func putFiles(it item, files []chat.Attachment) {
	if len(files) == 0 {
		return
	}
	list := make([]types.AttributeValue, 0, len(files))
	for _, f := range files {
		list = append(list, &types.AttributeValueMemberM{Value: item{
			"id": str(f.ID), "name": str(f.Filename), "size": num(f.Size), "type": str(f.ContentType),
			"inline": &types.AttributeValueMemberBOOL{Value: f.Inline},
		}})
	}
	it["files"] = &types.AttributeValueMemberL{Value: list}
}

func getFiles(it item) []chat.Attachment {
	l, ok := it["files"].(*types.AttributeValueMemberL)
	if !ok {
		return nil
	}
	files := make([]chat.Attachment, 0, len(l.Value))
	for _, v := range l.Value {
		m, ok := v.(*types.AttributeValueMemberM)
		if !ok {
			continue
		}
		f := chat.Attachment{ID: getS(m.Value, "id"), Filename: getS(m.Value, "name"), Size: getN(m.Value, "size"), ContentType: getS(m.Value, "type")}
		if b, ok := m.Value["inline"].(*types.AttributeValueMemberBOOL); ok {
			f.Inline = b.Value
		}
		files = append(files, f)
	}
	return files
}
