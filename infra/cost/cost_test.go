package cost_test

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/cost"
)

// TestDocsTableMatches keeps docs/cost.md's price table in step with
// Prices: the same keys, prices, quantities and units, in the same order.
func TestDocsTableMatches(t *testing.T) {
	raw, err := os.ReadFile("../../docs/cost.md")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Key, Unit string
		USD, Per  float64
	}
	var doc []row
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 6 {
			t.Fatalf("price row with %d cells: %q", len(cells), line)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		usd, err := strconv.ParseFloat(strings.TrimPrefix(cells[3], "$"), 64)
		if err != nil {
			t.Fatalf("price %q: %v", cells[3], err)
		}
		per, err := strconv.ParseFloat(strings.ReplaceAll(cells[4], ",", ""), 64)
		if err != nil {
			t.Fatalf("per %q: %v", cells[4], err)
		}
		doc = append(doc, row{Key: strings.Trim(cells[0], "`"), USD: usd, Per: per, Unit: cells[5]})
	}
	var code []row
	for _, p := range cost.Prices {
		code = append(code, row{Key: p.Key, USD: p.USD, Per: p.Per, Unit: p.Unit})
	}
	if diff := cmp.Diff(code, doc); diff != "" {
		t.Errorf("docs/cost.md's price table differs from cost.Prices (-code +docs):\n%s", diff)
	}
}

func TestEstimate(t *testing.T) {
	tcs := []struct {
		name  string
		usage cost.Usage
		want  map[string]float64 // service -> dollars
	}{
		{
			name:  "nothing costs nothing",
			usage: cost.Usage{},
			want:  map[string]float64{},
		},
		{
			name:  "a million Lambda requests and 400,000 GB-seconds",
			usage: cost.Usage{LambdaRequests: 1e6, LambdaGBSeconds: 400000},
			want:  map[string]float64{"Lambda": 0.20 + 400000*0.0000133334},
		},
		{
			name:  "DynamoDB: a million of each unit",
			usage: cost.Usage{DynamoWriteUnits: 1e6, DynamoReadUnits: 1e6},
			want:  map[string]float64{"DynamoDB": 0.625 + 0.125},
		},
		{
			name:  "DynamoDB Standard-IA: a million of each unit, a quarter dearer",
			usage: cost.Usage{DynamoIAWriteUnits: 1e6, DynamoIAReadUnits: 1e6},
			want:  map[string]float64{"DynamoDB": 0.78125 + 0.15625},
		},
		{
			name:  "API Gateway: messages, minutes and requests",
			usage: cost.Usage{WebSocketMessages: 2e6, ConnectionMinutes: 4e6, HTTPRequests: 5e5},
			want:  map[string]float64{"API Gateway": 2 + 1 + 0.5},
		},
		{
			name:  "SES: a thousand emails and one GB",
			usage: cost.Usage{SESMessages: 1000, SESBytes: 1 << 30},
			want:  map[string]float64{"SES": 0.10 + 0.12},
		},
		{
			name:  "the rest",
			usage: cost.Usage{Events: 1e6, S3Puts: 1000, S3Gets: 1000, SecretsCalls: 10000, LogBytes: 2 << 30},
			want:  map[string]float64{"EventBridge": 1, "S3": 0.005 + 0.0004, "Secrets Manager": 0.05, "CloudWatch Logs": 1},
		},
	}
	for _, tc := range tcs {
		t.Run(tc.name, func(t *testing.T) {
			lines := cost.Estimate(tc.usage)
			if len(lines) != len(cost.Prices) {
				t.Fatalf("%d lines, want one per price (%d)", len(lines), len(cost.Prices))
			}
			got := map[string]float64{}
			for _, s := range cost.ByService(lines) {
				if s.USD != 0 {
					got[s.Service] = s.USD
				}
			}
			approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("by service (-want +got):\n%s", diff)
			}
			var sum float64
			for _, v := range tc.want {
				sum += v
			}
			if math.Abs(cost.Total(lines)-sum) > 1e-9 {
				t.Errorf("Total = %v, want %v", cost.Total(lines), sum)
			}
		})
	}
}

func TestPriceOfUnknownKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("PriceOf(unknown) did not panic")
		}
	}()
	cost.PriceOf("no.such.price")
}
