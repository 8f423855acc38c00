package wsgw

import "regexp"

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// SetViewerCountry makes the gateway stand in for a CloudFront
// distribution in front of the WebSocket API that forwards
// CloudFront-Viewer-Country: every later $connect carries the header with
// country (an ISO 3166 code; "" stops it). API Gateway itself sends no
// such header; locally this is how the location path is tried.
func (g *Gateway) SetViewerCountry(country string) bool {
	if country != "" && !countryCode.MatchString(country) {
		return false
	}
	g.viewerCountry.Store(country)
	return true
}

// ViewerCountry is the country $connect says the viewer is in, "" none.
func (g *Gateway) ViewerCountry() string {
	c, _ := g.viewerCountry.Load().(string)
	return c
}
