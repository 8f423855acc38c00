package s3emu_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/template"
)

const widgetOrigin = "http://localhost:3000"

var uploadCORS = template.BucketConfig{CORS: []template.CORSRule{
	{AllowedOrigins: []string{widgetOrigin, "http://*.example.com"}, AllowedMethods: []string{"POST"},
		AllowedHeaders: []string{"x-requested-*"}, ExposedHeaders: []string{"ETag"}, MaxAge: 600},
	{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
}}

func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
			out[k] = strings.Join(v, ",")
		}
	}
	return out
}

// TestCORSPreflight: a browser's preflight is answered from the bucket's
// CORS rules, as S3 answers it: the first rule that allows the origin, the
// method and every header.
func TestCORSPreflight(t *testing.T) {
	_, endpoint := filesServer(t, &testClock{}, uploadCORS)
	_, closed := filesServer(t, &testClock{}, template.BucketConfig{})
	allowed := map[string]string{
		"Access-Control-Allow-Origin": widgetOrigin, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "POST", "Access-Control-Expose-Headers": "ETag", "Access-Control-Max-Age": "600",
		"Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	}
	withHeaders := map[string]string{"Access-Control-Allow-Headers": "x-requested-with"}
	for k, v := range allowed {
		withHeaders[k] = v
	}
	tests := []struct {
		name, url, origin, method, headers string
		status                             int
		code                               string
		want                               map[string]string
	}{
		{"the widget posts", endpoint + "/files", widgetOrigin, "POST", "", 200, "", allowed},
		{"with a header the rule allows", endpoint + "/files", widgetOrigin, "POST", "X-Requested-With", 200, "", withHeaders},
		{"an origin by wildcard", endpoint + "/files", "http://shop.example.com", "POST", "", 200, "", map[string]string{
			"Access-Control-Allow-Origin": "http://shop.example.com", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "POST", "Access-Control-Expose-Headers": "ETag", "Access-Control-Max-Age": "600",
			"Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
		}},
		{"any origin may GET", endpoint + "/files/a", "http://elsewhere.test", "GET", "", 200, "", map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
			"Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
		}},
		{"another origin may not POST", endpoint + "/files", "http://elsewhere.test", "POST", "", 403, "AccessForbidden", map[string]string{}},
		{"a header no rule allows", endpoint + "/files", widgetOrigin, "POST", "Authorization", 403, "AccessForbidden", map[string]string{}},
		{"a method no rule allows", endpoint + "/files/a", widgetOrigin, "DELETE", "", 403, "AccessForbidden", map[string]string{}},
		{"a bucket without CORS", closed + "/files", widgetOrigin, "POST", "", 403, "AccessForbidden", map[string]string{}},
		{"no origin", endpoint + "/files", "", "POST", "", 400, "BadRequest", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, tt.url, nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			req.Header.Set("Access-Control-Request-Method", tt.method)
			if tt.headers != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.headers)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || (tt.code != "" && !strings.Contains(string(body), "<Code>"+tt.code+"</Code>")) {
				t.Errorf("answer %d %s, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
			if diff := cmp.Diff(tt.want, corsHeaders(resp.Header)); diff != "" {
				t.Errorf("CORS headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCORSUpload: the answer to an upload from an allowed origin carries
// the CORS headers, refusals included, so the page can read why S3 said
// no; a page on another origin gets none and cannot read the answer.
func TestCORSUpload(t *testing.T) {
	clock := &testClock{}
	_, endpoint := filesServer(t, clock, uploadCORS)
	req := presignPost(t, endpoint, secretKey, nil)
	postFrom := func(origin string, f *form) (int, map[string]string) {
		t.Helper()
		r := formRequest(t, req.URL, f)
		r.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, corsHeaders(resp.Header)
	}
	status, h := postFrom(widgetOrigin, browserForm(req))
	if status != http.StatusNoContent || h["Access-Control-Allow-Origin"] != widgetOrigin || h["Access-Control-Expose-Headers"] != "ETag" {
		t.Errorf("upload from the widget: %d %v, want 204 with its origin allowed and ETag exposed", status, h)
	}
	tooBig := browserForm(req)
	tooBig.file = []byte("0123456789A")
	if status, h := postFrom(widgetOrigin, tooBig); status != http.StatusBadRequest || h["Access-Control-Allow-Origin"] != widgetOrigin {
		t.Errorf("refused upload from the widget: %d %v, want 400 with its origin allowed", status, h)
	}
	if status, h := postFrom("http://elsewhere.test", browserForm(req)); h["Access-Control-Allow-Origin"] != "" {
		t.Errorf("upload from another origin: %d %v, want no CORS header", status, h)
	}
}
