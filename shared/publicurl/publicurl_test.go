package publicurl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/publicurl"
)

func TestNormalizeRefuses(t *testing.T) {
	tests := []struct {
		name, raw string
		want      error
	}{
		// Schemes and shapes.
		{"http", "http://cdn.example.com/a.png", publicurl.ErrScheme},
		{"javascript", "javascript:alert(1)", publicurl.ErrNotURL},
		{"data", "data:image/svg+xml,<svg onload=alert(1)>", publicurl.ErrCharacters},
		{"ftp", "ftp://cdn.example.com/a.png", publicurl.ErrScheme},
		{"relative", "/avatars/a.png", publicurl.ErrNotURL},
		{"scheme-relative", "//cdn.example.com/a.png", publicurl.ErrNotURL},
		{"one slash", "https:/cdn.example.com/a.png", publicurl.ErrNotURL},
		{"no host", "https:///a.png", publicurl.ErrNotURL},
		{"empty", "", publicurl.ErrNotURL},
		{"too long", "https://cdn.example.com/" + strings.Repeat("a", publicurl.MaxLen), publicurl.ErrTooLong},
		// Userinfo.
		{"user and password", "https://user:secret@cdn.example.com/a.png", publicurl.ErrUserinfo},
		{"user only", "https://cdn.example.com@evil.example/a.png", publicurl.ErrUserinfo},
		// Characters that break out of attributes or that browsers read otherwise.
		{"double quote", `https://cdn.example.com/a.png"onerror="alert(1)`, publicurl.ErrCharacters},
		{"single quote", `https://cdn.example.com/a.png'onerror='alert(1)`, publicurl.ErrCharacters},
		{"angle brackets", `https://cdn.example.com/"><script>alert(1)</script>`, publicurl.ErrCharacters},
		{"backslash as slash", `https://evil.example\@cdn.example.com/`, publicurl.ErrCharacters},
		{"space", "https://cdn.example.com/a b.png", publicurl.ErrCharacters},
		{"tab inside scheme", "java\tscript:alert(1)", publicurl.ErrCharacters},
		{"newline", "https://cdn.example.com/a\n.png", publicurl.ErrCharacters},
		{"NUL", "https://cdn.example.com/a\x00.png", publicurl.ErrCharacters},
		{"back tick", "https://cdn.example.com/`x`", publicurl.ErrCharacters},
		{"line separator", "https://cdn.example.com/a\u2028b", publicurl.ErrCharacters},
		// Hosts that are not public.
		{"metadata service", "http://169.254.169.254/latest/meta-data/", publicurl.ErrHost},
		{"metadata over https", "https://169.254.169.254/latest/meta-data/", publicurl.ErrHost},
		{"loopback", "https://127.0.0.1/a.png", publicurl.ErrHost},
		{"loopback elsewhere in 127/8", "https://127.45.6.7/a.png", publicurl.ErrHost},
		{"localhost", "https://localhost/a.png", publicurl.ErrHost},
		{"under localhost", "https://app.localhost/a.png", publicurl.ErrHost},
		{"private 10/8", "https://10.0.0.7/a.png", publicurl.ErrHost},
		{"private 172.16/12", "https://172.16.3.4/a.png", publicurl.ErrHost},
		{"private 192.168/16", "https://192.168.1.1/a.png", publicurl.ErrHost},
		{"carrier-grade NAT", "https://100.64.0.1/a.png", publicurl.ErrHost},
		{"this network", "https://0.0.0.0/a.png", publicurl.ErrHost},
		{"broadcast", "https://255.255.255.255/a.png", publicurl.ErrHost},
		{"multicast", "https://224.0.0.251/a.png", publicurl.ErrHost},
		{"documentation", "https://192.0.2.10/a.png", publicurl.ErrHost},
		{"decimal", "https://2130706433/a.png", publicurl.ErrHost},
		{"decimal metadata", "https://2852039166/", publicurl.ErrHost},
		{"hex", "https://0x7f000001/a.png", publicurl.ErrHost},
		{"hex parts", "https://0xa9.0xfe.0xa9.0xfe/", publicurl.ErrHost},
		{"octal", "https://0177.0.0.1/a.png", publicurl.ErrHost},
		{"octal private", "https://012.0.0.1/a.png", publicurl.ErrHost},
		{"short form", "https://127.1/a.png", publicurl.ErrHost},
		{"short private", "https://10.1/a.png", publicurl.ErrHost},
		{"trailing dot", "https://127.0.0.1./a.png", publicurl.ErrHost},
		{"percent-encoded host", "https://%31%32%37.0.0.1/a.png", publicurl.ErrNotURL},
		{"not an address but ends in a number", "https://256.0.0.1/a.png", publicurl.ErrHost},
		{"five parts", "https://1.2.3.4.5/a.png", publicurl.ErrHost},
		{"IPv6 loopback", "https://[::1]/a.png", publicurl.ErrHost},
		{"IPv6 unspecified", "https://[::]/a.png", publicurl.ErrHost},
		{"IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/a.png", publicurl.ErrHost},
		{"IPv4-mapped metadata", "https://[::ffff:a9fe:a9fe]/", publicurl.ErrHost},
		{"IPv4-mapped private", "https://[::ffff:10.0.0.1]/a.png", publicurl.ErrHost},
		{"IPv4-compatible", "https://[::127.0.0.1]/a.png", publicurl.ErrHost},
		{"NAT64 of private", "https://[64:ff9b::10.0.0.1]/a.png", publicurl.ErrHost},
		{"6to4 of loopback", "https://[2002:7f00:1::]/a.png", publicurl.ErrHost},
		{"6to4 of private", "https://[2002:c0a8:101::1]/a.png", publicurl.ErrHost},
		{"unique local", "https://[fd12:3456:789a::1]/a.png", publicurl.ErrHost},
		{"IPv6 link-local", "https://[fe80::1]/a.png", publicurl.ErrHost},
		{"IPv6 link-local with zone", "https://[fe80::1%25eth0]/a.png", publicurl.ErrHost},
		{"IPv6 multicast", "https://[ff02::1]/a.png", publicurl.ErrHost},
		{"IPv6 documentation", "https://[2001:db8::1]/a.png", publicurl.ErrHost},
		{"Teredo", "https://[2001::1]/a.png", publicurl.ErrHost},
		{"single label", "https://intranet/a.png", publicurl.ErrHost},
		{"bad label", "https://-cdn.example.com/a.png", publicurl.ErrHost},
		{"empty label", "https://cdn..example.com/a.png", publicurl.ErrHost},
		{"non-ASCII host", "https://bücher.example/a.png", publicurl.ErrNonASCIIURL},
		{"fullwidth dots", "https://127。0。0。1/a.png", publicurl.ErrNonASCIIURL},
		{"port out of range", "https://cdn.example.com:70000/a.png", publicurl.ErrNotURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := publicurl.Normalize(tt.raw, publicurl.Options{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Normalize(%q) = %q, %v; want %v", tt.raw, got, err, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, raw, want string
		opts            publicurl.Options
	}{
		{"plain", "https://cdn.example.com/avatars/ann.png", "https://cdn.example.com/avatars/ann.png", publicurl.Options{}},
		{"case of scheme and host", "HTTPS://CDN.Example.COM/Avatars/Ann.png", "https://cdn.example.com/Avatars/Ann.png", publicurl.Options{}},
		{"default port", "https://cdn.example.com:443/a.png", "https://cdn.example.com/a.png", publicurl.Options{}},
		{"other port kept", "https://cdn.example.com:8443/a.png", "https://cdn.example.com:8443/a.png", publicurl.Options{}},
		{"trailing dot", "https://cdn.example.com./a.png", "https://cdn.example.com/a.png", publicurl.Options{}},
		{"empty path", "https://meet.example.com", "https://meet.example.com/", publicurl.Options{}},
		{"query and fragment", "https://meet.example.com/ann?week=1&tz=Europe%2FRome#slots", "https://meet.example.com/ann?week=1&tz=Europe%2FRome#slots", publicurl.Options{}},
		{"surrounding spaces", "  https://cdn.example.com/a.png ", "https://cdn.example.com/a.png", publicurl.Options{}},
		{"punycode", "https://xn--bcher-kva.example/a.png", "https://xn--bcher-kva.example/a.png", publicurl.Options{}},
		{"public IPv4", "https://93.184.215.14/a.png", "https://93.184.215.14/a.png", publicurl.Options{}},
		{"public IPv6", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/a.png", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/a.png", publicurl.Options{}},
		{"label with a number", "https://cdn1.example.com/a.png", "https://cdn1.example.com/a.png", publicurl.Options{}},
		{"local: http on loopback", "http://127.0.0.1:3000/_local/avatars/ann.svg", "http://127.0.0.1:3000/_local/avatars/ann.svg", publicurl.Options{LoopbackHTTP: true}},
		{"local: localhost", "http://localhost:3000/a.svg", "http://localhost:3000/a.svg", publicurl.Options{LoopbackHTTP: true}},
		{"local: loopback spelled in decimal", "http://2130706433:3000/a.svg", "http://127.0.0.1:3000/a.svg", publicurl.Options{LoopbackHTTP: true}},
		{"local: IPv6 loopback", "http://[::1]:3000/a.svg", "http://[::1]:3000/a.svg", publicurl.Options{LoopbackHTTP: true}},
		{"local: public https still fine", "https://cdn.example.com/a.png", "https://cdn.example.com/a.png", publicurl.Options{LoopbackHTTP: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := publicurl.Normalize(tt.raw, tt.opts)
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
			if again, err := publicurl.Normalize(got, tt.opts); err != nil || again != got {
				t.Errorf("not idempotent: Normalize(%q) = %q, %v", got, again, err)
			}
		})
	}
}

// Locally, loopback is all that is relaxed: private and link-local hosts
// and http elsewhere stay refused.
func TestLoopbackHTTPRelaxesOnlyLoopback(t *testing.T) {
	for _, raw := range []string{"http://10.0.0.7/a.png", "http://169.254.169.254/", "http://cdn.example.com/a.png", "http://[fd00::1]/a.png"} {
		if got, err := publicurl.Normalize(raw, publicurl.Options{LoopbackHTTP: true}); err == nil {
			t.Errorf("Normalize(%q) locally = %q, want a refusal", raw, got)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"https://cdn.example.com/a.png", "https://0x7f.1/", "https://[::ffff:7f00:1]/", "http://127.0.0.1:3000/a", "https://a.b/c?d#e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, o := range []publicurl.Options{{}, {LoopbackHTTP: true}} {
			got, err := publicurl.Normalize(raw, o)
			if err != nil {
				continue
			}
			if again, err := publicurl.Normalize(got, o); err != nil || again != got {
				t.Fatalf("Normalize(%q) = %q, but that normalises to %q, %v", raw, got, again, err)
			}
			if strings.ContainsAny(got, "\"'<>\\` \t\n") || !strings.HasPrefix(got, "http") {
				t.Fatalf("Normalize(%q) = %q", raw, got)
			}
		}
	})
}
