package webpublish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
)

// ArtifactDir is the folder next to the function's bootstrap that holds
// the built web files (web/dist): the Makefile's build-WebPublisherFunction
// copies them there, and so does the local cloud.
const ArtifactDir = "web"

// Properties are the custom resource's properties (template.yaml,
// WebPublish): where to publish and the deployment's URLs.
type Properties struct {
	Bucket           string `json:"Bucket"`
	DistributionID   string `json:"DistributionId"`
	HTTPAPIURL       string `json:"HttpApiUrl"`
	WidgetConfigURL  string `json:"WidgetConfigUrl"`
	WebSocketURL     string `json:"WebSocketUrl"`
	OIDCAuthorizeURL string `json:"OidcAuthorizeUrl"`
	OIDCTokenURL     string `json:"OidcTokenUrl"`
	OIDCLogoutURL    string `json:"OidcLogoutUrl"`
	OIDCClientID     string `json:"OidcClientId"`
	// WidgetURL is the chat window's page, WidgetDistributionID the
	// distribution serving it: an origin of its own.
	WidgetURL            string `json:"WidgetUrl"`
	WidgetDistributionID string `json:"WidgetDistributionId"`
}

func (p Properties) env() Env {
	return Env{HTTPAPI: p.HTTPAPIURL, WidgetConfig: p.WidgetConfigURL, WebSocket: p.WebSocketURL, OIDC: OIDC{
		Authorize: p.OIDCAuthorizeURL, Token: p.OIDCTokenURL, Logout: p.OIDCLogoutURL, ClientID: p.OIDCClientID,
	}, Widget: p.WidgetURL}
}

// Resource is the custom resource Custom::WebPublish: on Create and Update
// it renders the built files with the stack's URLs, publishes them and
// invalidates the pages; on Delete it leaves the files where they are
// (the web bucket is retained with the stack's data, and when a changed
// bucket replaces the resource, the old bucket's files harm nothing).
type Resource struct {
	dist fs.FS
	pub  *Publisher
}

// NewResource returns the resource publishing dist through pub.
func NewResource(dist fs.FS, pub *Publisher) *Resource { return &Resource{dist: dist, pub: pub} }

// Run does what the request asks (a customresource.Work). The physical id
// is the bucket's name.
func (r *Resource) Run(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	if ev.RequestType == cfn.RequestDelete {
		return ev.PhysicalResourceID, nil, nil
	}
	props, err := decodeProperties(ev.ResourceProperties)
	if err != nil {
		return "", nil, err
	}
	files, err := Render(r.dist, props.env())
	if err != nil {
		return "", nil, err
	}
	inv, err := r.pub.Publish(ctx, props.Bucket, Distributions{Web: props.DistributionID, Widget: props.WidgetDistributionID}, ev.RequestID, files)
	if err != nil {
		return "", nil, err
	}
	return props.Bucket, map[string]any{"Files": len(files), "InvalidationId": inv[0], "WidgetInvalidationId": inv[1]}, nil
}

func decodeProperties(raw map[string]any) (Properties, error) {
	var p Properties
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err != nil {
		return p, fmt.Errorf("webpublish: properties: %w", err)
	}
	var missing []string
	if p.Bucket == "" {
		missing = append(missing, "Bucket")
	}
	if p.DistributionID == "" {
		missing = append(missing, "DistributionId")
	}
	if p.WidgetDistributionID == "" {
		missing = append(missing, "WidgetDistributionId")
	}
	if len(missing) > 0 {
		return p, errors.New("webpublish: properties missing: " + strings.Join(missing, ", "))
	}
	return p, nil
}
