package awsemu

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// AllOperations, as the operation of a rate fault, matches every operation
// of the service the fault names.
const AllOperations = "*"

// RateFault fails a share of the calls of one operation, as DynamoDB does
// under load: each matching call fails with probability Share, before it
// takes effect (or, for FaultLostAnswer, after).
type RateFault struct {
	// Service is ServiceDynamoDB, ServiceSecretsManager or ServiceSES.
	Service string `json:"service"`
	// Operation is the X-Amz-Target operation ("PutItem",
	// "TransactWriteItems", ...) or AllOperations.
	Operation string `json:"operation"`
	// Share of the calls that fail, in (0, 1].
	Share float64 `json:"share"`
	// Kind is FaultThrottle, FaultInternal or FaultLostAnswer.
	Kind string `json:"kind"`
}

// Validate reports what is wrong with f, if anything.
func (f RateFault) Validate() error {
	switch {
	case f.Service != ServiceDynamoDB && f.Service != ServiceSecretsManager && f.Service != ServiceSES:
		return fmt.Errorf("fault service %q: want %q, %q or %q", f.Service, ServiceDynamoDB, ServiceSecretsManager, ServiceSES)
	case f.Operation == "":
		return fmt.Errorf("fault operation is empty: name one or use %q", AllOperations)
	case !(f.Share > 0 && f.Share <= 1):
		return fmt.Errorf("fault share %v: want a number in (0, 1]", f.Share)
	case f.Kind != FaultThrottle && f.Kind != FaultInternal && f.Kind != FaultLostAnswer:
		return fmt.Errorf("fault kind %q: want %q, %q or %q", f.Kind, FaultThrottle, FaultInternal, FaultLostAnswer)
	}
	return nil
}

// SetRateFaults replaces the rate faults with faults (none clears them).
// Faults set with FailNext are kept and take precedence.
func (s *Server) SetRateFaults(faults []RateFault) error {
	for _, f := range faults {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.rates = append([]RateFault(nil), faults...)
	return nil
}

// RateFaults returns the rate faults in effect.
func (s *Server) RateFaults() []RateFault {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := append([]RateFault{}, s.rates...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Operation < out[j].Operation })
	return out
}

// FaultCounts returns, by service and operation, how many calls an
// injected fault (FailNext or a rate fault) refused.
func (s *Server) FaultCounts() map[string]map[string]int64 {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := make(map[string]map[string]int64, len(s.refused))
	for service, ops := range s.refused {
		out[service] = make(map[string]int64, len(ops))
		for op, n := range ops {
			out[service][op] = n
		}
	}
	return out
}

// rateFault reports the kind of the first rate fault that fails this call.
// The caller holds statsMu.
func (s *Server) rateFault(service, op string) (string, bool) {
	for _, f := range s.rates {
		if f.Service != service || (f.Operation != op && f.Operation != AllOperations) {
			continue
		}
		if rand.Float64() < f.Share {
			return f.Kind, true
		}
	}
	return "", false
}

// InjectedFault reports whether a call of a service another emulator
// serves (ServiceSES) must fail with a rate fault, of the returned kind,
// and counts it as refused.
func (s *Server) InjectedFault(service, op string) (string, bool) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	kind, ok := s.rateFault(service, op)
	if ok {
		s.refuse(service, op)
	}
	return kind, ok
}

// refuse counts a call an injected fault refused. The caller holds statsMu.
func (s *Server) refuse(service, op string) {
	if s.refused[service] == nil {
		s.refused[service] = map[string]int64{}
	}
	s.refused[service][op]++
}
