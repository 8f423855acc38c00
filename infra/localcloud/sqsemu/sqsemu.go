// Package sqsemu is the local cloud's SQS: the template's queues, in
// memory, over SQS's JSON protocol (X-Amz-Target AmazonSQS.<Operation>, as
// the SDK sends it): SendMessage, ReceiveMessage (visibility timeouts,
// receive counts, short waits), DeleteMessage, ChangeMessageVisibility,
// GetQueueUrl, GetQueueAttributes, ListQueues and PurgeQueue, with
// retention on the local cloud's clock. The local Lambda and EventBridge
// put their dead letters here (Send); operators and tests read them as
// from SQS.
package sqsemu

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// TargetPrefix is the X-Amz-Target prefix of SQS's JSON protocol.
const TargetPrefix = "AmazonSQS."

// SQS limits the emulator enforces.
const (
	maxMessageBytes = 256 * 1024
	maxReceive      = 10
	maxWait         = 20 * time.Second
	maxVisibility   = 12 * time.Hour
)

// IsRequest reports whether r is an SQS API call.
func IsRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

// Attribute is a message attribute.
type Attribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

// StringAttribute is an attribute of data type String.
func StringAttribute(v string) Attribute { return Attribute{DataType: "String", StringValue: v} }

// Message is a message as stored.
type Message struct {
	ID         string
	Body       string
	Attributes map[string]Attribute
	Sent       time.Time
	// Receives counts the receives so far; visibleAt hides the message
	// until then, and handle is its latest receipt handle.
	Receives     int
	FirstReceive time.Time
	visibleAt    time.Time
	handle       string
}

type queue struct {
	*template.Queue
	messages []*Message
}

// Server holds the queues.
type Server struct {
	mu     sync.Mutex
	queues map[string]*queue // by name
	now    func() time.Time
	// arrived wakes waiting receives.
	arrived chan struct{}
}

// New returns a Server with the template's queues, on the clock now
// (nil: time.Now).
func New(queues []*template.Queue, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{queues: map[string]*queue{}, now: now, arrived: make(chan struct{})}
	for _, q := range queues {
		s.queues[q.Name] = &queue{Queue: q}
	}
	return s
}

// ErrNoQueue: no queue has the name, URL or ARN.
var ErrNoQueue = fmt.Errorf("sqsemu: no such queue")

// queueOf finds a queue by name, URL or ARN; the caller holds mu.
func (s *Server) queueOf(ref string) (*queue, error) {
	name := ref[strings.LastIndexAny(ref, "/:")+1:]
	q, ok := s.queues[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoQueue, ref)
	}
	return q, nil
}

// Send puts a message on a queue (by name, URL or ARN), as the AWS
// services that send to queues do.
func (s *Server) Send(queueRef, body string, attrs map[string]Attribute) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueOf(queueRef)
	if err != nil {
		return "", err
	}
	if len(body) == 0 || len(body) > maxMessageBytes {
		return "", fmt.Errorf("sqsemu: message body of %d bytes: want 1 to %d", len(body), maxMessageBytes)
	}
	m := &Message{ID: uuid.NewString(), Body: body, Attributes: attrs, Sent: s.now()}
	q.messages = append(q.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return m.ID, nil
}

// Messages returns copies of the messages a queue holds, received or not.
func (s *Server) Messages(queueRef string) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueOf(queueRef)
	if err != nil {
		return nil, err
	}
	s.expire(q)
	out := make([]Message, len(q.messages))
	for i, m := range q.messages {
		out[i] = *m
	}
	return out, nil
}

// expire drops the messages older than the queue's retention; the caller
// holds mu.
func (s *Server) expire(q *queue) {
	now := s.now()
	kept := q.messages[:0]
	for _, m := range q.messages {
		if now.Sub(m.Sent) < q.Retention {
			kept = append(kept, m)
		}
	}
	q.messages = kept
}

// receive hides up to n visible messages for visibility and returns
// copies with their new receipt handles; the caller holds mu.
func (s *Server) receive(q *queue, n int, visibility time.Duration) []Message {
	s.expire(q)
	now := s.now()
	var out []Message
	for _, m := range q.messages {
		if len(out) == n {
			break
		}
		if now.Before(m.visibleAt) {
			continue
		}
		m.Receives++
		if m.FirstReceive.IsZero() {
			m.FirstReceive = now
		}
		m.visibleAt = now.Add(visibility)
		m.handle = uuid.NewString() + "#" + m.ID
		out = append(out, *m)
	}
	return out
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", code+";Sender")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(v)
}

// ServeHTTP answers one SQS API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2*maxMessageBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", "request body unreadable or too large")
		return
	}
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", "malformed request")
		return
	}
	switch op {
	case "ListQueues":
		s.mu.Lock()
		var urls []string
		for _, q := range s.queues {
			if strings.HasPrefix(q.Name, in.QueueNamePrefix) {
				urls = append(urls, q.URL)
			}
		}
		s.mu.Unlock()
		sort.Strings(urls)
		writeJSON(w, map[string]any{"QueueUrls": urls})
		return
	case "GetQueueUrl":
		s.mu.Lock()
		q, ok := s.queues[in.QueueName]
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist.")
			return
		}
		writeJSON(w, map[string]string{"QueueUrl": q.URL})
		return
	}
	s.mu.Lock()
	q, err := s.queueOf(in.QueueURL)
	s.mu.Unlock()
	if in.QueueURL == "" || err != nil {
		writeError(w, http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist.")
		return
	}
	switch op {
	case "SendMessage":
		if in.DelaySeconds != 0 {
			writeError(w, http.StatusBadRequest, "InvalidParameterValue", "the local SQS does not delay messages")
			return
		}
		id, err := s.Send(q.Name, in.MessageBody, in.MessageAttributes)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
			return
		}
		out := map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(in.MessageBody)}
		if len(in.MessageAttributes) > 0 {
			out["MD5OfMessageAttributes"] = attributesMD5(in.MessageAttributes)
		}
		writeJSON(w, out)
	case "ReceiveMessage":
		s.serveReceive(w, r.Context(), q, in)
	case "DeleteMessage":
		s.mu.Lock()
		defer s.mu.Unlock()
		if !strings.Contains(in.ReceiptHandle, "#") {
			writeError(w, http.StatusBadRequest, "ReceiptHandleIsInvalid", "The input receipt handle is invalid.")
			return
		}
		// Only the latest receipt handle deletes; an older one is
		// accepted and deletes nothing, as in SQS.
		for i, m := range q.messages {
			if m.handle == in.ReceiptHandle {
				q.messages = append(q.messages[:i], q.messages[i+1:]...)
				break
			}
		}
		writeJSON(w, struct{}{})
	case "ChangeMessageVisibility":
		s.mu.Lock()
		defer s.mu.Unlock()
		d := time.Duration(in.VisibilityTimeout) * time.Second
		if d < 0 || d > maxVisibility {
			writeError(w, http.StatusBadRequest, "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200 seconds")
			return
		}
		for _, m := range q.messages {
			if m.handle == in.ReceiptHandle && s.now().Before(m.visibleAt) {
				m.visibleAt = s.now().Add(d)
				writeJSON(w, struct{}{})
				return
			}
		}
		writeError(w, http.StatusBadRequest, "MessageNotInflight", "The message referred to is not in flight.")
	case "GetQueueAttributes":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.expire(q)
		visible, inFlight := 0, 0
		for _, m := range q.messages {
			if s.now().Before(m.visibleAt) {
				inFlight++
			} else {
				visible++
			}
		}
		writeJSON(w, map[string]any{"Attributes": map[string]string{
			"ApproximateNumberOfMessages":           strconv.Itoa(visible),
			"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
			"ApproximateNumberOfMessagesDelayed":    "0",
			"QueueArn":                              q.ARN,
			"MessageRetentionPeriod":                strconv.Itoa(int(q.Retention / time.Second)),
			"VisibilityTimeout":                     strconv.Itoa(int(q.VisibilityTimeout / time.Second)),
		}})
	case "PurgeQueue":
		s.mu.Lock()
		q.messages = nil
		s.mu.Unlock()
		writeJSON(w, struct{}{})
	default:
		writeError(w, http.StatusBadRequest, "UnsupportedOperation", "the local SQS does not serve "+op)
	}
}

// request holds the fields of every operation served.
type request struct {
	QueueURL              string               `json:"QueueUrl"`
	QueueName             string               `json:"QueueName"`
	QueueNamePrefix       string               `json:"QueueNamePrefix"`
	MessageBody           string               `json:"MessageBody"`
	MessageAttributes     map[string]Attribute `json:"MessageAttributes"`
	DelaySeconds          int                  `json:"DelaySeconds"`
	MaxNumberOfMessages   int                  `json:"MaxNumberOfMessages"`
	VisibilityTimeout     int                  `json:"VisibilityTimeout"`
	WaitTimeSeconds       int                  `json:"WaitTimeSeconds"`
	MessageAttributeNames []string             `json:"MessageAttributeNames"`
	AttributeNames        []string             `json:"AttributeNames"`
	SystemAttributeNames  []string             `json:"MessageSystemAttributeNames"`
	ReceiptHandle         string               `json:"ReceiptHandle"`
}

func (s *Server) serveReceive(w http.ResponseWriter, ctx context.Context, q *queue, in request) {
	n := in.MaxNumberOfMessages
	if n == 0 {
		n = 1
	}
	if n < 1 || n > maxReceive {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10")
		return
	}
	visibility := q.VisibilityTimeout
	if in.VisibilityTimeout > 0 {
		visibility = time.Duration(in.VisibilityTimeout) * time.Second
	}
	wait := min(time.Duration(in.WaitTimeSeconds)*time.Second, maxWait)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	var got []Message
	for {
		s.mu.Lock()
		got = s.receive(q, n, visibility)
		arrived := s.arrived
		s.mu.Unlock()
		if len(got) > 0 || wait <= 0 {
			break
		}
		select {
		case <-arrived:
			continue
		case <-deadline.C:
		case <-ctx.Done():
		}
		break
	}
	out := make([]map[string]any, 0, len(got))
	for _, m := range got {
		msg := map[string]any{"MessageId": m.ID, "ReceiptHandle": m.handle, "Body": m.Body, "MD5OfBody": md5Hex(m.Body)}
		if attrs := selectAttributes(m.Attributes, in.MessageAttributeNames); len(attrs) > 0 {
			msg["MessageAttributes"] = attrs
			msg["MD5OfMessageAttributes"] = attributesMD5(attrs)
		}
		if names := append(in.AttributeNames, in.SystemAttributeNames...); len(names) > 0 {
			sys := map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.Receives),
				"SentTimestamp":                    strconv.FormatInt(m.Sent.UnixMilli(), 10),
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceive.UnixMilli(), 10),
			}
			picked := map[string]string{}
			for k, v := range sys {
				if containsName(names, k) {
					picked[k] = v
				}
			}
			msg["Attributes"] = picked
		}
		out = append(out, msg)
	}
	writeJSON(w, map[string]any{"Messages": out})
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name || n == "All" || (strings.HasSuffix(n, ".*") && strings.HasPrefix(name, strings.TrimSuffix(n, "*"))) {
			return true
		}
	}
	return false
}

// selectAttributes returns the attributes the receive asked for.
func selectAttributes(attrs map[string]Attribute, names []string) map[string]Attribute {
	out := map[string]Attribute{}
	for k, v := range attrs {
		if containsName(names, k) {
			out[k] = v
		}
	}
	return out
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// attributesMD5 is SQS's digest of message attributes: for each, sorted by
// name, the length-prefixed name, data type, a transport byte (1 string,
// 2 binary) and the length-prefixed value.
func attributesMD5(attrs map[string]Attribute) string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	h := md5.New()
	put := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, k := range names {
		a := attrs[k]
		put([]byte(k))
		put([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
