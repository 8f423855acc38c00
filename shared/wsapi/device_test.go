package wsapi

import (
	"testing"

	"github.com/parleychat/parley/shared/chat"
)

func TestDevice(t *testing.T) {
	firefox := "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	tests := []struct {
		name    string
		headers map[string]string
		want    chat.Device
	}{
		{"API Gateway alone", map[string]string{"User-Agent": firefox}, chat.Device{Browser: "Firefox 133", OS: "Linux"}},
		{"through CloudFront", map[string]string{"user-agent": firefox, "cloudfront-viewer-country": "IT"}, chat.Device{Browser: "Firefox 133", OS: "Linux", Country: "IT"}},
		{"CloudFront cannot tell", map[string]string{"CloudFront-Viewer-Country": "XX"}, chat.Device{}},
		{"not a country code", map[string]string{"CloudFront-Viewer-Country": "<b>"}, chat.Device{}},
		{"nothing", nil, chat.Device{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := device(tt.headers); got != tt.want {
				t.Errorf("device = %+v, want %+v", got, tt.want)
			}
		})
	}
}
