package localcloud

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/eventbus"
	"github.com/parleychat/parley/infra/localcloud/streams"
	"github.com/parleychat/parley/shared/clock"
)

// ServiceEvents is the key of EventBridge calls in Stats.AWS.
const ServiceEvents = "events"

// startClock creates the test clock the functions and the scheduler share
// (docs/local-cloud.md, "Time"): a file holding an offset from the real
// time, passed to the functions as PARLEY_CLOCK_FILE.
func (c *Cloud) startClock() error {
	dir := filepath.Join(c.cfg.BuildDir, "..")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	f, err := os.CreateTemp(dir, "clock-*")
	if err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	f.Close()
	c.clockFile = f.Name()
	return clock.SetOffset(c.clockFile, 0)
}

// Now is the local cloud's clock: the real time plus every Advance.
func (c *Cloud) Now() time.Time { return clock.New(c.clockFile)() }

// Advance moves the clock of the functions and of the scheduler forward
// by d, so timers and scheduled rules due within d fire at their next
// check (about a second) instead of d later.
func (c *Cloud) Advance(d time.Duration) error {
	return clock.SetOffset(c.clockFile, clock.Offset(c.clockFile)+d)
}

// FireSchedule invokes the targets of a scheduled rule (by name, or by
// <Function>.<Event> as the template defines it) now and waits for them.
func (c *Cloud) FireSchedule(rule string) error { return c.events.Fire(rule) }

// Events is the EventBridge emulator, for tests that read its log.
func (c *Cloud) Events() *eventbus.Bus { return c.events }

// StreamsIdle reports whether every stream record has been delivered.
func (c *Cloud) StreamsIdle() bool {
	for _, m := range c.mappings {
		if !m.Idle() {
			return false
		}
	}
	return true
}

// startEvents starts EventBridge with the template's rules and schedules
// and the stream event source mappings.
func (c *Cloud) startEvents() error {
	tick := c.cfg.ScheduleTick
	if tick <= 0 {
		tick = time.Second
	}
	inv := invoker{c}
	var err error
	c.events, err = eventbus.New(c.model, asyncInvoker{c}, eventbus.Options{
		Region: c.model.Region, AccountID: c.model.AccountID, Logger: c.log, Now: c.Now, DeadLetters: c.sqs,
	})
	if err != nil {
		return fmt.Errorf("EventBridge: %w", err)
	}
	c.events.RunSchedules(tick)
	sinks := map[string][]awsemu.ChangeSink{}
	for _, esm := range c.model.EventSourceMappings {
		var hashKey, view string
		for _, t := range c.model.Tables {
			if t.Name == esm.Table {
				view = t.StreamViewType
				for _, k := range t.KeySchema {
					if k.KeyType == "HASH" {
						hashKey = k.Name
					}
				}
			}
		}
		m, err := streams.New(esm, inv, streams.Options{Region: c.model.Region, ViewType: view, HashKey: hashKey, Logger: c.log,
			DeadLetters: c.sqs, FunctionARN: c.model.Functions[esm.Function].ARN})
		if err != nil {
			return fmt.Errorf("event source mapping: %w", err)
		}
		c.mappings = append(c.mappings, m)
		sinks[esm.Table] = append(sinks[esm.Table], m.Add)
	}
	for table, ss := range sinks {
		c.aws.WatchTable(table, func(changes []awsemu.Change) {
			for _, s := range ss {
				s(changes)
			}
		})
	}
	return nil
}

func (c *Cloud) stopEvents() {
	for _, m := range c.mappings {
		m.Close()
	}
	if c.events != nil {
		c.events.Close()
	}
	if c.clockFile != "" {
		os.Remove(c.clockFile)
	}
}

func (c *Cloud) addEventStats(s *Stats) {
	if c.events != nil {
		if calls, _ := c.events.Calls(); calls > 0 {
			if s.AWS == nil {
				s.AWS = map[string]map[string]int64{}
			}
			s.AWS = maps.Clone(s.AWS)
			s.AWS[ServiceEvents] = map[string]int64{"PutEvents": calls}
		}
	}
	s.Streams = map[string]streams.Stats{}
	for i, m := range c.mappings {
		s.Streams[c.model.EventSourceMappings[i].Source] = m.Stats()
	}
}

func (c *Cloud) serveEventsJSON(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"events": c.events.Recent(r.URL.Query().Get("detailType"))})
}

func (c *Cloud) serveEventsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "events", struct {
		Events []eventbus.Logged
		Now    time.Time
	}{c.events.Recent(""), c.Now().UTC()})
}
