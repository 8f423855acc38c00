package config_test

import (
	"testing"

	"github.com/parleychat/parley/shared/config"
)

func TestSearchTable(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"set", map[string]string{"SEARCH_TABLE_NAME": " search "}, "search", ""},
		{"missing", map[string]string{}, "", "config: missing environment variables: SEARCH_TABLE_NAME"},
		{"empty", map[string]string{"SEARCH_TABLE_NAME": ""}, "", "config: missing environment variables: SEARCH_TABLE_NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.SearchTableFromLookup(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
