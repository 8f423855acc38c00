package chatflow

import "reflect"

// Versioned gives each edited flow its version: the stored one's when
// nothing changed, one more when something did, 1 for a new flow. The
// versions sent by the client are ignored; the server counts.
func Versioned(stored, edited []Flow) []Flow {
	out := make([]Flow, len(edited))
	for i, f := range edited {
		f.Version = 1
		for _, s := range stored {
			if s.ID != f.ID {
				continue
			}
			f.Version = s.Version
			if !same(s, f) {
				f.Version = s.Version + 1
			}
		}
		out[i] = f
	}
	return out
}

// Changed returns the flows of edited whose version is not among the
// stored ones: the versions a save adds.
func Changed(stored, edited []Flow) []Flow {
	var out []Flow
	for _, f := range edited {
		known := false
		for _, s := range stored {
			known = known || (s.ID == f.ID && s.Version == f.Version)
		}
		if !known {
			out = append(out, f)
		}
	}
	return out
}

func same(a, b Flow) bool {
	a.Version, b.Version = 0, 0
	return reflect.DeepEqual(normal(a), normal(b))
}

// normal makes empty and missing lists alike, as JSON round trips them.
func normal(f Flow) Flow {
	if len(f.Steps) == 0 {
		f.Steps = nil
	}
	steps := make([]Step, len(f.Steps))
	for i, s := range f.Steps {
		if len(s.Buttons) == 0 {
			s.Buttons = nil
		}
		if len(s.Cases) == 0 {
			s.Cases = nil
		}
		steps[i] = s
	}
	if f.Steps != nil {
		f.Steps = steps
	}
	return f
}
