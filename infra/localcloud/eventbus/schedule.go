package eventbus

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// scheduledEvent is what a scheduled rule sends its targets.
func (b *Bus) scheduledEvent(r *rule, at time.Time) []byte {
	ev, _ := json.Marshal(map[string]any{
		"version": "0", "id": uuid.NewString(), "detail-type": "Scheduled Event", "source": "aws.events",
		"account": b.opts.AccountID, "time": at.UTC().Format(time.RFC3339), "region": b.opts.Region,
		"resources": []string{r.ARN}, "detail": map[string]any{},
	})
	return ev
}

// RunSchedules starts firing the scheduled rules at their rate, on the
// bus's clock: every tick it fires each rule whose next time has come (once,
// however far the clock jumped). Close stops it.
func (b *Bus) RunSchedules(tick time.Duration) {
	next := map[*rule]time.Time{}
	start := b.opts.Now()
	for _, r := range b.rules {
		if r.Schedule > 0 && r.Enabled {
			next[r] = start.Add(r.Schedule)
		}
	}
	if len(next) == 0 {
		return
	}
	b.wg.Go(func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-b.ctx.Done():
				return
			case <-t.C:
			}
			now := b.opts.Now()
			for r, at := range next {
				if now.Before(at) {
					continue
				}
				b.fire(r, now)
				for !next[r].After(now) {
					next[r] = next[r].Add(r.Schedule)
				}
			}
		}
	})
}

// fire delivers one firing of a scheduled rule to its targets, logged like
// any event, asynchronously.
func (b *Bus) fire(r *rule, now time.Time) {
	envelope := b.scheduledEvent(r, now)
	ev := &Logged{ID: uuid.NewString(), Bus: r.Bus, Source: "aws.events", DetailType: "Scheduled Event",
		Time: now.UTC(), Received: time.Now().UTC(), Detail: json.RawMessage(`{}`)}
	for _, t := range r.Targets {
		d := &Delivery{Rule: r.Name, Target: t.ID, Function: t.Function, Status: "pending"}
		ev.Deliveries = append(ev.Deliveries, d)
		payload := envelope
		switch {
		case t.Input != "":
			payload = []byte(t.Input)
		case r.Scheduler:
			payload = []byte(`{}`)
		}
		b.wg.Go(func() { b.deliver(ev, d, r, t, payload) })
	}
	b.record(ev)
}

// Fire runs every target of the named scheduled rule now and waits for
// the invocations, returning the first error: tests use it to sweep at a
// moment of their choosing. A firing through Fire and one from the
// schedule may overlap, as two deliveries of one schedule may in AWS.
func (b *Bus) Fire(name string) error {
	for _, r := range b.rules {
		if r.Name != name && r.Source != name {
			continue
		}
		if r.Schedule == 0 {
			return fmt.Errorf("rule %s has no schedule", name)
		}
		payload := b.scheduledEvent(r, b.opts.Now())
		for _, t := range r.Targets {
			if _, err := b.inv.Invoke(b.ctx, t.Function, payload); err != nil {
				return fmt.Errorf("fire %s: %s: %w", name, t.Function, err)
			}
		}
		return nil
	}
	return fmt.Errorf("no rule %s", name)
}
