package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// Limits of the cloud the rate limit tests run against: low, so a flood is
// short. (The shared test cloud keeps the template's defaults, except the
// per-IP limit: every local client comes from 127.0.0.1.)
const (
	testPerIP            = 12
	testVisitorMessages  = 5
	testConnectionFrames = 8
)

// limitedCloud starts a second local cloud with low rate limits.
func limitedCloud(t *testing.T) *localcloud.Cloud {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := localcloud.Start(ctx, localcloud.Config{
		Addr:           "127.0.0.1:0",
		RepoRoot:       root,
		BuildDir:       t.TempDir(),
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		FunctionOutput: &syncWriter{w: os.Stderr, quiet: !testing.Verbose()},
		Parameters: map[string]string{
			"RateLimitPerIp":            strconv.Itoa(testPerIP),
			"RateLimitVisitorMessages":  strconv.Itoa(testVisitorMessages),
			"RateLimitConnectionFrames": strconv.Itoa(testConnectionFrames),
		},
	})
	if err != nil {
		t.Fatalf("start a second local cloud: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// clientFrom is an HTTP client whose connections come from ip (any
// address of 127.0.0.0/8 is the loopback interface).
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

type limitAnswer struct {
	status     int
	retryAfter string
	code       string
	bodyRetry  int
	token      string
	ticket     string
}

func widgetPost(t *testing.T, hc *http.Client, base, origin, path, token string, body string) limitAnswer {
	t.Helper()
	return widgetSend(t, hc, http.MethodPost, base, origin, path, token, body)
}

func widgetSend(t *testing.T, hc *http.Client, method, base, origin, path, token string, body string) limitAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(wait(t), method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		VisitorToken string `json:"visitorToken"`
		Ticket       string `json:"ticket"`
		Error        struct {
			Code       string `json:"code"`
			RetryAfter int    `json:"retryAfter"`
		} `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return limitAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), code: out.Error.Code,
		bodyRetry: out.Error.RetryAfter, token: out.VisitorToken, ticket: out.Ticket}
}

func TestRateLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second local cloud")
	}
	lc := limitedCloud(t)
	e := lc.Endpoints()
	ep := chatclient.Endpoints{HTTPAPI: e.HTTPAPI, WebSocket: e.WebSocket, InboxOrigin: lc.URL()}
	site := e.WidgetOrigin() // the chat window calls from there
	mint := func(name string) string {
		sub, err := oidc.DemoSub(name)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := lc.Issuer().Mint(sub, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	t.Run("per IP on session, ticket and connect", func(t *testing.T) {
		hc := clientFrom("127.0.0.2")
		session := func() limitAnswer {
			return widgetPost(t, hc, e.HTTPAPI, site, "/widget/session", "", `{"channelId":"main"}`)
		}
		var token, ticket string
		var refused limitAnswer
		// Exhaust the window; start again when too little of it is left
		// for the checks below.
		for attempt := 0; ; attempt++ {
			first := session()
			if first.status == http.StatusOK {
				token = first.token
				if tk := widgetPost(t, hc, e.HTTPAPI, site, "/widget/ticket", token, ""); tk.status == http.StatusOK {
					ticket = tk.ticket
				}
			}
			refused = first
			for n := 0; refused.status == http.StatusOK && n <= 2*testPerIP; n++ {
				refused = session()
			}
			if refused.status != http.StatusTooManyRequests {
				t.Fatalf("session never limited: last answer %d", refused.status)
			}
			if secs, _ := strconv.Atoi(refused.retryAfter); secs >= 3 && token != "" && ticket != "" || attempt == 3 {
				break
			}
			secs, _ := strconv.Atoi(refused.retryAfter)
			time.Sleep(time.Duration(secs)*time.Second + 200*time.Millisecond)
		}
		secs, err := strconv.Atoi(refused.retryAfter)
		if err != nil || secs < 1 || secs > 60 || refused.code != "rate_limited" || refused.bodyRetry != secs {
			t.Fatalf("refusal: Retry-After %q, code %q, retryAfter %d; want 1-60 s, rate_limited, the same seconds",
				refused.retryAfter, refused.code, refused.bodyRetry)
		}
		if tk := widgetPost(t, hc, e.HTTPAPI, site, "/widget/ticket", token, ""); tk.status != http.StatusTooManyRequests || tk.retryAfter == "" {
			t.Errorf("ticket: %d Retry-After %q, want 429 with Retry-After", tk.status, tk.retryAfter)
		}
		if c := widgetSend(t, hc, http.MethodPut, e.HTTPAPI, site, "/widget/contact", token, `{"email":"flood@example.net"}`); c.status != http.StatusTooManyRequests {
			t.Errorf("contact: %d, want 429", c.status)
		}
		conn, resp, err := websocket.Dial(wait(t), e.WebSocket+"?ticket="+ticket, &websocket.DialOptions{
			HTTPClient: hc, HTTPHeader: http.Header{"Origin": {site}},
		})
		if err == nil {
			conn.CloseNow()
			t.Error("$connect: socket opened")
		} else if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			// Only the status of a refused upgrade is certain to reach the
			// client through API Gateway.
			t.Errorf("$connect: %v, want 429", err)
		}

		// Other addresses and the agent API are not affected.
		if _, _, err := chatclient.NewVisitor(wait(t), ep, site, "main", ""); err != nil {
			t.Errorf("a visitor from another address: %v", err)
		}
		req, _ := http.NewRequestWithContext(wait(t), http.MethodGet, e.HTTPAPI+"/agent/conversations", nil)
		req.Header.Set("Authorization", "Bearer "+mint("ben"))
		if resp, err := hc.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("agent API from the limited address: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
	})

	t.Run("a flooding visitor", func(t *testing.T) {
		agent := chatclient.NewAgent(ep, mint("ben"))
		as, err := agent.Connect(wait(t))
		if err != nil {
			t.Fatal(err)
		}
		defer as.Close()
		flooder, _, err := chatclient.NewVisitor(wait(t), ep, site, "main", "")
		if err != nil {
			t.Fatal(err)
		}
		fs, err := flooder.Connect(wait(t))
		if err != nil {
			t.Fatal(err)
		}
		defer fs.Close()
		calm, _, err := chatclient.NewVisitor(wait(t), ep, site, "main", "")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := calm.Connect(wait(t))
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()

		// More messages than two windows hold: some are refused however
		// the flood falls across a window's end.
		const sent = 2*testVisitorMessages + 2
		first, err := chatclient.SendMessage(wait(t), fs, "", "flood 0")
		if err != nil {
			t.Fatal(err)
		}
		f, err := fs.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "message" && msgClientID(f) == first })
		if err != nil {
			t.Fatalf("first message: %v", err)
		}
		convID := f.ConversationID
		ids := []string{first}
		for i := 1; i < sent; i++ {
			id, err := chatclient.SendMessage(wait(t), fs, convID, "flood "+strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		stored, refusedIDs := map[string]bool{first: true}, map[string]bool{}
		for len(stored)+len(refusedIDs) < sent {
			f, err := fs.Next(wait(t), func(f chatclient.Frame) bool {
				return (f.Type == "message" && msgClientID(f) != "") || f.Type == "error"
			})
			if err != nil {
				t.Fatalf("%d stored, %d refused of %d: %v", len(stored), len(refusedIDs), sent, err)
			}
			if f.Type == "message" {
				stored[msgClientID(f)] = true
				continue
			}
			var ef struct {
				RetryAfter int `json:"retryAfter"`
			}
			_ = json.Unmarshal(f.Raw, &ef)
			if f.Code != "rate_limited" || ef.RetryAfter < 1 || ef.RetryAfter > 60 || f.ClientID == "" {
				t.Fatalf("error frame %s, want rate_limited with retryAfter and the client id", f.Raw)
			}
			refusedIDs[f.ClientID] = true
		}
		if len(refusedIDs) < sent-2*testVisitorMessages {
			t.Errorf("%d of %d messages refused, want at least %d", len(refusedIDs), sent, sent-2*testVisitorMessages)
		}
		th, err := agent.Get(wait(t), convID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range th.Messages {
			if refusedIDs[m.ClientID] {
				t.Errorf("refused message %q was stored", m.Body)
			}
		}
		if n := len(th.Messages); n != len(stored) {
			t.Errorf("%d messages stored, want the %d acknowledged", n, len(stored))
		}

		// The calm visitor's message goes through and reaches the agent.
		calmID, err := chatclient.SendMessage(wait(t), cs, "", "hello from a calm visitor")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "message" && msgClientID(f) == calmID }); err != nil {
			t.Fatalf("calm visitor's message: %v", err)
		}
		if _, err := as.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "message" && msgClientID(f) == calmID }); err != nil {
			t.Errorf("agent did not get the calm visitor's message: %v", err)
		}
		// The agent answers the flooder: the agent API is not limited by it.
		if _, err := agent.Reply(wait(t), convID, "please slow down"); err != nil {
			t.Errorf("agent reply to the flooder: %v", err)
		}
		if _, err := fs.Next(wait(t), func(f chatclient.Frame) bool {
			m, err := f.Msg()
			return err == nil && m.Body == "please slow down"
		}); err != nil {
			t.Errorf("flooder did not get the reply: %v", err)
		}

		// Frames other than messages count per socket.
		pongs, limited := floodPings(t, fs, 2*testConnectionFrames+4)
		if limited < 4 || pongs+limited != 2*testConnectionFrames+4 {
			t.Errorf("flooded pings: %d pongs, %d refused; want at least 4 refused", pongs, limited)
		}
		if p, l := floodPings(t, cs, 1); p != 1 || l != 0 {
			t.Errorf("calm visitor's ping: %d pongs, %d refused", p, l)
		}
		if p, l := floodPings(t, as, 1); p != 1 || l != 0 {
			t.Errorf("agent's ping: %d pongs, %d refused", p, l)
		}
	})
}

// floodPings sends n pings and counts the pongs and rate_limited refusals.
func floodPings(t *testing.T, s *chatclient.Socket, n int) (pongs, limited int) {
	t.Helper()
	for range n {
		if err := s.Send(wait(t), map[string]string{"action": "ping"}); err != nil {
			t.Fatal(err)
		}
	}
	for pongs+limited < n {
		f, err := s.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "pong" || f.Type == "error" })
		if err != nil {
			t.Fatalf("%d pongs, %d refused of %d: %v", pongs, limited, n, err)
		}
		switch {
		case f.Type == "pong":
			pongs++
		case f.Code == "rate_limited":
			limited++
		default:
			t.Fatalf("unexpected error frame %s", f.Raw)
		}
	}
	return pongs, limited
}
