// Package cost turns what the local cloud metered into dollars: the AWS list
// prices Parley's stack pays (us-east-1, Lambda on arm64, on-demand
// DynamoDB), kept here with their sources and the date they were read, and
// an estimate by service. docs/cost.md shows the same table; a test keeps
// the two in step.
package cost

import (
	"fmt"
	"sort"
)

// PricesRead is when the prices below were read from the pages they cite.
const PricesRead = "2026-11-21"

// Region the prices are for.
const Region = "us-east-1"

// Price is one billed dimension of one service.
type Price struct {
	Key     string  // stable name, used by Estimate and docs/cost.md
	Service string  // as the bill names it
	What    string  // the dimension, in words
	USD     float64 // dollars per Per units
	Per     float64 // units the price is for (1e6 requests, 1 GB, …)
	Unit    string  // what one unit is
	Source  string  // the AWS pricing page
	// FreeTier describes the free tier, which estimates do not apply.
	FreeTier string
}

// Prices is the price table. Keep docs/cost.md's table in step (the test
// compares them).
var Prices = []Price{
	{Key: "lambda.requests", Service: "Lambda", What: "requests", USD: 0.20, Per: 1e6, Unit: "request",
		Source: "https://aws.amazon.com/lambda/pricing/", FreeTier: "1M requests a month (always free)"},
	{Key: "lambda.arm64.duration", Service: "Lambda", What: "duration, arm64", USD: 0.0000133334, Per: 1, Unit: "GB-second",
		Source: "https://aws.amazon.com/lambda/pricing/", FreeTier: "400,000 GB-seconds a month (always free)"},
	{Key: "dynamodb.write", Service: "DynamoDB", What: "on-demand write request units", USD: 0.625, Per: 1e6, Unit: "WRU",
		Source: "https://aws.amazon.com/dynamodb/pricing/on-demand/", FreeTier: "none for on-demand throughput (25 GB storage free)"},
	{Key: "dynamodb.read", Service: "DynamoDB", What: "on-demand read request units", USD: 0.125, Per: 1e6, Unit: "RRU",
		Source: "https://aws.amazon.com/dynamodb/pricing/on-demand/", FreeTier: "none for on-demand throughput"},
	{Key: "dynamodb.ia.write", Service: "DynamoDB", What: "on-demand write request units, Standard-IA table", USD: 0.78125, Per: 1e6, Unit: "WRU",
		Source: "https://aws.amazon.com/dynamodb/pricing/on-demand/", FreeTier: "none for on-demand throughput"},
	{Key: "dynamodb.ia.read", Service: "DynamoDB", What: "on-demand read request units, Standard-IA table", USD: 0.15625, Per: 1e6, Unit: "RRU",
		Source: "https://aws.amazon.com/dynamodb/pricing/on-demand/", FreeTier: "none for on-demand throughput"},
	{Key: "apigateway.ws.messages", Service: "API Gateway", What: "WebSocket messages (per 32 KB)", USD: 1.00, Per: 1e6, Unit: "message",
		Source: "https://aws.amazon.com/api-gateway/pricing/", FreeTier: "1M messages a month, first 12 months"},
	{Key: "apigateway.ws.minutes", Service: "API Gateway", What: "WebSocket connection minutes", USD: 0.25, Per: 1e6, Unit: "connection-minute",
		Source: "https://aws.amazon.com/api-gateway/pricing/", FreeTier: "750,000 minutes a month, first 12 months"},
	{Key: "apigateway.http.requests", Service: "API Gateway", What: "HTTP API requests (per 512 KB)", USD: 1.00, Per: 1e6, Unit: "request",
		Source: "https://aws.amazon.com/api-gateway/pricing/", FreeTier: "1M requests a month, first 12 months"},
	{Key: "ses.messages", Service: "SES", What: "outbound email", USD: 0.10, Per: 1000, Unit: "message",
		Source: "https://aws.amazon.com/ses/pricing/", FreeTier: "3,000 message charges a month, first 12 months"},
	{Key: "ses.data", Service: "SES", What: "outbound data", USD: 0.12, Per: 1, Unit: "GB",
		Source: "https://aws.amazon.com/ses/pricing/", FreeTier: "within the 3,000 message charges"},
	{Key: "eventbridge.events", Service: "EventBridge", What: "custom events published (per 64 KB)", USD: 1.00, Per: 1e6, Unit: "event",
		Source: "https://aws.amazon.com/eventbridge/pricing/", FreeTier: "none for custom events"},
	{Key: "s3.put", Service: "S3", What: "PUT, COPY, POST, LIST requests", USD: 0.005, Per: 1000, Unit: "request",
		Source: "https://aws.amazon.com/s3/pricing/", FreeTier: "2,000 a month, first 12 months"},
	{Key: "s3.get", Service: "S3", What: "GET and other requests", USD: 0.0004, Per: 1000, Unit: "request",
		Source: "https://aws.amazon.com/s3/pricing/", FreeTier: "20,000 a month, first 12 months"},
	{Key: "secretsmanager.calls", Service: "Secrets Manager", What: "API calls", USD: 0.05, Per: 10000, Unit: "call",
		Source: "https://aws.amazon.com/secrets-manager/pricing/", FreeTier: "30-day trial only ($0.40 per secret-month beside)"},
	{Key: "logs.ingest", Service: "CloudWatch Logs", What: "log ingestion (standard)", USD: 0.50, Per: 1, Unit: "GB",
		Source: "https://aws.amazon.com/cloudwatch/pricing/", FreeTier: "5 GB a month (always free)"},
	{Key: "cloudfront.requests", Service: "CloudFront", What: "HTTPS requests (United States, Europe)", USD: 0.01, Per: 10000, Unit: "request",
		Source: "https://aws.amazon.com/cloudfront/pricing/", FreeTier: "10,000,000 requests a month (always free)"},
	{Key: "cloudfront.data", Service: "CloudFront", What: "data transfer out (United States, Europe, first 10 TB)", USD: 0.085, Per: 1, Unit: "GB",
		Source: "https://aws.amazon.com/cloudfront/pricing/", FreeTier: "1 TB a month (always free)"},
}

// PriceOf returns the price of key; it panics on an unknown key, a
// programming error that the tests catch.
func PriceOf(key string) Price {
	for _, p := range Prices {
		if p.Key == key {
			return p
		}
	}
	panic(fmt.Sprintf("cost: no price %q", key))
}

// Usage is what a run consumed, in the units AWS bills.
type Usage struct {
	LambdaRequests   float64
	LambdaGBSeconds  float64
	DynamoWriteUnits float64
	DynamoReadUnits  float64
	// DynamoIAWriteUnits and DynamoIAReadUnits are the units of the
	// tables of the Standard-IA class (the search index).
	DynamoIAWriteUnits float64
	DynamoIAReadUnits  float64
	WebSocketMessages  float64 // client frames and pushes, each under 32 KB
	ConnectionMinutes  float64
	HTTPRequests       float64
	SESMessages        float64
	SESBytes           float64
	Events             float64
	S3Puts             float64
	S3Gets             float64
	SecretsCalls       float64
	LogBytes           float64
	// CloudFrontRequests and CloudFrontBytes are what the CDN in front of
	// the widget's config serves (page views).
	CloudFrontRequests float64
	CloudFrontBytes    float64
}

// Line is the cost of one billed dimension.
type Line struct {
	Price    Price
	Quantity float64 // in Price.Unit
	USD      float64
}

const gb = 1 << 30

// Estimate prices usage, one line per billed dimension, in the order of
// Prices. Free tiers are not applied.
func Estimate(u Usage) []Line {
	qty := map[string]float64{
		"lambda.requests":          u.LambdaRequests,
		"lambda.arm64.duration":    u.LambdaGBSeconds,
		"dynamodb.write":           u.DynamoWriteUnits,
		"dynamodb.read":            u.DynamoReadUnits,
		"dynamodb.ia.write":        u.DynamoIAWriteUnits,
		"dynamodb.ia.read":         u.DynamoIAReadUnits,
		"apigateway.ws.messages":   u.WebSocketMessages,
		"apigateway.ws.minutes":    u.ConnectionMinutes,
		"apigateway.http.requests": u.HTTPRequests,
		"ses.messages":             u.SESMessages,
		"ses.data":                 u.SESBytes / gb,
		"eventbridge.events":       u.Events,
		"s3.put":                   u.S3Puts,
		"s3.get":                   u.S3Gets,
		"secretsmanager.calls":     u.SecretsCalls,
		"logs.ingest":              u.LogBytes / gb,
		"cloudfront.requests":      u.CloudFrontRequests,
		"cloudfront.data":          u.CloudFrontBytes / gb,
	}
	out := make([]Line, 0, len(Prices))
	for _, p := range Prices {
		q := qty[p.Key]
		out = append(out, Line{Price: p, Quantity: q, USD: q * p.USD / p.Per})
	}
	return out
}

// ByService sums lines per service, dearest first.
func ByService(lines []Line) []ServiceCost {
	sum := map[string]float64{}
	for _, l := range lines {
		sum[l.Price.Service] += l.USD
	}
	out := make([]ServiceCost, 0, len(sum))
	for s, usd := range sum {
		out = append(out, ServiceCost{Service: s, USD: usd})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].USD != out[j].USD {
			return out[i].USD > out[j].USD
		}
		return out[i].Service < out[j].Service
	})
	return out
}

// ServiceCost is one service's share of an estimate.
type ServiceCost struct {
	Service string
	USD     float64
}

// Total sums lines.
func Total(lines []Line) float64 {
	var t float64
	for _, l := range lines {
		t += l.USD
	}
	return t
}
