package awsemu_test

import (
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
)

func TestRateFaults(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	e.put(t, map[string]types.AttributeValue{"pk": str("A"), "sk": str("B")})
	noRetry := func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

	tests := []struct {
		name  string
		fault awsemu.RateFault
		// check is the error of one GetItem without retries while every
		// call fails.
		check func(error) bool
	}{
		{
			name:  "throttled as DynamoDB answers",
			fault: awsemu.RateFault{Service: awsemu.ServiceDynamoDB, Operation: "GetItem", Share: 1, Kind: awsemu.FaultThrottle},
			check: func(err error) bool {
				var pte *types.ProvisionedThroughputExceededException
				return errors.As(err, &pte) && retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool()
			},
		},
		{
			name:  "internal error on every operation",
			fault: awsemu.RateFault{Service: awsemu.ServiceDynamoDB, Operation: awsemu.AllOperations, Share: 1, Kind: awsemu.FaultInternal},
			check: func(err error) bool {
				var ise *types.InternalServerError
				return errors.As(err, &ise) && retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool()
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.srv.SetRateFaults([]awsemu.RateFault{tc.fault}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.srv.SetRateFaults(nil) })
			before := e.srv.FaultCounts()[awsemu.ServiceDynamoDB]["GetItem"]
			_, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("A", "B")}, noRetry)
			if !tc.check(err) {
				t.Errorf("GetItem err = %v", err)
			}
			if got := e.srv.FaultCounts()[awsemu.ServiceDynamoDB]["GetItem"] - before; got != 1 {
				t.Errorf("refused GetItem calls = %d, want 1", got)
			}
		})
	}

	// A share: over many calls about that share fails, and the SDK's
	// retries get nearly every call through (0.3^3 of them fail thrice).
	if err := e.srv.SetRateFaults([]awsemu.RateFault{{Service: awsemu.ServiceDynamoDB, Operation: "GetItem", Share: 0.3, Kind: awsemu.FaultThrottle}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.srv.SetRateFaults(nil) })
	failed := 0
	const calls = 400
	for range calls {
		if _, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("A", "B")}, noRetry); err != nil {
			failed++
		}
	}
	// 0.3 of 400 is 120 with a standard deviation of about 9.
	if failed < 70 || failed > 170 {
		t.Errorf("%d of %d calls failed with a share of 0.3", failed, calls)
	}
	failed = 0
	for range calls {
		if _, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("A", "B")}); err != nil {
			failed++
		}
	}
	// About 11 expected; even 30 is far below the 120 without retries.
	if failed > 30 {
		t.Errorf("%d of %d calls failed despite the SDK's retries", failed, calls)
	}
	// Other operations are untouched.
	before := e.srv.FaultCounts()[awsemu.ServiceDynamoDB]["Query"]
	for range 20 {
		if _, err := e.db.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(tableName), KeyConditionExpression: aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("A")}}, noRetry); err != nil {
			t.Fatalf("Query under a GetItem fault: %v", err)
		}
	}
	if got := e.srv.FaultCounts()[awsemu.ServiceDynamoDB]["Query"] - before; got != 0 {
		t.Errorf("%d Query calls refused by a GetItem fault", got)
	}
	want := []awsemu.RateFault{{Service: awsemu.ServiceDynamoDB, Operation: "GetItem", Share: 0.3, Kind: awsemu.FaultThrottle}}
	if diff := cmp.Diff(want, e.srv.RateFaults()); diff != "" {
		t.Errorf("RateFaults (-want +got):\n%s", diff)
	}
}

func TestRateFaultValidation(t *testing.T) {
	srv := awsemu.New(awsemu.Options{})
	t.Cleanup(srv.Close)
	for _, f := range []awsemu.RateFault{
		{Service: "s3", Operation: "GetItem", Share: 0.5, Kind: awsemu.FaultThrottle},
		{Service: awsemu.ServiceDynamoDB, Operation: "", Share: 0.5, Kind: awsemu.FaultThrottle},
		{Service: awsemu.ServiceDynamoDB, Operation: "GetItem", Share: 0, Kind: awsemu.FaultThrottle},
		{Service: awsemu.ServiceDynamoDB, Operation: "GetItem", Share: 1.5, Kind: awsemu.FaultThrottle},
		{Service: awsemu.ServiceDynamoDB, Operation: "GetItem", Share: 0.5, Kind: "slow"},
	} {
		if err := srv.SetRateFaults([]awsemu.RateFault{f}); err == nil {
			t.Errorf("SetRateFaults(%+v) accepted", f)
		}
	}
	if got := srv.RateFaults(); len(got) != 0 {
		t.Errorf("a refused fault was kept: %+v", got)
	}
}

// TestLostAnswerAndClientRequestToken: a transaction whose answer is lost
// has taken effect; the SDK's retry carries the same ClientRequestToken and
// succeeds without writing again, as in DynamoDB; the same token with other
// parameters is refused.
func TestLostAnswerAndClientRequestToken(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	put := func(sk, v string) *dynamodb.TransactWriteItemsInput {
		return &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{
			TableName:           aws.String(tableName),
			Item:                map[string]types.AttributeValue{"pk": str("T"), "sk": str(sk), "v": str(v)},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}}}}
	}
	noRetry := func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

	// Without retries the caller sees the 500, yet the item is there.
	e.srv.FailNext("TransactWriteItems", 1, awsemu.FaultLostAnswer, tableName)
	_, err := e.db.TransactWriteItems(t.Context(), put("lost", "1"), noRetry)
	var ise *types.InternalServerError
	if !errors.As(err, &ise) {
		t.Fatalf("lost answer: err = %v, want InternalServerError", err)
	}
	got, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("T", "lost")})
	if err != nil || got.Item == nil {
		t.Fatalf("the transaction whose answer was lost did not take effect: %v %v", got, err)
	}

	// With the SDK's retries: the retry's token matches, so it succeeds
	// although the condition would now fail.
	e.srv.FailNext("TransactWriteItems", 1, awsemu.FaultLostAnswer, tableName)
	if _, err := e.db.TransactWriteItems(t.Context(), put("retried", "1")); err != nil {
		t.Fatalf("a retried transaction whose first answer was lost: %v", err)
	}

	// The same token with other parameters is refused.
	in := put("token", "1")
	in.ClientRequestToken = aws.String("0b6d2f8e-token")
	if _, err := e.db.TransactWriteItems(t.Context(), in, noRetry); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.TransactWriteItems(t.Context(), in, noRetry); err != nil {
		t.Errorf("the same request with its token again: %v, want success", err)
	}
	other := put("token", "2")
	other.ClientRequestToken = in.ClientRequestToken
	_, err = e.db.TransactWriteItems(t.Context(), other, noRetry)
	var mismatch *types.IdempotentParameterMismatchException
	if !errors.As(err, &mismatch) {
		t.Errorf("the token with other parameters: err = %v, want IdempotentParameterMismatchException", err)
	}
	got, err = e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key("T", "token")})
	if err != nil || attrValue(got.Item["v"]) != "1" {
		t.Errorf("item after the mismatch = %v, %v; want v 1", got.Item, err)
	}
}

// TestFaultTargetsItsMarker: a fault armed for the calls that carry a
// marker fails those calls only; the others (a background function's, in
// the local cloud) pass and leave it armed, and a fault disarmed fails
// nothing more.
func TestFaultTargetsItsMarker(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	for _, pk := range []string{"MINE#1", "OTHER#1"} {
		e.put(t, map[string]types.AttributeValue{"pk": str(pk), "sk": str("META")})
	}
	noRetry := func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }
	get := func(pk string) error {
		_, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key(pk, "META")}, noRetry)
		return err
	}
	failed := func(err error) bool {
		var ise *types.InternalServerError
		return errors.As(err, &ise)
	}

	disarm := e.srv.FailNext("GetItem", 2, awsemu.FaultInternal, "MINE#1")
	t.Cleanup(disarm)
	tests := []struct {
		name string
		pk   string
		fail bool
	}{
		{"another caller's call passes", "OTHER#1", false},
		{"the first marked call fails", "MINE#1", true},
		{"another caller's call still passes", "OTHER#1", false},
		{"the second marked call fails", "MINE#1", true},
		{"the fault is spent", "MINE#1", false},
	}
	for _, tc := range tests {
		if err := get(tc.pk); failed(err) != tc.fail || (!tc.fail && err != nil) {
			t.Errorf("%s: GetItem %s = %v, want failed %v", tc.name, tc.pk, err, tc.fail)
		}
	}
	if got := e.srv.FaultCounts()[awsemu.ServiceDynamoDB]["GetItem"]; got != 2 {
		t.Errorf("%d calls refused, want the 2 marked", got)
	}

	// Disarmed before it fired, it fails nothing.
	disarm = e.srv.FailNext("GetItem", 1, awsemu.FaultThrottle, "MINE#1")
	disarm()
	if err := get("MINE#1"); err != nil {
		t.Errorf("GetItem after the fault was disarmed: %v", err)
	}
}

func attrValue(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// TestResponsesCarryCRC32: DynamoDB answers, errors included, carry the
// X-Amz-Crc32 of their body, which the SDK checks.
func TestResponsesCarryCRC32(t *testing.T) {
	e := newEnv(t, awsemu.Options{})
	call := func() (*http.Response, []byte) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url, strings.NewReader(`{"TableName":"`+tableName+`","Key":{"pk":{"S":"A"},"sk":{"S":"B"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	for _, fail := range []bool{false, true} {
		if fail {
			e.srv.FailNext("GetItem", 1, awsemu.FaultThrottle, tableName)
		}
		resp, body := call()
		if want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); resp.Header.Get("X-Amz-Crc32") != want {
			t.Errorf("status %d: X-Amz-Crc32 = %q, want %s", resp.StatusCode, resp.Header.Get("X-Amz-Crc32"), want)
		}
	}
}
