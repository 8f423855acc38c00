// Package sesemu is the local cloud's SES v2: SendEmail (simple and raw)
// over the REST-JSON protocol of the SDK's sesv2 client, a mailbox that
// keeps every message sent, a page and a JSON view of it, and SES's
// mailbox simulator (bounce@ and complaint@simulator.amazonses.com), whose
// events go to the configuration set's event destination.
package sesemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Simulator addresses of SES's mailbox simulator.
const (
	BounceAddress    = "bounce@simulator.amazonses.com"
	ComplaintAddress = "complaint@simulator.amazonses.com"
)

const maxRequestBytes = 50 << 20

// Mail is one sent message as the mailbox keeps it.
type Mail struct {
	ID               string            `json:"id"`
	From             string            `json:"from"`
	To               []string          `json:"to"`
	Subject          string            `json:"subject"`
	ConfigurationSet string            `json:"configurationSet,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
	Headers          map[string]string `json:"headers"`
	Text             string            `json:"text"`
	HTML             string            `json:"html"`
	Raw              string            `json:"raw"`
	SentAt           time.Time         `json:"sentAt"`
}

// FeedbackFunc delivers an SES event (bounce, complaint) for a
// configuration set, as SES event publishing would.
type FeedbackFunc func(ctx context.Context, configurationSet string, event []byte)

// Options configure a Server.
type Options struct {
	// ConfigurationSets known to the account; SendEmail naming another is
	// refused as SES refuses it.
	ConfigurationSets []string
	Feedback          FeedbackFunc
	Logger            *slog.Logger
}

// Server is the SES v2 endpoint and the mailbox.
type Server struct {
	opts Options
	log  *slog.Logger
	mu   sync.RWMutex
	mail []Mail
	wg   sync.WaitGroup
}

// New returns a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{opts: o, log: o.Logger}
}

// Close waits for feedback deliveries under way.
func (s *Server) Close() { s.wg.Wait() }

// Mailbox returns every message sent so far, oldest first.
func (s *Server) Mailbox() []Mail {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Mail(nil), s.mail...)
}

type sendRequest struct {
	FromEmailAddress string `json:"FromEmailAddress"`
	Destination      *struct {
		ToAddresses  []string `json:"ToAddresses"`
		CcAddresses  []string `json:"CcAddresses"`
		BccAddresses []string `json:"BccAddresses"`
	} `json:"Destination"`
	ReplyToAddresses []string `json:"ReplyToAddresses"`
	Content          struct {
		Raw *struct {
			Data []byte `json:"Data"`
		} `json:"Raw"`
		Simple *struct {
			Subject struct {
				Data string `json:"Data"`
			} `json:"Subject"`
			Body struct {
				Text *struct {
					Data string `json:"Data"`
				} `json:"Text"`
				HTML *struct {
					Data string `json:"Data"`
				} `json:"Html"`
			} `json:"Body"`
		} `json:"Simple"`
	} `json:"Content"`
	ConfigurationSetName string `json:"ConfigurationSetName"`
	EmailTags            []struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"EmailTags"`
}

// writeError answers as the REST-JSON protocol does: the error code in
// X-Amzn-ErrorType, the message in the body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// ServeHTTP serves POST /v2/email/outbound-emails.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		writeError(w, http.StatusNotFound, "NotFoundException", "the local SES serves SendEmail (POST /v2/email/outbound-emails) only")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "request body unreadable or too large")
		return
	}
	var in sendRequest
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "request body is not the expected JSON")
		return
	}
	m, err := s.accept(in)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", err.Error())
		return
	}
	if in.ConfigurationSetName != "" && !s.knownSet(in.ConfigurationSetName) {
		writeError(w, http.StatusNotFound, "NotFoundException", fmt.Sprintf("Configuration set <%s> does not exist.", in.ConfigurationSetName))
		return
	}
	s.keep(m)
	s.simulate(m)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": m.ID})
}

// Deliver keeps a message that another service of the cloud sends through
// SES itself, as Cognito sends its invitations: raw is the whole message,
// its From and To headers say who sends it to whom. It returns the
// message id.
func (s *Server) Deliver(raw []byte) (string, error) {
	var in sendRequest
	in.Content.Raw = &struct {
		Data []byte `json:"Data"`
	}{Data: raw}
	m, err := s.accept(in)
	if err != nil {
		return "", err
	}
	s.keep(m)
	return m.ID, nil
}

func (s *Server) keep(m Mail) {
	s.mu.Lock()
	s.mail = append(s.mail, m)
	s.mu.Unlock()
	s.log.Info("email sent to the local mailbox", "id", m.ID, "configurationSet", m.ConfigurationSet)
}

func (s *Server) knownSet(name string) bool {
	for _, c := range s.opts.ConfigurationSets {
		if c == name {
			return true
		}
	}
	return false
}

func (s *Server) accept(in sendRequest) (Mail, error) {
	m := Mail{ID: "0100" + strings.ReplaceAll(uuid.NewString(), "-", "") + "-000000", ConfigurationSet: in.ConfigurationSetName, SentAt: time.Now().UTC(), Headers: map[string]string{}}
	if len(in.EmailTags) > 0 {
		m.Tags = map[string]string{}
		for _, t := range in.EmailTags {
			m.Tags[t.Name] = t.Value
		}
	}
	var raw []byte
	switch {
	case in.Content.Raw != nil:
		raw = in.Content.Raw.Data
	case in.Content.Simple != nil:
		if in.FromEmailAddress == "" {
			return Mail{}, fmt.Errorf("FromEmailAddress is required for simple content")
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: %s\r\n", in.FromEmailAddress)
		if in.Destination != nil && len(in.Destination.ToAddresses) > 0 {
			fmt.Fprintf(&b, "To: %s\r\n", strings.Join(in.Destination.ToAddresses, ", "))
		}
		if len(in.ReplyToAddresses) > 0 {
			fmt.Fprintf(&b, "Reply-To: %s\r\n", strings.Join(in.ReplyToAddresses, ", "))
		}
		fmt.Fprintf(&b, "Subject: %s\r\nMessage-ID: <%s@email.amazonses.com>\r\nMIME-Version: 1.0\r\n", mime.QEncoding.Encode("utf-8", in.Content.Simple.Subject.Data), m.ID)
		text := ""
		if t := in.Content.Simple.Body.Text; t != nil {
			text = t.Data
		}
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s", text)
		raw = b.Bytes()
		if h := in.Content.Simple.Body.HTML; h != nil {
			m.HTML = h.Data
		}
	default:
		return Mail{}, fmt.Errorf("content needs Raw or Simple")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, fmt.Errorf("the raw message is not a valid email: %v", err)
	}
	for k, v := range msg.Header {
		m.Headers[k] = strings.Join(v, ", ")
	}
	dec := mime.WordDecoder{}
	m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	from := in.FromEmailAddress
	if from == "" {
		from = msg.Header.Get("From")
	}
	if a, err := mail.ParseAddress(from); err == nil {
		m.From = a.Address
	} else {
		return Mail{}, fmt.Errorf("missing or invalid sender address")
	}
	if in.Destination != nil {
		m.To = append(append(append(m.To, in.Destination.ToAddresses...), in.Destination.CcAddresses...), in.Destination.BccAddresses...)
	}
	if len(m.To) == 0 {
		if list, err := msg.Header.AddressList("To"); err == nil {
			for _, a := range list {
				m.To = append(m.To, a.Address)
			}
		}
	}
	if len(m.To) == 0 {
		return Mail{}, fmt.Errorf("missing recipients")
	}
	m.Raw = string(raw)
	text, htmlBody := bodies(raw)
	m.Text = text
	if htmlBody != "" {
		m.HTML = htmlBody
	}
	return m, nil
}

// simulate produces the mailbox simulator's events for m.
func (s *Server) simulate(m Mail) {
	if s.opts.Feedback == nil || m.ConfigurationSet == "" {
		return
	}
	for _, to := range m.To {
		var ev map[string]any
		now := time.Now().UTC().Format(time.RFC3339Nano)
		mailPart := map[string]any{"timestamp": m.SentAt.Format(time.RFC3339Nano), "messageId": m.ID, "source": m.From, "destination": m.To, "tags": m.Tags}
		switch simulatorAddress(to) {
		case BounceAddress:
			ev = map[string]any{"eventType": "Bounce", "mail": mailPart, "bounce": map[string]any{
				"bounceType": "Permanent", "bounceSubType": "General", "timestamp": now, "feedbackId": uuid.NewString(),
				"bouncedRecipients": []map[string]any{{"emailAddress": to, "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}},
			}}
		case ComplaintAddress:
			ev = map[string]any{"eventType": "Complaint", "mail": mailPart, "complaint": map[string]any{
				"timestamp": now, "feedbackId": uuid.NewString(), "complaintFeedbackType": "abuse",
				"complainedRecipients": []map[string]any{{"emailAddress": to}},
			}}
		default:
			continue
		}
		data, _ := json.Marshal(ev)
		s.wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s.opts.Feedback(ctx, m.ConfigurationSet, data)
		})
	}
}

// ServeMailboxJSON serves the mailbox as JSON, oldest first.
func (s *Server) ServeMailboxJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{"messages": s.Mailbox()})
}

var page = template.Must(template.New("mailbox").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Parley local mailbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}article{border:1px solid #d1d9e0;border-radius:6px;padding:1rem;margin:1rem 0}
dt{font-weight:600;float:left;width:8rem}dd{margin-left:8rem}pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem}</style></head>
<body><h1>Local mailbox</h1><p>Every email sent through SES (by the functions, and the user pool's invitations), newest first ({{len .}}). JSON: <a href="mailbox.json">mailbox.json</a>.</p>
{{range .}}<article><dl><dt>Subject</dt><dd>{{.Subject}}</dd><dt>From</dt><dd>{{index .Headers "From"}}</dd><dt>To</dt><dd>{{range .To}}{{.}} {{end}}</dd>
<dt>Reply-To</dt><dd>{{index .Headers "Reply-To"}}</dd><dt>Sent</dt><dd>{{.SentAt.Format "2006-01-02 15:04:05 MST"}}</dd></dl>
{{if .Text}}<pre>{{.Text}}</pre>{{else}}<pre>{{.HTML}}</pre>{{end}}<details><summary>Raw</summary><pre>{{.Raw}}</pre></details></article>
{{end}}</body></html>
`))

// ServeMailboxPage serves the mailbox as a page; every field is escaped.
func (s *Server) ServeMailboxPage(w http.ResponseWriter, _ *http.Request) {
	msgs := s.Mailbox()
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = page.Execute(w, msgs)
}

// simulatorAddress strips a label from a mailbox simulator address, as SES
// does ("bounce+label1@simulator.amazonses.com" bounces too), so tests can
// use an address of their own.
func simulatorAddress(to string) string {
	to = strings.ToLower(to)
	local, domain, ok := strings.Cut(to, "@")
	if !ok || domain != "simulator.amazonses.com" {
		return to
	}
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}
