package localcloud

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/sesemu"
)

// Usage is what the system consumed that AWS bills, beyond the call counts
// of Stats: for a cost estimate (infra/cmd/bench).
type Usage struct {
	// Functions by logical id.
	Functions map[string]FunctionUsage `json:"functions"`
	// Capacity is DynamoDB's request units, counted once MeterCapacity
	// turned the meter on.
	Capacity awsemu.Capacity `json:"capacity"`
	// HTTPRequests is the HTTP API's requests that reached a route.
	HTTPRequests int64 `json:"httpRequests"`
	// WebSocketFramesIn is the messages clients sent; Pushes the
	// @connections POSTs (API Gateway bills both as messages).
	WebSocketFramesIn int64 `json:"webSocketFramesIn"`
	Pushes            int64 `json:"pushes"`
	// SES and S3 are the requests each received (SES: the functions';
	// S3: the functions' and the browsers' uploads and downloads), with
	// the bytes of their request bodies.
	SES Requests `json:"ses"`
	S3  Requests `json:"s3"`
	// EventEntries is the events put on the bus (EventBridge bills each).
	EventEntries int64 `json:"eventEntries"`
}

// FunctionUsage is one function's invocations and the time they ran.
type FunctionUsage struct {
	Invocations int `json:"invocations"`
	ColdStarts  int `json:"coldStarts"`
	// Errors counts function errors, crashes and timeouts.
	Errors int `json:"errors"`
	// SystemLogLevel is the level of Lambda's own log records the
	// function's LoggingConfig lets through (template.Function).
	SystemLogLevel string `json:"systemLogLevel"`
	// Billed is the summed time from handing each invocation to the
	// function's process to its answer, as measured on this machine.
	Billed   time.Duration `json:"billedNs"`
	MemoryMB int           `json:"memoryMb"`
	// Queued is the summed time invocations waited for one of the
	// function's processes (the local cloud runs at most a few per
	// function; Lambda would start more).
	Queued time.Duration `json:"queuedNs"`
	// InitDurations: per cold start, process start to its first poll of
	// the Runtime API.
	InitDurations []time.Duration `json:"initDurationsNs"`
	// CPU is the CPU time (user + system) its processes used on this
	// machine, init included (lambdaemu.FunctionStats.CPU).
	CPU time.Duration `json:"cpuNs"`
}

// Requests counts requests to an emulated service by HTTP method.
type Requests struct {
	ByMethod map[string]int64 `json:"byMethod"`
	Bytes    int64            `json:"bytes"`
}

// requestMeter counts the requests and body bytes an http.Handler serves.
type requestMeter struct {
	mu sync.Mutex
	r  Requests
}

func (m *requestMeter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := &countingReader{r: r.Body}
		r.Body = body
		h.ServeHTTP(w, r)
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.r.ByMethod == nil {
			m.r.ByMethod = map[string]int64{}
		}
		m.r.ByMethod[r.Method]++
		m.r.Bytes += body.n
	})
}

func (m *requestMeter) snapshot() Requests {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := Requests{ByMethod: map[string]int64{}, Bytes: m.r.Bytes}
	for k, v := range m.r.ByMethod {
		out.ByMethod[k] = v
	}
	return out
}

type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// MeterCapacity turns on DynamoDB request-unit metering (see
// awsemu.Server.MeterCapacity); it slows every write a little.
func (c *Cloud) MeterCapacity() { c.aws.MeterCapacity(c.model.Tables) }

// StopMeteringCapacity turns the metering off again.
func (c *Cloud) StopMeteringCapacity() { c.aws.StopMeteringCapacity() }

// Usage returns what the cloud metered since it started.
func (c *Cloud) Usage() Usage {
	u := Usage{Functions: map[string]FunctionUsage{}, Capacity: c.aws.Capacity(),
		SES: c.sesMeter.snapshot(), S3: c.s3Meter.snapshot()}
	byName := c.runtime.Stats()
	for id, fn := range c.model.Functions {
		s := byName[fn.Name]
		u.Functions[id] = FunctionUsage{Invocations: s.Invocations, ColdStarts: s.ColdStarts, Errors: s.Errors, SystemLogLevel: fn.SystemLogLevel,
			Billed: s.Billed, Queued: s.Queued, MemoryMB: fn.MemoryMB, InitDurations: s.InitDurations, CPU: s.CPU}
	}
	for _, n := range c.http.Stats().Requests {
		u.HTTPRequests += n
	}
	if c.events != nil {
		_, u.EventEntries = c.events.Calls()
	}
	ws := c.ws.Stats()
	u.WebSocketFramesIn, u.Pushes = ws.FramesIn, ws.PushesPosted
	return u
}

// Mailbox is every email the functions sent through SES, oldest first.
func (c *Cloud) Mailbox() []sesemu.Mail { return c.mail.ses.Mailbox() }

// Retire stops the idle processes of a function (by logical id), so that
// its next invocation is a cold start.
func (c *Cloud) Retire(logicalID string) {
	if fn, ok := c.model.Functions[logicalID]; ok {
		c.runtime.Retire(fn.Name)
	}
}
