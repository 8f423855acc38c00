// Package awsemu serves the AWS JSON-protocol APIs the functions' SDK clients
// call: DynamoDB (an embedded minidyn, extended with TTL and a few fidelity
// fixes) and Secrets Manager (secrets generated from the template at start).
// The local cloud points AWS_ENDPOINT_URL_DYNAMODB and
// AWS_ENDPOINT_URL_SECRETS_MANAGER at its root URL and hands every request
// that IsAWSRequest recognises to a Server.
package awsemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/truora/minidyn/server"
)

// Target prefixes of the X-Amz-Target header, one per service.
const (
	dynamoTargetPrefix  = "DynamoDB_20120810."
	secretsTargetPrefix = "secretsmanager."
)

// Service names used as keys of Stats.
const (
	ServiceDynamoDB       = "dynamodb"
	ServiceSecretsManager = "secretsmanager"
	// ServiceSES is served by the local cloud's SES, which asks
	// InjectedFault before each send.
	ServiceSES = "ses"
)

// Fault kinds accepted by FailNext.
const (
	FaultThrottle = "throttle"
	FaultInternal = "internal"
	// FaultLostAnswer: the call takes effect, but its answer is lost and the
	// caller gets a 500 InternalServerError, as when DynamoDB commits and
	// the connection drops before the response.
	FaultLostAnswer = "lostAnswer"
)

// maxBody bounds a request body; DynamoDB's largest request (a 100-item
// transaction of 400 KB items) stays well below it.
const maxBody = 64 << 20

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	// TTLInterval is how often expired items are deleted; 0 means 30
	// seconds. A sweep reads every item of every table with TTL enabled,
	// so it costs in proportion to the tables' size; DynamoDB itself
	// deletes expired items within days, and the functions never count
	// on it (they treat an expired item as gone). Tests call SweepExpired.
	TTLInterval time.Duration
	// Partitions is how many minidyn tables each DynamoDB table is spread
	// over, by a hash of the partition key (see partition.go); 0 means 256.
	Partitions int
}

// Stats counts the calls received.
type Stats struct {
	// Calls is by service (ServiceDynamoDB, ServiceSecretsManager), then by
	// operation; calls refused by an injected fault count too.
	Calls map[string]map[string]int64
}

// Server is an http.Handler answering DynamoDB and Secrets Manager requests.
type Server struct {
	log *slog.Logger

	// dbMu serialises every DynamoDB request: minidyn locks only some of its
	// operations (CreateTable and DescribeTable touch its table map
	// unguarded), and partitioned tables (partition.go), transactions
	// (transact.go), the TTL sweeper and the stream hooks (writes.go) make
	// several internal calls that must see one consistent state.
	dbMu       sync.Mutex
	dynamo     *server.Server
	partitions int
	tables     map[string]*tableMeta
	ttl        map[string]string     // table -> TTL attribute, when enabled
	sinks      map[string]ChangeSink // table -> stream consumer (WatchTable)
	meter      *capacityMeter        // nil unless MeterCapacity turned it on

	// ClientRequestToken -> the transaction it completed (idempotency.go).
	tokens map[string]transactToken
	// tokenOrder is the keys of tokens, oldest first.
	tokenOrder []string

	secretsMu sync.RWMutex
	secrets   map[string]*secret // by ARN and by name

	statsMu sync.Mutex
	calls   map[string]map[string]int64
	faults  map[string]fault // by operation

	// Rate faults (faults.go) and the calls injected faults refused.
	rates   []RateFault
	refused map[string]map[string]int64

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

type fault struct {
	kind      string
	remaining int
}

// New returns a Server with no tables and no secrets, and starts its TTL
// sweeper; Close stops it.
func New(opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	interval := opts.TTLInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	partitions := opts.Partitions
	if partitions <= 0 {
		partitions = defaultPartitions
	}
	s := &Server{
		log:        log,
		dynamo:     server.NewServer(),
		partitions: partitions,
		tables:     map[string]*tableMeta{},
		ttl:        map[string]string{},
		tokens:     map[string]transactToken{},
		secrets:    map[string]*secret{},
		calls:      map[string]map[string]int64{},
		faults:     map[string]fault{},
		refused:    map[string]map[string]int64{},
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go s.sweepLoop(interval)
	return s
}

// Close stops the TTL sweeper. The Server still answers requests.
func (s *Server) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
}

// IsAWSRequest reports whether r is a call to one of the emulated services.
func IsAWSRequest(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	target := r.Header.Get("X-Amz-Target")
	return strings.HasPrefix(target, dynamoTargetPrefix) || strings.HasPrefix(target, secretsTargetPrefix)
}

// ServeHTTP answers one AWS JSON-protocol request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	var service, op string
	switch {
	case strings.HasPrefix(target, dynamoTargetPrefix):
		service, op = ServiceDynamoDB, strings.TrimPrefix(target, dynamoTargetPrefix)
	case strings.HasPrefix(target, secretsTargetPrefix):
		service, op = ServiceSecretsManager, strings.TrimPrefix(target, secretsTargetPrefix)
	default:
		writeError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("the local cloud does not serve X-Amz-Target %q", target))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusBadRequest, "ValidationException", "AWS JSON requests use POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "request body unreadable or too large")
		return
	}

	if kind, ok := s.count(service, op); ok {
		s.log.Info("injected fault", "service", service, "operation", op, "kind", kind)
		if kind == FaultLostAnswer {
			s.serve(httptest.NewRecorder(), r, service, op, body)
			kind = FaultInternal
		}
		writeFault(w, service, kind)
		return
	}
	s.serve(w, r, service, op, body)
}

// serve runs one request the faults let through.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, service, op string, body []byte) {
	switch service {
	case ServiceDynamoDB:
		s.serveDynamo(w, r, op, body)
	case ServiceSecretsManager:
		s.serveSecrets(w, op, body)
	}
}

// count records a call and reports whether it must fail with an injected
// fault of the returned kind.
func (s *Server) count(service, op string) (string, bool) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.calls[service] == nil {
		s.calls[service] = map[string]int64{}
	}
	s.calls[service][op]++
	f, ok := s.faults[op]
	if !ok {
		kind, ok := s.rateFault(service, op)
		if ok {
			s.refuse(service, op)
		}
		return kind, ok
	}
	s.refuse(service, op)
	f.remaining--
	if f.remaining <= 0 {
		delete(s.faults, op)
	} else {
		s.faults[op] = f
	}
	return f.kind, true
}

// Stats returns a copy of the call counts so far.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := Stats{Calls: make(map[string]map[string]int64, len(s.calls))}
	for service, ops := range s.calls {
		out.Calls[service] = maps.Clone(ops)
	}
	return out
}

// FailNext makes the next n calls of operation op (for example "PutItem" or
// "GetSecretValue") fail before they take effect. kind is FaultThrottle
// (ProvisionedThroughputExceededException, or ThrottlingException for
// Secrets Manager), FaultInternal (a 500 InternalServerError) or
// FaultLostAnswer (the call takes effect, then a 500). n <= 0
// clears the fault. An unknown kind is a programming error and panics.
func (s *Server) FailNext(op string, n int, kind string) {
	if kind != FaultThrottle && kind != FaultInternal && kind != FaultLostAnswer {
		panic(fmt.Sprintf("awsemu: unknown fault kind %q", kind))
	}
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if n <= 0 {
		delete(s.faults, op)
		return
	}
	s.faults[op] = fault{kind: kind, remaining: n}
}

func writeFault(w http.ResponseWriter, service, kind string) {
	switch {
	case kind == FaultThrottle && service == ServiceDynamoDB:
		writeError(w, http.StatusBadRequest, "ProvisionedThroughputExceededException", "injected fault: throughput exceeded")
	case kind == FaultThrottle:
		writeError(w, http.StatusBadRequest, "ThrottlingException", "injected fault: rate exceeded")
	case service == ServiceDynamoDB:
		writeError(w, http.StatusInternalServerError, "InternalServerError", "injected fault: internal server error")
	default:
		writeError(w, http.StatusInternalServerError, "InternalServiceError", "injected fault: internal service error")
	}
}

// writeError writes an error the way the AWS JSON protocols do; the SDKs
// read the code from __type (after any "namespace#") and the message from
// "message".
func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", code)
	setCRC32(w, body)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// setCRC32 sets the checksum DynamoDB sends with every response; its SDK
// client checks the body against it (and logs a mismatch when it is
// missing).
func setCRC32(w http.ResponseWriter, body []byte) {
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", "encode response")
		return
	}
	w.Header().Set("Content-Type", contentType)
	setCRC32(w, buf.Bytes())
	_, _ = w.Write(buf.Bytes())
}
