package localcloud

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The chat window has an origin of its own. In AWS the widget frame and
// its assets come from WidgetDistribution, the inbox and the loader from
// WebDistribution: the chat window shows text from visitors and emails on
// the sites that frame it, the inbox holds agents' tokens, and on two
// origins nothing running in one can reach the other's storage. Visitors'
// tokens and tickets work from the chat window's origin only, agents' from
// the inbox's. Locally the chat window gets a listener of its own: the
// port after the cloud's (3001 beside 3000), or a free one when the
// cloud's port is picked at random.
type widgetOrigin struct {
	listener net.Listener
	server   *http.Server
	// base is the local origin; deployed is the template's (the origin of
	// its WidgetFrameUrl output), which the functions' environment names.
	base, deployed string
}

// listenWidget listens for the chat window beside the cloud's addr.
func listenWidget(addr string) (*widgetOrigin, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: the port is not a number", addr)
	}
	if n != 0 {
		n++
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(n)))
	if err != nil {
		return nil, fmt.Errorf("listen for the chat window: %w (the chat window takes the port after the cloud's: is another local cloud running? set -addr)", err)
	}
	return &widgetOrigin{listener: l, base: "http://" + l.Addr().String()}, nil
}

// deployedOrigin reads the template's chat window origin from its
// WidgetFrameUrl output.
func (w *widgetOrigin) deployedOrigin(outputs map[string]string) error {
	u, err := url.Parse(outputs["WidgetFrameUrl"])
	if err != nil || u.Host == "" {
		return errors.New("template: the WidgetFrameUrl output (the chat window's page on its own origin) is missing")
	}
	w.deployed = u.Scheme + "://" + u.Host
	return nil
}

// local rewrites the template's chat window origin in an environment
// value into the local one (WIDGET_ORIGINS names it).
func (w *widgetOrigin) local(v string) string {
	return strings.ReplaceAll(v, w.deployed, w.base)
}

// serveWidget serves the widget's files on the chat window's origin, as
// WidgetDistribution serves the bucket's widget/ folder: nothing else.
func (c *Cloud) serveWidget() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /widget/", c.serveWeb)
	c.widget.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := c.widget.server.Serve(c.widget.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("chat window server stopped", "err", err)
		}
	}()
}

func (w *widgetOrigin) close() error {
	if w.server == nil {
		return w.listener.Close()
	}
	if err := w.server.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// WidgetOrigin is the chat window's origin: the Origin its requests and
// sockets carry, and the one origin visitors' tokens and tickets work from.
func (e Endpoints) WidgetOrigin() string {
	u, err := url.Parse(e.WidgetFrame)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
