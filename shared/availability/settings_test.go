package availability_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleychat/parley/shared/availability"
)

// Each bad field is named by its path in the JSON, so a form shows the
// message next to it; everything wrong is reported at once.
func TestValidation(t *testing.T) {
	type fe = availability.FieldError
	many := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	tests := []struct {
		name     string
		settings string
		want     []fe
	}{
		{"always, nothing else", `{"mode":"always"}`, nil},
		{"team without a time zone", `{"mode":"team"}`, nil},
		{"always keeps a stored week", `{"mode":"always","timeZone":"Europe/Rome","week":{"mon":[{"start":"09:00","end":"17:00"}]}}`, nil},
		{"hours with an empty week", `{"mode":"hours","timeZone":"UTC"}`, nil},
		{"a split shift ending at midnight", `{"mode":"hours","timeZone":"Asia/Kolkata","week":{"fri":[{"start":"18:00","end":"24:00"},{"start":"00:00","end":"02:00"}]}}`, nil},
		{"no mode", `{}`, []fe{{"mode", "is required"}}},
		{"unknown mode", `{"mode":"sometimes"}`, []fe{{"mode", "must be always, hours or team"}}},
		{"hours without a time zone", `{"mode":"hours"}`, []fe{{"timeZone", "is required for business hours"}}},
		{"unknown time zone", `{"mode":"hours","timeZone":"Mars/Olympus_Mons"}`, []fe{{"timeZone", "is not a known time zone"}}},
		{"the machine's zone", `{"mode":"hours","timeZone":"Local"}`, []fe{{"timeZone", "is not a known time zone"}}},
		{"a path for a zone", `{"mode":"team","timeZone":"../../etc/passwd"}`, []fe{{"timeZone", "is not a known time zone"}}},
		{"ends before it starts", `{"mode":"hours","timeZone":"UTC","week":{"mon":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"13:00"}]}}`,
			[]fe{{"week.mon[1].end", "must be after the start"}}},
		{"an empty interval", `{"mode":"hours","timeZone":"UTC","week":{"tue":[{"start":"09:00","end":"09:00"}]}}`,
			[]fe{{"week.tue[0].end", "must be after the start"}}},
		{"midnight written 00:00", `{"mode":"hours","timeZone":"UTC","week":{"wed":[{"start":"22:00","end":"00:00"}]}}`,
			[]fe{{"week.wed[0].end", "must be after the start (midnight at the end of the day is 24:00)"}}},
		{"overlapping intervals", `{"mode":"hours","timeZone":"UTC","week":{"mon":[{"start":"09:00","end":"12:30"},{"start":"12:00","end":"13:00"}]}}`,
			[]fe{{"week.mon[1]", "overlaps week.mon[0]"}}},
		{"overlapping intervals out of order", `{"mode":"hours","timeZone":"UTC","week":{"sun":[{"start":"12:00","end":"13:00"},{"start":"08:00","end":"09:00"},{"start":"09:00","end":"12:30"}]}}`,
			[]fe{{"week.sun[2]", "overlaps week.sun[0]"}}},
		{"one interval inside another", `{"mode":"hours","timeZone":"UTC","week":{"sat":[{"start":"08:00","end":"18:00"},{"start":"10:00","end":"11:00"}]}}`,
			[]fe{{"week.sat[1]", "overlaps week.sat[0]"}}},
		{"times that are not HH:MM", `{"mode":"hours","timeZone":"UTC","week":{"thu":[
			{"start":"9:00","end":"12:00"},{"start":"24:00","end":"24:00"},{"start":"12:60","end":"25:00"},
			{"start":"","end":"-1:00"},{"start":"12:00pm","end":"13:00:00"},{"start":"１２:００","end":"+1:00"}]}}`,
			[]fe{
				{"week.thu[0].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.thu[1].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.thu[2].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.thu[2].end", "is not a time of day (HH:MM, 00:00 to 24:00)"},
				{"week.thu[3].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.thu[3].end", "is not a time of day (HH:MM, 00:00 to 24:00)"},
				{"week.thu[4].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.thu[4].end", "is not a time of day (HH:MM, 00:00 to 24:00)"},
				{"week.thu[5].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.thu[5].end", "is not a time of day (HH:MM, 00:00 to 24:00)"},
			}},
		{"too many intervals", `{"mode":"hours","timeZone":"UTC","week":{"fri":` + many(13, `{"start":"09:00","end":"10:00"}`) + `}}`,
			[]fe{{"week.fri", "has more than 12 intervals"}}},
		{"holiday dates that do not parse", `{"mode":"hours","timeZone":"UTC","holidays":[
			{"date":"2026-02-30"},{"date":"25/12/2026"},{"date":"2026-12-25T00:00:00Z"},{"date":""},
			{"date":"2026-12-01","endDate":"2026-12-32"}]}`,
			[]fe{
				{"holidays[0].date", "is not a date (YYYY-MM-DD)"},
				{"holidays[1].date", "is not a date (YYYY-MM-DD)"},
				{"holidays[2].date", "is not a date (YYYY-MM-DD)"},
				{"holidays[3].date", "is not a date (YYYY-MM-DD)"},
				{"holidays[4].endDate", "is not a date (YYYY-MM-DD)"},
			}},
		{"a range that ends before it starts", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2026-12-31","endDate":"2026-12-24"}]}`,
			[]fe{{"holidays[0].endDate", "is before the date"}}},
		{"a range over a year", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2026-01-01","endDate":"2027-01-02"}]}`,
			[]fe{{"holidays[0].endDate", "makes the holiday longer than 366 days"}}},
		{"a range of 366 days", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2028-01-01","endDate":"2028-12-31"}]}`, nil},
		{"overlapping holidays", `{"mode":"hours","timeZone":"UTC","holidays":[
			{"date":"2026-12-31","endDate":"2027-01-06"},{"date":"2026-12-25"},{"date":"2027-01-06","hours":[{"start":"09:00","end":"12:00"}]}]}`,
			[]fe{{"holidays[2].date", "overlaps holidays[0]"}}},
		{"the same day twice", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2026-12-25"},{"date":"2026-12-25"}]}`,
			[]fe{{"holidays[1].date", "overlaps holidays[0]"}}},
		{"bad special hours", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2026-12-24","hours":[{"start":"09:00","end":"08:00"}]}]}`,
			[]fe{{"holidays[0].hours[0].end", "must be after the start"}}},
		{"a long name", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2026-12-24","name":"` + strings.Repeat("é", 101) + `"}]}`,
			[]fe{{"holidays[0].name", "is longer than 100 characters"}}},
		{"a name of 100 characters", `{"mode":"hours","timeZone":"UTC","holidays":[{"date":"2026-12-24","name":"` + strings.Repeat("é", 100) + `"}]}`, nil},
		{"too many holidays", `{"mode":"hours","timeZone":"UTC","holidays":` + many(501, `{"date":"2026-12-24"}`) + `}`,
			[]fe{{"holidays", "has more than 500 entries"}}},
		{"everything at once, in the order of the form", `{"mode":"hours","timeZone":"Nowhere","week":{
			"sun":[{"start":"09:00","end":"08:00"}],"mon":[{"start":"x","end":"10:00"}]},
			"holidays":[{"date":"tomorrow"}]}`,
			[]fe{
				{"timeZone", "is not a known time zone"},
				{"week.mon[0].start", "is not a time of day (HH:MM, 00:00 to 23:59)"},
				{"week.sun[0].end", "must be after the start"},
				{"holidays[0].date", "is not a date (YYYY-MM-DD)"},
			}},
		{"a stored week is checked whatever the mode", `{"mode":"team","week":{"mon":[{"start":"10:00","end":"09:00"}]}}`,
			[]fe{{"week.mon[0].end", "must be after the start"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s availability.Settings
			if err := json.Unmarshal([]byte(tt.settings), &s); err != nil {
				t.Fatal(err)
			}
			sch, err := availability.New(s)
			if tt.want == nil {
				if err != nil || sch == nil {
					t.Fatalf("New = %v, %v; want a schedule", sch, err)
				}
				return
			}
			if !errors.Is(err, availability.ErrInvalid) {
				t.Fatalf("New error = %v, want ErrInvalid", err)
			}
			var verr *availability.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("New error = %T, want *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, verr.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	_, err := availability.New(availability.Settings{Mode: availability.Hours, Week: availability.Week{
		Mon: []availability.Interval{{Start: "09:00", End: "08:00"}},
	}})
	want := "availability: timeZone: is required for business hours; week.mon[0].end: must be after the start"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// The settings are stored and sent in this shape; decoding and encoding
// give back the same document.
func TestSettingsJSON(t *testing.T) {
	docs := []string{
		`{"mode":"always"}`,
		`{"mode":"team","timeZone":"Australia/Sydney"}`,
		`{"mode":"hours","timeZone":"Europe/Rome",` +
			`"week":{"mon":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}],` +
			`"tue":[{"start":"09:00","end":"18:00"}],"wed":[{"start":"09:00","end":"18:00"}],` +
			`"thu":[{"start":"09:00","end":"18:00"}],"fri":[{"start":"09:00","end":"18:00"}],` +
			`"sat":[{"start":"10:00","end":"12:00"}],"sun":[{"start":"22:00","end":"24:00"}]},` +
			`"holidays":[{"date":"2026-12-25","name":"Christmas"},` +
			`{"date":"2026-12-24","hours":[{"start":"09:00","end":"12:00"}]},` +
			`{"date":"2026-12-31","endDate":"2027-01-06"}]}`,
		// Invalid settings are kept as given: nothing the admin typed is lost.
		`{"mode":"hours","week":{"mon":[{"start":"9","end":"8"}]},"holidays":[{"date":"soon"}]}`,
	}
	for _, doc := range docs {
		var s availability.Settings
		if err := json.Unmarshal([]byte(doc), &s); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != doc {
			t.Errorf("round trip:\n got %s\nwant %s", b, doc)
		}
		var again availability.Settings
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s, again, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("value round trip (-first +second):\n%s", diff)
		}
	}
}

func ExampleSchedule_Status() {
	var s availability.Settings
	_ = json.Unmarshal([]byte(`{"mode":"hours","timeZone":"Europe/Rome",
		"week":{"mon":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}]}}`), &s)
	sch, err := availability.New(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sch.Status(time.Date(2026, 3, 30, 11, 0, 0, 0, sch.Location()), false)
	fmt.Println(st.Available, st.NextChange)
	// Output: true 2026-03-30 12:30:00 +0200 CEST
}
