package awsemu

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"
)

// tokenWindow is how long DynamoDB remembers a TransactWriteItems
// ClientRequestToken.
const tokenWindow = 10 * time.Minute

// transactToken is a TransactWriteItems that succeeded with a token: its
// request as received, compared (canonically) only when the token comes
// again, which is rare; hashing every request took more time than the
// comparisons it served.
type transactToken struct {
	request []byte
	at      time.Time
}

// transactWriteOnce runs a TransactWriteItems with DynamoDB's idempotency:
// "a client token is valid for 10 minutes after the first request that uses
// it is completed. [...] If you submit a request with the same client token
// but a change in other parameters within the 10-minute idempotency window,
// DynamoDB returns an IdempotentParameterMismatch exception." A repeat of a
// completed request succeeds without writing again; the SDK fills the token
// in, so its own retries of a transaction whose answer was lost are safe.
// The caller holds dbMu.
func (s *Server) transactWriteOnce(ctx context.Context, body []byte) *httptest.ResponseRecorder {
	var in struct{ ClientRequestToken string }
	if err := json.Unmarshal(body, &in); err != nil || in.ClientRequestToken == "" {
		return s.serveTransactWrite(ctx, body)
	}
	now := time.Now()
	// Tokens are remembered in the order they came, so the expired ones
	// are at the front: forgetting them costs nothing per transaction,
	// where walking every token of the last 10 minutes cost thousands of
	// map steps under the lock in a long run.
	for len(s.tokenOrder) > 0 {
		tok := s.tokenOrder[0]
		if now.Sub(s.tokens[tok].at) <= tokenWindow {
			break
		}
		delete(s.tokens, tok)
		s.tokenOrder = s.tokenOrder[1:]
	}
	if t, ok := s.tokens[in.ClientRequestToken]; ok {
		if canonicalSum(t.request) != canonicalSum(body) {
			return errorRecorder(http.StatusBadRequest, "IdempotentParameterMismatchException",
				"the ClientRequestToken was used with different parameters within the last 10 minutes")
		}
		rec := httptest.NewRecorder()
		writeJSON(rec, dynamoContentType, map[string]any{})
		return rec
	}
	rec := s.serveTransactWrite(ctx, body)
	if rec.Code == http.StatusOK {
		s.tokens[in.ClientRequestToken] = transactToken{request: body, at: now}
		s.tokenOrder = append(s.tokenOrder, in.ClientRequestToken)
	}
	return rec
}

// canonicalSum hashes a JSON request independently of its key order (the
// SDK writes an item's attributes in map order).
func canonicalSum(body []byte) [sha256.Size]byte {
	var v any
	if err := json.Unmarshal(body, &v); err == nil {
		if b, err := json.Marshal(v); err == nil {
			body = b
		}
	}
	return sha256.Sum256(body)
}
