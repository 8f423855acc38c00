package setup

import (
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/store"
)

// Recorder returns the recorder of the reports' rollups over st, with days
// in the account's time zone.
func (e Env) Recorder(st *store.Store) (*reports.Recorder, error) {
	loc, err := time.LoadLocation(e.Config.ReportsTimeZone)
	if err != nil {
		return nil, fmt.Errorf("reports' time zone: %w", err)
	}
	return reports.NewRecorder(st, loc)
}

// Reports returns the reader of the reports' rollups over st.
func (e Env) Reports(st *store.Store) (*reports.Reader, error) {
	return reports.NewReader(st)
}
