package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/infra/cost"
	"github.com/parleychat/parley/shared/settings"
)

// responseHeaderBytes is an estimate of the response headers CloudFront
// sends with a config (status line, content type and encoding, cache
// control, age, CORS, security headers, CloudFront's own ids).
const responseHeaderBytes = 600

// pageViewCost is what one config request cost, measured through the
// local cloud.
type pageViewCost struct {
	invocations float64
	dynamoCalls map[string]float64
	readUnits   float64
	gbSeconds   float64
	wireBytes   float64 // the compressed answer and its headers, to the viewer
}

// pageViews measures the widget's config, the one request of every page
// view with the widget: what a request that reaches the function costs (a
// CDN miss), with the function's settings cache warm and cold, in the
// always and the team mode, and what one the CDN answers costs (a hit:
// CloudFront alone, as the template's cache behaviour serves it); then
// the cost of 1,000,000 page views of each kind.
func (b *bench) pageViews(ctx context.Context, n int) error {
	fmt.Printf("\n## Page views: GET /widget/config (%d requests each, through the local cloud; a CDN hit is CloudFront's alone)\n", n)
	b.cloud.MeterCapacity()
	defer b.cloud.StopMeteringCapacity()
	team, err := b.teamChannel(ctx)
	if err != nil {
		return err
	}
	for _, ch := range []string{"main", team} {
		if _, err := b.config(ctx, ch); err != nil { // warm the function
			return err
		}
	}
	// What earlier runs left running ($disconnects, streams) must not count.
	b.settle()
	runs := []struct {
		label, channel string
		cold           bool
	}{
		{"miss, function cache warm", "main", false},
		{"miss, function cache cold (one read in 10 s per function)", "main", true},
		{"miss, function cache cold, team mode", team, true},
	}
	var worst pageViewCost
	for _, r := range runs {
		c, err := b.measureConfig(ctx, r.channel, n, r.cold)
		if err != nil {
			return err
		}
		fmt.Printf("  %-58s invocations %.2f, DynamoDB %s, %.2f read units, %.0f bytes to the viewer\n",
			r.label, c.invocations, calls(c.dynamoCalls), c.readUnits, c.wireBytes)
		if c.readUnits+c.gbSeconds >= worst.readUnits+worst.gbSeconds {
			worst = c
		}
	}
	fmt.Printf("  %-58s invocations 0.00, DynamoDB none, 0.00 read units\n", "hit (CloudFront answers from its cache)")

	const views = 1e6
	hit := cost.Usage{CloudFrontRequests: views, CloudFrontBytes: worst.wireBytes * views}
	miss := hit
	miss.HTTPRequests = views
	miss.LambdaRequests = worst.invocations * views
	miss.LambdaGBSeconds = worst.gbSeconds * views
	miss.DynamoReadUnits = worst.readUnits * views
	fmt.Printf("\n  cost of 1,000,000 page views (%s list prices, free tiers not applied):\n", cost.Region)
	for _, v := range []struct {
		label string
		u     cost.Usage
	}{{"every one a CDN hit", hit}, {"every one a miss (cold function cache, the dearest above)", miss}} {
		lines := cost.Estimate(v.u)
		var parts []string
		for _, s := range cost.ByService(lines) {
			if s.USD > 0 {
				parts = append(parts, fmt.Sprintf("%s $%.4f", s.Service, s.USD))
			}
		}
		fmt.Printf("    %-58s $%.3f (%s)\n", v.label, cost.Total(lines), strings.Join(parts, ", "))
	}
	fmt.Printf("  A CDN edge location asks the function at most once per %v per channel (Cache-Control): at most\n"+
		"  %d misses a month per edge location and channel, however many page views it serves.\n",
		settings.WidgetMaxAge, int((30*24*time.Hour)/settings.WidgetMaxAge))
	return nil
}

func calls(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, op := range []string{"GetItem", "Query", "BatchGetItem", "PutItem"} {
		if m[op] > 0 {
			parts = append(parts, fmt.Sprintf("%.2f %s", m[op], op))
		}
	}
	return strings.Join(parts, " + ")
}

// measureConfig asks the config n times; cold moves the cloud's clock past
// the functions' settings cache before each request.
func (b *bench) measureConfig(ctx context.Context, channel string, n int, cold bool) (pageViewCost, error) {
	bs, bu := b.cloud.Stats(), b.cloud.Usage()
	var wire int
	for range n {
		if cold {
			if err := b.cloud.Advance(settings.CacheTTL); err != nil {
				return pageViewCost{}, err
			}
		}
		w, err := b.config(ctx, channel)
		if err != nil {
			return pageViewCost{}, err
		}
		wire += w
	}
	as, au := b.cloud.Stats(), b.cloud.Usage()
	u := usageBetween(bs, as, bu, au, b.infrequent())
	per := float64(n)
	c := pageViewCost{
		invocations: float64(as.Invocations["WidgetApiFunction"]-bs.Invocations["WidgetApiFunction"]) / per,
		dynamoCalls: map[string]float64{}, readUnits: u.DynamoReadUnits / per, gbSeconds: u.LambdaGBSeconds / per,
		wireBytes: float64(wire) / per,
	}
	for op, v := range as.AWS["dynamodb"] {
		if d := v - bs.AWS["dynamodb"][op]; d > 0 {
			c.dynamoCalls[op] = float64(d) / per
		}
	}
	return c, nil
}

// config asks GET /widget/config as the loader does and returns the bytes
// CloudFront would send for it: the body compressed, and headers.
func (b *bench) config(ctx context.Context, channel string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.ep.HTTPAPI+"/widget/config?channelId="+channel, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("config of %s: %d %s", channel, resp.StatusCode, body)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(body)
	_ = zw.Close()
	return gz.Len() + responseHeaderBytes, nil
}

// teamChannel creates a channel of the main inbox in team mode (as an
// admin would) and returns its id.
func (b *bench) teamChannel(ctx context.Context) (string, error) {
	admin, err := b.agent("alice")
	if err != nil {
		return "", err
	}
	var ch map[string]any
	if err := admin.Call(ctx, http.MethodPost, "/agent/settings/channels", map[string]string{"inboxId": "main", "name": "Bench team"}, &ch); err != nil {
		return "", err
	}
	ch["availability"] = map[string]any{"mode": "team"}
	id, _ := ch["id"].(string)
	return id, admin.Call(ctx, http.MethodPut, "/agent/settings/channels/"+id, ch, nil)
}
