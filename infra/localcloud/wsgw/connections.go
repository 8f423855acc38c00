package wsgw

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// ConnectionsHandler serves the @connections management API as the
// apigatewaymanagementapi SDK client calls it: POST, GET and DELETE on
// /@connections/{connectionId} relative to its endpoint. Errors use the
// REST-JSON shape the SDK decodes: an X-Amzn-ErrorType header naming the
// exception and a JSON body with a message.
func (g *Gateway) ConnectionsHandler() http.Handler {
	return http.HandlerFunc(g.serveConnections)
}

func (g *Gateway) serveConnections(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/@connections/")
	if !ok || id == "" || strings.Contains(id, "/") {
		writeError(w, http.StatusNotFound, "NotFoundException", "Not Found")
		return
	}
	c := g.lookup(id)
	if c == nil || c.closing.Load() {
		g.gone.Add(1)
		writeError(w, http.StatusGone, "GoneException", "")
		return
	}
	switch r.Method {
	case http.MethodPost:
		g.post(w, r, c)
	case http.MethodGet:
		// GetConnection: times in ISO 8601, identity of the client.
		resp := map[string]any{
			"connectedAt":  isoTime(c.connectedAt),
			"identity":     map[string]string{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
			"lastActiveAt": isoTime(c.lastActiveAt()),
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	case http.MethodDelete:
		c.closeWith(websocket.StatusNormalClosure, "")
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "Method Not Allowed")
	}
}

// post delivers PostToConnection data as one text message. Data over the
// message quota is refused with PayloadTooLargeException (413).
func (g *Gateway) post(w http.ResponseWriter, r *http.Request, c *connection) {
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(g.opts.MaxMessageBytes)+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "could not read the request body")
		return
	}
	if len(data) > g.opts.MaxMessageBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Message too long")
		return
	}
	if err := c.send(r.Context(), data); err != nil {
		// The socket went away while we wrote: the caller must learn it is gone.
		g.gone.Add(1)
		g.log.Info("push failed", "connectionId", c.id, "err", err)
		writeError(w, http.StatusGone, "GoneException", "")
		return
	}
	g.pushes.Add(1)
	w.WriteHeader(http.StatusOK)
}

func writeError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errorType)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"message": message})
	_, _ = w.Write(b)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
