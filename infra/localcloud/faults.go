package localcloud

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
)

// Faults are the failures the local cloud injects on purpose, so tests and
// developers can see the system cope with what AWS does now and then
// (docs/local-cloud.md, "Faults"). The zero value injects none.
type Faults struct {
	// AWS fails a share of the calls of some operations with a throttling
	// or internal error, as DynamoDB and Secrets Manager answer them.
	AWS []awsemu.RateFault `json:"aws"`
	// DropDisconnect: sockets that close get no $disconnect invocation.
	DropDisconnect bool `json:"dropDisconnect"`
	// DuplicateDeliveries: every stream batch and every SES event (through
	// SNS) is delivered to its function twice.
	DuplicateDeliveries bool `json:"duplicateDeliveries"`
}

// SetFaults replaces the injected faults; a Faults{} stops them all.
func (c *Cloud) SetFaults(f Faults) error {
	if err := c.aws.SetRateFaults(f.AWS); err != nil {
		return err
	}
	c.ws.SetDropDisconnect(f.DropDisconnect)
	c.duplicates.Store(f.DuplicateDeliveries)
	for _, m := range c.mappings {
		m.SetDuplicate(f.DuplicateDeliveries)
	}
	c.log.Info("faults set", "aws", len(f.AWS), "dropDisconnect", f.DropDisconnect, "duplicateDeliveries", f.DuplicateDeliveries)
	return nil
}

// Faults returns the faults in effect.
func (c *Cloud) Faults() Faults {
	return Faults{AWS: c.aws.RateFaults(), DropDisconnect: c.ws.DropsDisconnect(), DuplicateDeliveries: c.duplicates.Load()}
}

// CrashNext kills the process of the next n invocations of a function (by
// logical id) while it handles them; each fails as a crash would, and the
// invocation after them starts a fresh process.
func (c *Cloud) CrashNext(logicalID string, n int) error {
	fn, ok := c.model.Functions[logicalID]
	if !ok {
		return fmt.Errorf("no function %s in the template", logicalID)
	}
	return c.runtime.CrashNext(fn.Name, n)
}

// faultsStatus is GET /_local/faults: the faults in effect and what they
// did so far.
type faultsStatus struct {
	Faults
	// Refused counts AWS calls refused by an injected fault, by service
	// and operation.
	Refused map[string]map[string]int64 `json:"refused"`
	// DroppedDisconnects counts $disconnect invocations skipped.
	DroppedDisconnects int64 `json:"droppedDisconnects"`
}

// crashRequest is the body of POST /_local/faults/crash.
type crashRequest struct {
	Function string `json:"function"`
	Count    int    `json:"count"`
}

func (c *Cloud) faultRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_local/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, faultsStatus{Faults: c.Faults(), Refused: c.aws.FaultCounts(), DroppedDisconnects: c.ws.DroppedDisconnects()})
	})
	mux.HandleFunc("PUT /_local/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		if err := decodeStrict(w, r, &f); err != nil {
			http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := c.SetFaults(f); err != nil {
			http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, c.Faults())
	})
	mux.HandleFunc("POST /_local/faults/crash", func(w http.ResponseWriter, r *http.Request) {
		var in crashRequest
		if err := decodeStrict(w, r, &in); err != nil {
			http.Error(w, "crash: "+err.Error(), http.StatusBadRequest)
			return
		}
		if in.Count == 0 {
			in.Count = 1
		}
		if err := c.CrashNext(in.Function, in.Count); err != nil {
			http.Error(w, "crash: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeStrict reads one JSON object into v, refusing unknown fields so a
// misspelt fault is not silently ignored.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return nil
}

// SilenceSocket makes the WebSocket connection id half-open
// (wsgw.Gateway.Silence); it reports whether id is connected.
func (c *Cloud) SilenceSocket(id string) bool { return c.ws.Silence(id) }
