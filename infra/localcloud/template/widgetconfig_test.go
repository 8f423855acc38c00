package template

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The widget's config, the one request of every page view, is served
// through a CDN cache in front of the HTTP API: its own path only, its
// cache key the channel id alone, kept no longer than the function's
// Cache-Control says (and never more than 30 s), with nothing of the
// viewer (cookies, headers, other query strings) reaching the function,
// and CORS answered at the edge so one cached answer serves every site.
func TestTemplateWidgetConfigDistribution(t *testing.T) {
	doc, m := resolvedRealTemplate(t)
	dist := asMap(resourcesOfType(doc, "AWS::CloudFront::Distribution")["WidgetConfigDistribution"]["DistributionConfig"])
	if dist == nil {
		t.Fatal("no WidgetConfigDistribution")
	}
	origins := asSlice(dist["Origins"])
	if len(origins) != 1 {
		t.Fatalf("origins = %v, want the HTTP API alone", origins)
	}
	origin := asMap(origins[0])
	api := strings.TrimPrefix(m.Outputs["HttpApiUrl"], "https://")
	if origin["DomainName"] != api || asMap(origin["CustomOriginConfig"])["OriginProtocolPolicy"] != "https-only" || origin["OriginPath"] != nil {
		t.Errorf("origin %v, want %s over https, no path", origin, api)
	}

	behaviours := asSlice(dist["CacheBehaviors"])
	if len(behaviours) != 1 {
		t.Fatalf("cache behaviours = %v, want the config's alone", behaviours)
	}
	b := asMap(behaviours[0])
	if b["PathPattern"] != "/widget/config" || b["TargetOriginId"] != origin["Id"] || b["ViewerProtocolPolicy"] != "https-only" {
		t.Errorf("behaviour %v, want /widget/config to the API over https", b)
	}
	cp := asMap(byRef(t, doc, "AWS::CloudFront::CachePolicy", b["CachePolicyId"])["CachePolicyConfig"])
	key := asMap(cp["ParametersInCacheKeyAndForwardedToOrigin"])
	got := map[string]any{
		"min": cp["MinTTL"], "default": cp["DefaultTTL"], "max": cp["MaxTTL"],
		"query": asMap(key["QueryStringsConfig"])["QueryStringBehavior"], "queries": asMap(key["QueryStringsConfig"])["QueryStrings"],
		"headers": asMap(key["HeadersConfig"])["HeaderBehavior"], "cookies": asMap(key["CookiesConfig"])["CookieBehavior"],
	}
	want := map[string]any{
		"min": 0, "default": 0, "max": 30,
		"query": "whitelist", "queries": []any{"channelId"}, "headers": "none", "cookies": "none",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cache policy (-want +got):\n%s", diff)
	}
	if b["OriginRequestPolicyId"] != nil {
		t.Errorf("origin request policy %v: nothing but the cache key may reach the function", b["OriginRequestPolicyId"])
	}
	rh := asMap(byRef(t, doc, "AWS::CloudFront::ResponseHeadersPolicy", b["ResponseHeadersPolicyId"])["ResponseHeadersPolicyConfig"])
	cors := asMap(rh["CorsConfig"])
	if asSlice(asMap(cors["AccessControlAllowOrigins"])["Items"])[0] != "*" || cors["AccessControlAllowCredentials"] != false || cors["OriginOverride"] != true {
		t.Errorf("CORS %v, want any origin, no credentials, answered at the edge", cors)
	}

	// Every other path is refused at the edge: no second way into the API.
	def := asMap(dist["DefaultCacheBehavior"])
	fns := asSlice(def["FunctionAssociations"])
	if len(fns) != 1 || asMap(fns[0])["EventType"] != "viewer-request" {
		t.Fatalf("default behaviour's functions = %v, want one on viewer-request", fns)
	}
	fn := resourcesOfType(doc, "AWS::CloudFront::Function")["WidgetConfigOnlyFunction"]
	if code, _ := fn["FunctionCode"].(string); !strings.Contains(code, "statusCode: 404") || strings.Contains(code, "event.request") {
		t.Errorf("function code %q, want a 404 for every request it sees", code)
	}
	if m.Outputs["WidgetConfigUrl"] == "" {
		t.Error("no WidgetConfigUrl output for the loader")
	}
}
