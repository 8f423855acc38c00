package sesemu_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"
)

// TestMailboxSimulatorLabels: a labelled simulator address behaves as the
// plain one, as in SES; a look-alike domain is an ordinary address.
func TestMailboxSimulatorLabels(t *testing.T) {
	s, c, fb := start(t)
	for _, to := range []string{"bounce+test-42@simulator.amazonses.com", "Complaint+x@Simulator.AmazonSES.com", "bounce+x@simulator.amazonses.com.evil.test"} {
		if _, err := c.SendEmail(t.Context(), &sesv2.SendEmailInput{
			Destination: &types.Destination{ToAddresses: []string{to}}, ConfigurationSetName: aws.String("parley-mail"),
			Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte("From: chat@example.com\r\nTo: " + to + "\r\nSubject: s\r\n\r\nhi")}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	fb.mu.Lock()
	defer fb.mu.Unlock()
	var kinds []string
	for _, ev := range fb.events {
		typ, _ := ev["eventType"].(string)
		kinds = append(kinds, typ)
	}
	if len(kinds) == 2 && kinds[0] > kinds[1] {
		kinds[0], kinds[1] = kinds[1], kinds[0]
	}
	if diff := cmp.Diff([]string{"Bounce", "Complaint"}, kinds); diff != "" {
		t.Errorf("feedback events (-want +got):\n%s", diff)
	}
}
