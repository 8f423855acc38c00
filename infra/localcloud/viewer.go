package localcloud

import (
	"fmt"
	"net/http"
)

// Viewer is what the local cloud says of the browsers it serves, as a
// CloudFront distribution in front of the WebSocket API would
// (docs/local-cloud.md, "Viewer location").
type Viewer struct {
	// Country is sent as CloudFront-Viewer-Country on every $connect; ""
	// sends none, as API Gateway on its own does.
	Country string `json:"country"`
}

// SetViewer changes what later $connect requests say of the viewer.
func (c *Cloud) SetViewer(v Viewer) error {
	if !c.ws.SetViewerCountry(v.Country) {
		return fmt.Errorf("viewer: country %q is not an ISO 3166 code such as IT", v.Country)
	}
	c.log.Info("viewer set", "country", v.Country)
	return nil
}

func (c *Cloud) viewerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_local/viewer", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, Viewer{Country: c.ws.ViewerCountry()})
	})
	mux.HandleFunc("PUT /_local/viewer", func(w http.ResponseWriter, r *http.Request) {
		var v Viewer
		if err := decodeStrict(w, r, &v); err != nil {
			http.Error(w, "viewer: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := c.SetViewer(v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, v)
	})
}
