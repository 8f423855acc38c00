package awsemu_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp/cmpopts"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
)

// partitionCounts are the layouts the partitioning tests run on: one
// minidyn table (nothing to merge), a few (several items to a partition),
// and the default.
var partitionCounts = []int{1, 7, 0}

func forEachLayout(t *testing.T, test func(t *testing.T, e *env)) {
	for _, n := range partitionCounts {
		t.Run("partitions="+strconv.Itoa(n), func(t *testing.T) {
			test(t, newEnv(t, awsemu.Options{Partitions: n}))
		})
	}
}

// pageAll queries page by page with ExclusiveStartKey and returns the
// items' pk values, failing if a page exceeds the limit.
func pageAll(t *testing.T, e *env, in dynamodb.QueryInput) []string {
	t.Helper()
	in.TableName = aws.String(tableName)
	var got []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		out, err := e.db.Query(t.Context(), &in)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if in.Limit != nil && len(out.Items) > int(*in.Limit) {
			t.Fatalf("page of %d items, limit %d", len(out.Items), *in.Limit)
		}
		if in.Limit != nil && len(out.Items) == int(*in.Limit) && len(out.LastEvaluatedKey) == 0 {
			t.Fatalf("full page of %d items without LastEvaluatedKey", len(out.Items))
		}
		for _, it := range out.Items {
			got = append(got, sval(it, "pk"))
		}
		if len(out.LastEvaluatedKey) == 0 {
			return got
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func TestIndexQueryPaging(t *testing.T) {
	forEachLayout(t, func(t *testing.T, e *env) {
		// 23 conversations in one list, three of them at the same instant;
		// two in another list and one in no list.
		type conv struct{ pk, when string }
		var list []conv
		for i := range 23 {
			when := fmt.Sprintf("2026-01-%02dT00:00:00Z", i+1)
			if i >= 10 && i < 13 {
				when = "2026-01-11T00:00:00Z"
			}
			c := conv{fmt.Sprintf("CONV#%02d", i), when}
			list = append(list, c)
			e.put(t, map[string]types.AttributeValue{"pk": str(c.pk), "sk": str("META"), "gsi1pk": str("LIST#a"), "gsi1sk": str(c.when)})
		}
		for i := range 2 {
			e.put(t, map[string]types.AttributeValue{"pk": str(fmt.Sprintf("OTHER#%d", i)), "sk": str("META"), "gsi1pk": str("LIST#b"), "gsi1sk": str("2026-01-05T00:00:00Z")})
		}
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#99"), "sk": str("META")})

		ascending := slices.Clone(list)
		slices.SortFunc(ascending, func(a, b conv) int { return cmp.Or(cmp.Compare(a.when, b.when), cmp.Compare(a.pk, b.pk)) })
		pks := func(cs []conv) []string {
			out := []string{}
			for _, c := range cs {
				out = append(out, c.pk)
			}
			return out
		}
		descending := slices.Clone(ascending)
		slices.Reverse(descending)
		before := func(cs []conv, cursor string) []conv {
			return slices.DeleteFunc(slices.Clone(cs), func(c conv) bool { return c.when >= cursor })
		}

		for _, limit := range []int32{0, 1, 4, 11, 23, 50} {
			for _, forward := range []bool{true, false} {
				t.Run(fmt.Sprintf("limit=%d/forward=%v", limit, forward), func(t *testing.T) {
					in := dynamodb.QueryInput{
						IndexName:                 aws.String("GSI1"),
						KeyConditionExpression:    aws.String("gsi1pk = :p"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("LIST#a")},
						ScanIndexForward:          aws.Bool(forward),
					}
					if limit > 0 {
						in.Limit = aws.Int32(limit)
					}
					want := ascending
					if !forward {
						want = descending
					}
					if diff := gocmp.Diff(pks(want), pageAll(t, e, in)); diff != "" {
						t.Errorf("pages (-want +got):\n%s", diff)
					}

					in.KeyConditionExpression = aws.String("gsi1pk = :p AND gsi1sk < :c")
					in.ExpressionAttributeValues[":c"] = str("2026-01-12")
					if diff := gocmp.Diff(pks(before(want, "2026-01-12")), pageAll(t, e, in)); diff != "" {
						t.Errorf("pages before a cursor (-want +got):\n%s", diff)
					}
				})
			}
		}
	})
}

func TestQueryFilterCountsEvaluatedItems(t *testing.T) {
	forEachLayout(t, func(t *testing.T, e *env) {
		for seq := 1; seq <= 10; seq++ {
			e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str(msgSK(seq)), "odd": &types.AttributeValueMemberBOOL{Value: seq%2 == 1}})
		}
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#2"), "sk": str(msgSK(1)), "odd": &types.AttributeValueMemberBOOL{Value: true}})

		type page struct {
			SKs          []string
			Count        int32
			ScannedCount int32
			More         bool
		}
		in := &dynamodb.QueryInput{
			TableName:                 aws.String(tableName),
			KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :m)"),
			FilterExpression:          aws.String("odd = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("CONV#1"), ":m": str("MSG#"), ":t": &types.AttributeValueMemberBOOL{Value: true}},
			ProjectionExpression:      aws.String("sk"),
			Limit:                     aws.Int32(4),
		}
		var got []page
		for range 5 {
			out, err := e.db.Query(t.Context(), in)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			p := page{Count: out.Count, ScannedCount: out.ScannedCount, More: len(out.LastEvaluatedKey) > 0}
			for _, it := range out.Items {
				if _, ok := it["pk"]; ok {
					t.Errorf("item %v has pk, which the projection leaves out", it)
				}
				p.SKs = append(p.SKs, sval(it, "sk"))
			}
			got = append(got, p)
			if !p.More {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
		want := []page{
			{SKs: []string{msgSK(1), msgSK(3)}, Count: 2, ScannedCount: 4, More: true},
			{SKs: []string{msgSK(5), msgSK(7)}, Count: 2, ScannedCount: 4, More: true},
			{SKs: []string{msgSK(9)}, Count: 1, ScannedCount: 2},
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})
}

func TestNumericIndexOrder(t *testing.T) {
	forEachLayout(t, func(t *testing.T, e *env) {
		const table = "scores"
		_, err := e.db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
			TableName:   aws.String(table),
			BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("board"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("score"), AttributeType: types.ScalarAttributeTypeN},
			},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
				IndexName:  aws.String("byScore"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("board"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("score"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			}},
		})
		if err != nil {
			t.Fatalf("CreateTable: %v", err)
		}
		scores := []string{"10", "9", "-3", "2.5", "100", "0"}
		for i, sc := range scores {
			if _, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
				"id": str(fmt.Sprintf("p%d", i)), "board": str("b"), "score": &types.AttributeValueMemberN{Value: sc}, "name": str("x"),
			}}); err != nil {
				t.Fatalf("PutItem: %v", err)
			}
		}
		out, err := e.db.Query(t.Context(), &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			IndexName:                 aws.String("byScore"),
			KeyConditionExpression:    aws.String("board = :b AND score > :min"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str("b"), ":min": &types.AttributeValueMemberN{Value: "-1"}},
			ScanIndexForward:          aws.Bool(false),
		})
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		var got []string
		for _, it := range out.Items {
			if _, ok := it["name"]; ok {
				t.Errorf("KEYS_ONLY index returned a non-key attribute: %v", it)
			}
			got = append(got, sval(it, "score"))
		}
		if diff := gocmp.Diff([]string{"100", "10", "9", "2.5", "0"}, got); diff != "" {
			t.Errorf("scores (-want +got):\n%s", diff)
		}

		desc, err := e.db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		if got := aws.ToString(desc.Table.TableName) + " " + strconv.FormatInt(aws.ToInt64(desc.Table.ItemCount), 10); got != "scores 6" {
			t.Errorf("DescribeTable name and item count = %q, want scores 6", got)
		}
		_, err = e.db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
			TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		})
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			t.Errorf("creating an existing table: err = %v, want ResourceInUseException", err)
		}
		if _, err := e.db.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Fatalf("DeleteTable: %v", err)
		}
		_, err = e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": str("p0")}})
		var rnf *types.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Errorf("GetItem after DeleteTable: err = %v, want ResourceNotFoundException", err)
		}
	})
}

func TestScanPaging(t *testing.T) {
	forEachLayout(t, func(t *testing.T, e *env) {
		var want []string
		for i := range 40 {
			pk := fmt.Sprintf("ITEM#%02d", i)
			e.put(t, map[string]types.AttributeValue{"pk": str(pk), "sk": str("A"), "n": num(i)})
			want = append(want, pk)
		}
		for _, tc := range []struct {
			name   string
			filter bool
			want   []string
		}{
			{name: "every item", want: want},
			{name: "filtered", filter: true, want: want[:10]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := &dynamodb.ScanInput{TableName: aws.String(tableName), Limit: aws.Int32(6)}
				if tc.filter {
					in.FilterExpression = aws.String("n < :ten")
					in.ExpressionAttributeValues = map[string]types.AttributeValue{":ten": num(10)}
				}
				var got []string
				scanned := int32(0)
				for pages := 0; ; pages++ {
					if pages > 20 {
						t.Fatal("pagination does not end")
					}
					out, err := e.db.Scan(t.Context(), in)
					if err != nil {
						t.Fatalf("Scan: %v", err)
					}
					scanned += out.ScannedCount
					for _, it := range out.Items {
						got = append(got, sval(it, "pk"))
					}
					if len(out.LastEvaluatedKey) == 0 {
						break
					}
					in.ExclusiveStartKey = out.LastEvaluatedKey
				}
				if diff := gocmp.Diff(tc.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
					t.Errorf("scanned items (-want +got):\n%s", diff)
				}
				if scanned != 40 {
					t.Errorf("ScannedCount over all pages = %d, want 40", scanned)
				}
			})
		}
	})
}

func TestBatchesAcrossPartitions(t *testing.T) {
	forEachLayout(t, func(t *testing.T, e *env) {
		var writes []types.WriteRequest
		var keys []map[string]types.AttributeValue
		for i := range 25 {
			pk := fmt.Sprintf("B#%02d", i)
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": str(pk), "sk": str("X"), "v": num(i)}}})
			keys = append(keys, key(pk, "X"))
		}
		out, err := e.db.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{tableName: writes}})
		if err != nil || len(out.UnprocessedItems) != 0 {
			t.Fatalf("BatchWriteItem: %v, %d unprocessed", err, len(out.UnprocessedItems))
		}
		got, err := e.db.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			tableName: {Keys: append(keys, key("B#missing", "X")), ProjectionExpression: aws.String("pk, v")},
		}})
		if err != nil {
			t.Fatalf("BatchGetItem: %v", err)
		}
		var values []int
		for _, it := range got.Responses[tableName] {
			n, _ := strconv.Atoi(sval(it, "v"))
			values = append(values, n)
		}
		slices.Sort(values)
		want := make([]int, 25)
		for i := range want {
			want[i] = i
		}
		if diff := gocmp.Diff(want, values); diff != "" || len(got.Responses) != 1 {
			t.Errorf("BatchGetItem responses for %d tables (-want +got):\n%s", len(got.Responses), diff)
		}

		tg, err := e.db.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: aws.String(tableName), Key: key("B#07", "X")}},
			{Get: &types.Get{TableName: aws.String(tableName), Key: key("B#missing", "X")}},
			{Get: &types.Get{TableName: aws.String(tableName), Key: key("B#19", "X")}},
		}})
		if err != nil {
			t.Fatalf("TransactGetItems: %v", err)
		}
		var order []string
		for _, r := range tg.Responses {
			order = append(order, sval(r.Item, "v"))
		}
		if diff := gocmp.Diff([]string{"7", "", "19"}, order); diff != "" {
			t.Errorf("TransactGetItems (-want +got):\n%s", diff)
		}
	})
}

func TestTransactionAtomicity(t *testing.T) {
	forEachLayout(t, func(t *testing.T, e *env) {
		table := aws.String(tableName)
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str("META"), "lastSeq": num(1)})
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str("OLD"), "v": str("keep")})
		e.put(t, map[string]types.AttributeValue{"pk": str("CONV#2"), "sk": str("META"), "lastSeq": num(5)})

		// Indexes META into GSI1, adds NEW, deletes OLD, and checks check.
		transaction := func(checkPK string, returnOld bool) []types.TransactWriteItem {
			update := &types.Update{
				TableName:                 table,
				Key:                       key("CONV#1", "META"),
				UpdateExpression:          aws.String("SET lastSeq = :n, gsi1pk = :g, gsi1sk = :s"),
				ConditionExpression:       aws.String("lastSeq = :prev"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(2), ":prev": num(1), ":g": str("LIST#t"), ":s": str("2026")},
			}
			check := &types.ConditionCheck{
				TableName:                table,
				Key:                      key(checkPK, "META"),
				ConditionExpression:      aws.String("attribute_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": "pk"},
			}
			if returnOld {
				check.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
				update.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
			}
			return []types.TransactWriteItem{
				{Update: update},
				{Put: &types.Put{TableName: table, Item: map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str("NEW")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
				{Delete: &types.Delete{TableName: table, Key: key("CONV#1", "OLD")}},
				{ConditionCheck: check},
			}
		}
		listed := func() int {
			out, err := e.db.Query(t.Context(), &dynamodb.QueryInput{
				TableName: table, IndexName: aws.String("GSI1"),
				KeyConditionExpression:    aws.String("gsi1pk = :g"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":g": str("LIST#t")},
			})
			if err != nil {
				t.Fatalf("Query GSI1: %v", err)
			}
			return len(out.Items)
		}
		unchanged := func(t *testing.T) {
			t.Helper()
			meta := e.get(t, "CONV#1", "META")
			if got := sval(meta, "lastSeq"); got != "1" || meta["gsi1pk"] != nil {
				t.Errorf("META = %v, want lastSeq 1 and no gsi1pk", meta)
			}
			if e.get(t, "CONV#1", "NEW") != nil {
				t.Error("NEW was put by a cancelled transaction")
			}
			if sval(e.get(t, "CONV#1", "OLD"), "v") != "keep" {
				t.Error("OLD was deleted by a cancelled transaction")
			}
			if n := listed(); n != 0 {
				t.Errorf("GSI1 lists %d items after a cancelled transaction, want 0", n)
			}
		}

		t.Run("a failed check cancels every action", func(t *testing.T) {
			_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: transaction("CONV#missing", true)})
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) {
				t.Fatalf("err = %v, want TransactionCanceledException", err)
			}
			if diff := gocmp.Diff([]string{"None", "None", "None", "ConditionalCheckFailed"}, reasonCodes(err)); diff != "" {
				t.Errorf("cancellation reasons (-want +got):\n%s", diff)
			}
			if item := tce.CancellationReasons[3].Item; item != nil {
				t.Errorf("reason item for a missing item = %v, want none", item)
			}
			unchanged(t)
		})

		t.Run("every failed condition has its reason and old item", func(t *testing.T) {
			e.put(t, map[string]types.AttributeValue{"pk": str("CONV#1"), "sk": str("NEW")})
			t.Cleanup(func() {
				if _, err := e.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: table, Key: key("CONV#1", "NEW")}); err != nil {
					t.Errorf("DeleteItem: %v", err)
				}
			})
			items := transaction("CONV#missing", true)
			items[0].Update.ExpressionAttributeValues[":prev"] = num(7)
			_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: items})
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) {
				t.Fatalf("err = %v, want TransactionCanceledException", err)
			}
			if diff := gocmp.Diff([]string{"ConditionalCheckFailed", "ConditionalCheckFailed", "None", "ConditionalCheckFailed"}, reasonCodes(err)); diff != "" {
				t.Errorf("cancellation reasons (-want +got):\n%s", diff)
			}
			if got := sval(tce.CancellationReasons[0].Item, "lastSeq"); got != "1" {
				t.Errorf("reason item lastSeq = %q, want the old 1", got)
			}
			if tce.CancellationReasons[1].Item != nil {
				t.Errorf("reason item without ALL_OLD = %v, want none", tce.CancellationReasons[1].Item)
			}
			if sval(e.get(t, "CONV#1", "OLD"), "v") != "keep" {
				t.Error("OLD was deleted by a cancelled transaction")
			}
		})

		t.Run("an invalid action fails the request and changes nothing", func(t *testing.T) {
			items := transaction("CONV#2", false)
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName: table, Key: key("CONV#2", "META"), UpdateExpression: aws.String("SET = broken"),
			}})
			items[3] = types.TransactWriteItem{Put: &types.Put{TableName: table, Item: map[string]types.AttributeValue{"pk": str("CONV#3"), "sk": str("META")}}}
			_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: items})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
				t.Fatalf("err = %v, want ValidationException", err)
			}
			unchanged(t)
			if e.get(t, "CONV#3", "META") != nil {
				t.Error("CONV#3 was put by a failed transaction")
			}
		})

		t.Run("two actions on one item are refused", func(t *testing.T) {
			items := transaction("CONV#1", false)
			_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: items})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
				t.Fatalf("err = %v, want ValidationException", err)
			}
			unchanged(t)
		})

		t.Run("a missing table is not found", func(t *testing.T) {
			items := transaction("CONV#2", false)
			items[3].ConditionCheck.TableName = aws.String("missing")
			_, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: items})
			var rnf *types.ResourceNotFoundException
			if !errors.As(err, &rnf) {
				t.Fatalf("err = %v, want ResourceNotFoundException", err)
			}
			unchanged(t)
		})

		t.Run("passing checks apply every action", func(t *testing.T) {
			if _, err := e.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: transaction("CONV#2", false)}); err != nil {
				t.Fatalf("TransactWriteItems: %v", err)
			}
			if got := sval(e.get(t, "CONV#1", "META"), "lastSeq"); got != "2" {
				t.Errorf("lastSeq = %q, want 2", got)
			}
			if e.get(t, "CONV#1", "NEW") == nil || e.get(t, "CONV#1", "OLD") != nil {
				t.Error("NEW missing or OLD kept after the transaction")
			}
			if n := listed(); n != 1 {
				t.Errorf("GSI1 lists %d items, want 1", n)
			}
		})
	})
}
