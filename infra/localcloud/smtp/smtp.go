// Package smtp is the local cloud's inbound mail: an SMTP listener on
// 127.0.0.1 that accepts mail for the template's receipt rules, stores the
// raw message as the rule's S3 action would, and invokes the rule's
// function with an SES receipt event, verdicts included.
//
// Verdicts are PASS unless the message carries the header
// X-Parley-Local-Verdict, which only the local cloud honours, for example
// "X-Parley-Local-Verdict: dmarc=fail, spam=fail" (checks: spf, dkim,
// dmarc, spam, virus; values: pass, fail, gray, processing_failed).
package smtp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// VerdictHeader lets a local test simulate SES's checks failing.
const VerdictHeader = "X-Parley-Local-Verdict"

const (
	maxMessageBytes = 40 << 20 // SES's inbound limit
	maxRecipients   = 50
	maxLine         = 4096
	sessionTimeout  = 5 * time.Minute
)

// Rule is a receipt rule: which recipients it matches and where it
// delivers.
type Rule struct {
	Name       string
	Recipients []string // domains or addresses; empty: every recipient
	Bucket     string
	Prefix     string
	// FunctionARN is reported in the event's receipt action.
	FunctionARN string
	Function    string // logical id, for Deliver
}

func (r Rule) matches(addr string) bool {
	if len(r.Recipients) == 0 {
		return true
	}
	addr = strings.ToLower(addr)
	_, domain, _ := strings.Cut(addr, "@")
	for _, want := range r.Recipients {
		want = strings.ToLower(want)
		if addr == want || domain == want || strings.HasSuffix(domain, "."+strings.TrimPrefix(want, ".")) && strings.HasPrefix(want, ".") {
			return true
		}
	}
	return false
}

// Store keeps the raw mail (the local S3).
type Store func(bucket, key string, raw []byte) error

// Invoke runs a function with a payload (the local Lambda).
type Invoke func(ctx context.Context, logicalID string, payload []byte) ([]byte, error)

// Server is a running SMTP listener.
type Server struct {
	rules  []Rule
	store  Store
	invoke Invoke
	log    *slog.Logger
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

// Start listens on addr (127.0.0.1:0 picks a port).
func Start(addr string, rules []Rule, store Store, invoke Invoke, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp listen on %s: %w", addr, err)
	}
	s := &Server{rules: rules, store: store, invoke: invoke, log: log, ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Go(s.accept)
	return s, nil
}

// Addr is host:port of the listener.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening and ends open sessions.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.session(c)
		})
	}
}

type session struct {
	started bool
	from    string
	rcpt    []string
}

func (s *Server) session(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(sessionTimeout))
	r := bufio.NewReaderSize(c, maxLine)
	w := bufio.NewWriter(c)
	reply := func(code int, msg string) {
		fmt.Fprintf(w, "%d %s\r\n", code, msg)
		_ = w.Flush()
	}
	reply(220, "parley local cloud inbound SMTP (SES emulation)")
	var st session
	for {
		line, err := readLine(r)
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			fmt.Fprintf(w, "250-parley-local\r\n250-SIZE %d\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n", maxMessageBytes)
			_ = w.Flush()
		case "HELO":
			reply(250, "parley-local")
		case "MAIL":
			addr, ok := pathArg(arg, "FROM:")
			if !ok {
				reply(501, "5.5.4 syntax: MAIL FROM:<address>")
				continue
			}
			st = session{started: true, from: addr}
			reply(250, "2.1.0 OK")
		case "RCPT":
			addr, ok := pathArg(arg, "TO:")
			switch {
			case !ok || addr == "":
				reply(501, "5.5.4 syntax: RCPT TO:<address>")
			case !st.started:
				reply(503, "5.5.1 MAIL first")
			case len(st.rcpt) >= maxRecipients:
				reply(452, "4.5.3 too many recipients")
			case s.ruleFor(addr) == nil:
				// SES rejects recipients no active rule covers.
				reply(550, "5.1.1 mailbox unavailable: no receipt rule for "+addr)
			default:
				st.rcpt = append(st.rcpt, addr)
				reply(250, "2.1.5 OK")
			}
		case "DATA":
			if len(st.rcpt) == 0 {
				reply(554, "5.5.1 no valid recipients")
				continue
			}
			reply(354, "end data with <CR><LF>.<CR><LF>")
			raw, err := readData(r)
			if err != nil {
				if errors.Is(err, errTooBig) {
					reply(552, "5.3.4 message too big")
					st = session{}
					continue
				}
				return
			}
			id, err := s.deliver(st, raw)
			if err != nil {
				s.log.Error("local inbound mail failed", "err", err)
				reply(451, "4.3.0 local delivery failed: "+oneLine(err.Error()))
			} else {
				reply(250, "2.0.0 Ok "+id)
			}
			st = session{}
		case "RSET":
			st = session{}
			reply(250, "2.0.0 OK")
		case "NOOP":
			reply(250, "2.0.0 OK")
		case "QUIT":
			reply(221, "2.0.0 bye")
			return
		default:
			reply(502, "5.5.2 command not implemented")
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func pathArg(arg, prefix string) (string, bool) {
	if !strings.HasPrefix(strings.ToUpper(arg), prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

var errTooBig = errors.New("message too big")

// readData reads the DATA section up to the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	tooBig := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			break
		}
		line = strings.TrimPrefix(line, ".")
		if b.Len()+len(line) > maxMessageBytes {
			tooBig = true
			continue
		}
		b.WriteString(line)
	}
	if tooBig {
		return nil, errTooBig
	}
	return b.Bytes(), nil
}

func (s *Server) ruleFor(addr string) *Rule {
	for i := range s.rules {
		if s.rules[i].matches(addr) {
			return &s.rules[i]
		}
	}
	return nil
}

// deliver runs the matching rule's actions: S3, then Lambda, once per rule.
func (s *Server) deliver(st session, raw []byte) (string, error) {
	id := strings.ReplaceAll(uuid.NewString(), "-", "")
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("the message has no valid header: %w", err)
	}
	verdicts := parseVerdicts(msg.Header.Get(VerdictHeader))
	byRule := map[*Rule][]string{}
	var order []*Rule
	for _, rc := range st.rcpt {
		r := s.ruleFor(rc)
		if _, ok := byRule[r]; !ok {
			order = append(order, r)
		}
		byRule[r] = append(byRule[r], rc)
	}
	for _, r := range order {
		key := r.Prefix + id
		if err := s.store(r.Bucket, key, raw); err != nil {
			return "", fmt.Errorf("store raw mail: %w", err)
		}
		payload, err := json.Marshal(receiptEvent(id, st.from, byRule[r], msg.Header, verdicts, *r))
		if err != nil {
			return "", err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		_, err = s.invoke(ctx, r.Function, payload)
		cancel()
		if err != nil {
			return "", fmt.Errorf("invoke %s: %w", r.Function, err)
		}
	}
	return id, nil
}

func parseVerdicts(h string) map[string]string {
	v := map[string]string{"spf": "PASS", "dkim": "PASS", "dmarc": "PASS", "spam": "PASS", "virus": "PASS"}
	for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' }) {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if _, known := v[k]; ok && known {
			v[k] = strings.ToUpper(strings.TrimSpace(val))
		}
	}
	return v
}

// receiptEvent is the event SES gives a receipt rule's Lambda action.
func receiptEvent(id, from string, rcpt []string, h mail.Header, v map[string]string, r Rule) map[string]any {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	var headers []map[string]string
	for k, vals := range h {
		for _, val := range vals {
			headers = append(headers, map[string]string{"name": k, "value": val})
		}
	}
	list := func(name string) []string {
		var out []string
		if as, err := h.AddressList(name); err == nil {
			for _, a := range as {
				out = append(out, a.String())
			}
		}
		return out
	}
	verdict := func(k string) map[string]string { return map[string]string{"status": v[k]} }
	return map[string]any{"Records": []any{map[string]any{
		"eventSource": "aws:ses", "eventVersion": "1.0",
		"ses": map[string]any{
			"mail": map[string]any{
				"timestamp": now, "source": from, "messageId": id, "destination": rcpt,
				"headersTruncated": false, "headers": headers,
				"commonHeaders": map[string]any{
					"returnPath": from, "from": list("From"), "to": list("To"), "messageId": h.Get("Message-Id"),
					"date": h.Get("Date"), "subject": h.Get("Subject"),
				},
			},
			"receipt": map[string]any{
				"timestamp": now, "processingTimeMillis": 12, "recipients": rcpt,
				"spamVerdict": verdict("spam"), "virusVerdict": verdict("virus"), "spfVerdict": verdict("spf"),
				"dkimVerdict": verdict("dkim"), "dmarcVerdict": verdict("dmarc"), "dmarcPolicy": "none",
				"action": map[string]any{"type": "Lambda", "functionArn": r.FunctionARN, "invocationType": "Event"},
			},
		},
	}}}
}
