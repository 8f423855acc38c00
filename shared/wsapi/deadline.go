package wsapi

import (
	"context"
	"time"
)

// answerReserve is the part of an invocation's time kept for telling the
// sender how its action ended: an action slowed by a throttled store
// (the SDK's retries back off) stops this long before Lambda's deadline,
// and the error frame still goes out, saying a retry is safe.
const answerReserve = time.Second

// withAnswerReserve returns ctx with its deadline moved answerReserve
// earlier (or half the time left, when less remains).
func withAnswerReserve(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(answerReserve, time.Until(deadline)/2)
	return context.WithDeadline(ctx, deadline.Add(-reserve))
}
