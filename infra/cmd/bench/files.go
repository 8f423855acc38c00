package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/cost"
)

// filesSize is the size of each file of the files run.
const filesSize = 200 << 10

// fileSlot is an upload slot as the API answers it.
type fileSlot struct {
	Key         string            `json:"key"`
	URL         string            `json:"url"`
	Fields      map[string]string `json:"fields"`
	ContentType string            `json:"contentType"`
}

// files measures what one attachment costs, step by step: the visitor's
// upload slot, the browser's POST to S3, the message that commits it, and
// a download by the agent and by the visitor (a preview costs the same).
// Each step runs n times on its own, so its calls are its own.
func (b *bench) files(ctx context.Context, n int) error {
	fmt.Printf("\n## Cost per attachment (%d pictures of %d KB, one a message: slot, upload, commit, two downloads)\n", n, filesSize>>10)
	agent, err := b.agent("alice")
	if err != nil {
		return err
	}
	v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, "main", "")
	if err != nil {
		return err
	}
	vs, err := v.Connect(ctx)
	if err != nil {
		return err
	}
	defer vs.Close()
	conv := ""
	data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, filesSize/4)
	slots := make([]fileSlot, n+1)
	ids := make([]string, n+1)
	// The first attachment warms every function; the steps measure the rest.
	steps := []struct {
		name string
		do   func(i int) error
	}{
		{"upload slot (HTTP POST /widget/uploads)", func(i int) error {
			in := map[string]any{"filename": fmt.Sprintf("photo-%d.png", i), "size": len(data)}
			if conv != "" {
				in["conversationId"] = conv
			}
			return v.Call(ctx, http.MethodPost, "/widget/uploads", in, &slots[i])
		}},
		{"upload (browser POST to S3)", func(i int) error { return b.postFile(ctx, slots[i], data) }},
		{"commit (sendMessage with the file)", func(i int) error {
			id := uuid.NewString()
			f := map[string]any{"action": "sendMessage", "clientId": id, "body": "", "attachments": []map[string]any{{"key": slots[i].Key, "size": len(data), "contentType": slots[i].ContentType}}}
			if conv != "" {
				f["conversationId"] = conv
			}
			if err := vs.Send(ctx, f); err != nil {
				return err
			}
			fr, err := vs.Next(ctx, func(f chatclient.Frame) bool {
				m, err := f.Msg()
				return (err == nil && m.ClientID == id) || f.Type == "error"
			})
			if err != nil {
				return err
			}
			var m struct {
				Attachments []struct{ ID string } `json:"attachments"`
			}
			if err := json.Unmarshal(fr.Message, &m); err != nil || len(m.Attachments) != 1 {
				return fmt.Errorf("message with a file answered %s", fr.Raw)
			}
			conv, ids[i] = fr.ConversationID, m.Attachments[0].ID
			return nil
		}},
		{"agent's download (HTTP GET + S3 GET)", func(i int) error {
			var d struct{ URL string }
			if err := agent.Call(ctx, http.MethodGet, "/agent/conversations/"+conv+"/attachments/"+ids[i], nil, &d); err != nil {
				return err
			}
			return fetch(ctx, d.URL)
		}},
		{"visitor's download (HTTP POST + S3 GET)", func(i int) error {
			var d struct{ URL string }
			if err := v.Call(ctx, http.MethodPost, "/widget/conversations/"+conv+"/attachments/"+ids[i], nil, &d); err != nil {
				return err
			}
			return fetch(ctx, d.URL)
		}},
	}
	for _, s := range steps {
		if err := s.do(0); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	b.cloud.MeterCapacity()
	defer b.cloud.StopMeteringCapacity()
	var total cost.Usage
	for _, s := range steps {
		beforeStats, beforeUsage := b.cloud.Stats(), b.cloud.Usage()
		for i := 1; i <= n; i++ {
			if err := s.do(i); err != nil {
				return fmt.Errorf("%s %d: %w", s.name, i, err)
			}
		}
		time.Sleep(300 * time.Millisecond) // let trailing pushes land
		afterStats, afterUsage := b.cloud.Stats(), b.cloud.Usage()
		printCosts(s.name, n, beforeStats, afterStats)
		printS3(n, beforeUsage.S3.ByMethod, afterUsage.S3.ByMethod)
		u := usageBetween(beforeStats, afterStats, beforeUsage, afterUsage, b.infrequent())
		fmt.Printf("  USD per 1,000 attachments: %.5f\n", cost.Total(cost.Estimate(u))*1000/float64(n))
		total = addUsage(total, u)
	}
	fmt.Printf("\n  all steps: USD per 1,000 attachments %.5f (%s list prices read %s; storage: S3 Standard, not counted)\n", cost.Total(cost.Estimate(total))*1000/float64(n), cost.Region, cost.PricesRead)
	return nil
}

// postFile uploads data through a slot as a browser does.
func (b *bench) postFile(ctx context.Context, s fileSlot, data []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range s.Fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", "photo.png")
	if err != nil {
		return err
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("upload: %d %s", resp.StatusCode, msg)
	}
	return nil
}

func fetch(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return nil
}

// printS3 prints the S3 requests per attachment, by method.
func printS3(n int, before, after map[string]int64) {
	var lines []string
	for m, c := range after {
		if d := c - before[m]; d > 0 {
			lines = append(lines, fmt.Sprintf("  s3          %-28s %.2f", m, float64(d)/float64(n)))
		}
	}
	sort.Strings(lines)
	fmt.Println(strings.Join(lines, "\n"))
}

func addUsage(a, b cost.Usage) cost.Usage {
	a.LambdaRequests += b.LambdaRequests
	a.LambdaGBSeconds += b.LambdaGBSeconds
	a.DynamoWriteUnits += b.DynamoWriteUnits
	a.DynamoReadUnits += b.DynamoReadUnits
	a.WebSocketMessages += b.WebSocketMessages
	a.HTTPRequests += b.HTTPRequests
	a.S3Gets += b.S3Gets
	a.S3Puts += b.S3Puts
	a.SESMessages += b.SESMessages
	a.SESBytes += b.SESBytes
	a.Events += b.Events
	a.SecretsCalls += b.SecretsCalls
	return a
}
