// Package cloudfrontemu is the part of CloudFront the local cloud serves:
// invalidations of the template's distributions (CreateInvalidation and
// GetInvalidation over CloudFront's REST XML API, as the SDK calls it),
// kept so tests and the dashboard can see what a deploy invalidated. The
// local cloud serves the distributions' files itself, without a cache, so
// an invalidation has nothing to drop: it completes at once.
package cloudfrontemu

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// APIVersion is the path prefix of CloudFront's API.
const APIVersion = "/2020-05-31"

const xmlns = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// Invalidation is one invalidation as CloudFront records it.
type Invalidation struct {
	ID              string
	Distribution    string
	CallerReference string
	Paths           []string
	Created         time.Time
}

// Server records invalidations of known distributions.
type Server struct {
	mu            sync.Mutex
	distributions map[string]bool
	invalidations []Invalidation
	now           func() time.Time
}

// New returns a Server for the distribution ids (nil now: time.Now).
func New(distributionIDs []string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{distributions: map[string]bool{}, now: now}
	for _, id := range distributionIDs {
		s.distributions[id] = true
	}
	return s
}

// Invalidations returns the invalidations of a distribution, oldest first.
func (s *Server) Invalidations(distributionID string) []Invalidation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Invalidation
	for _, inv := range s.invalidations {
		if inv.Distribution == distributionID {
			out = append(out, inv)
		}
	}
	return out
}

type paths struct {
	Quantity int      `xml:"Quantity"`
	Items    []string `xml:"Items>Path"`
}

type batch struct {
	XMLName         xml.Name `xml:"InvalidationBatch"`
	Paths           paths    `xml:"Paths"`
	CallerReference string   `xml:"CallerReference"`
}

type invalidationXML struct {
	XMLName    xml.Name `xml:"Invalidation"`
	Xmlns      string   `xml:"xmlns,attr"`
	ID         string   `xml:"Id"`
	Status     string   `xml:"Status"`
	CreateTime string   `xml:"CreateTime"`
	Batch      batch    `xml:"InvalidationBatch"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<?xml version="1.0"?><ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		xmlns, code, xmlEscape(msg), uuid.NewString())
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (s *Server) write(w http.ResponseWriter, status int, inv Invalidation) {
	out := invalidationXML{Xmlns: xmlns, ID: inv.ID, Status: "Completed", CreateTime: inv.Created.UTC().Format(time.RFC3339),
		Batch: batch{Paths: paths{Quantity: len(inv.Paths), Items: inv.Paths}, CallerReference: inv.CallerReference}}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Location", "https://cloudfront.amazonaws.com"+APIVersion+"/distribution/"+inv.Distribution+"/invalidation/"+inv.ID)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(out)
}

// ServeHTTP answers /2020-05-31/distribution/{id}/invalidation[/{invId}].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, APIVersion+"/"), "/")
	if len(parts) < 3 || parts[0] != "distribution" || parts[2] != "invalidation" {
		writeError(w, http.StatusNotFound, "InvalidArgument", "the local CloudFront serves invalidations only")
		return
	}
	dist := parts[1]
	s.mu.Lock()
	known := s.distributions[dist]
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, "NoSuchDistribution", "The specified distribution does not exist.")
		return
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 3:
		s.create(w, r, dist)
	case r.Method == http.MethodGet && len(parts) == 4:
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, inv := range s.invalidations {
			if inv.Distribution == dist && inv.ID == parts[3] {
				s.write(w, http.StatusOK, inv)
				return
			}
		}
		writeError(w, http.StatusNotFound, "NoSuchInvalidation", "The specified invalidation does not exist.")
	default:
		writeError(w, http.StatusMethodNotAllowed, "InvalidArgument", "method not allowed")
	}
}

// create records an invalidation. A second request with the same caller
// reference and paths gets the first one back; with other paths it is
// refused, as CloudFront does.
func (s *Server) create(w http.ResponseWriter, r *http.Request, dist string) {
	var b batch
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "MalformedInput", "the invalidation batch is not valid XML")
		return
	}
	switch {
	case b.CallerReference == "":
		writeError(w, http.StatusBadRequest, "InvalidArgument", "CallerReference is required")
		return
	case b.Paths.Quantity != len(b.Paths.Items):
		writeError(w, http.StatusBadRequest, "InconsistentQuantities", "Paths.Quantity does not match the number of paths")
		return
	case len(b.Paths.Items) == 0:
		writeError(w, http.StatusBadRequest, "InvalidArgument", "no path to invalidate")
		return
	}
	for _, p := range b.Paths.Items {
		if !strings.HasPrefix(p, "/") {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "path "+p+" does not start with /")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inv := range s.invalidations {
		if inv.Distribution == dist && inv.CallerReference == b.CallerReference {
			if !slices.Equal(inv.Paths, b.Paths.Items) {
				writeError(w, http.StatusConflict, "InvalidationBatchAlreadyExists", "an invalidation with this caller reference and other paths exists")
				return
			}
			s.write(w, http.StatusCreated, inv)
			return
		}
	}
	inv := Invalidation{ID: "I" + strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:13]), Distribution: dist,
		CallerReference: b.CallerReference, Paths: b.Paths.Items, Created: s.now()}
	s.invalidations = append(s.invalidations, inv)
	s.write(w, http.StatusCreated, inv)
}
