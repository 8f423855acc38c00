package setup

import (
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
)

// Recorder returns the recorder of the reports' rollups over st, with days
// in the account's time zone and business hours from the channels.
func (e Env) Recorder(st *store.Store, channels *settings.Cache) (*reports.Recorder, error) {
	loc, err := e.ReportsZone()
	if err != nil {
		return nil, err
	}
	return reports.NewRecorder(st, loc, channels)
}

// ReportsZone is the account's time zone, the reports' days.
func (e Env) ReportsZone() (*time.Location, error) {
	loc, err := time.LoadLocation(e.Config.ReportsTimeZone)
	if err != nil {
		return nil, fmt.Errorf("reports' time zone: %w", err)
	}
	return loc, nil
}

// Reports returns the reader of the reports' rollups over st.
func (e Env) Reports(st *store.Store) (*reports.Reader, error) {
	return reports.NewReader(st, st)
}
