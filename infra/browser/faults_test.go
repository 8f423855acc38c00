package browser

import (
	"testing"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
)

// TestWidgetRetriesFailedWrite: the store fails a visitor's message past
// the SDK's retries; the socket says a retry is safe, and the widget sends
// it again with the same client id: it is stored and shown once.
func TestWidgetRetriesFailedWrite(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	chat := startChat(t, visitor, "Hello before the failure")

	refused := func() int64 { return cloud.AWS().FaultCounts()[awsemu.ServiceDynamoDB]["TransactWriteItems"] }
	before := refused()
	// The widget makes the client id; the fault targets the transactions
	// that carry the message's text, not the background functions'.
	t.Cleanup(cloud.AWS().FailNext("TransactWriteItems", 3, awsemu.FaultInternal, "Through a failing store"))
	typeInto(t, chat, "textarea.input", "Through a failing store\r")
	waitFor(t, chat, "the message is stored after the widget's retry",
		`document.querySelector(".log").textContent.includes("Through a failing store") && !document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)
	if n := refused() - before; n != 3 {
		t.Fatalf("%d transactions refused, want the 3 injected: the first send did not meet the fault", n)
	}
	if n := eval[int](t, chat, `[...document.querySelectorAll(".log .bubble")].filter(b => b.textContent === "Through a failing store").length`); n != 1 {
		t.Errorf("the widget shows the message %d times, want once", n)
	}
}
