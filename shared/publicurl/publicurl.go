// Package publicurl checks URLs that other people's browsers will load or
// follow (an agent's avatar, its meetings link): public https URLs only,
// in one normal form, so a stored URL can neither reach into a visitor's
// network nor break out of the attribute it is written into.
//
// Refused: any scheme but https; userinfo; a host that is an IP address in
// a loopback, private, link-local, carrier-grade NAT, unique local,
// multicast, documentation or otherwise reserved range, however it is
// spelled (IPv4 in decimal, octal or hex, with fewer than four parts, as
// browsers read it; IPv4-mapped and other IPv6 forms embedding IPv4);
// "localhost" and names under it; a host name without a dot; non-ASCII
// host names (give their xn-- form); characters that have no place in a
// URL (spaces, controls, quotes, angle brackets, backslashes, back ticks,
// braces, pipes, carets). Normal form: scheme and host in lower case, no
// default port, no trailing dot on the host, "/" for an empty path.
//
// Local only (Options.LoopbackHTTP, set by the local cloud), loopback
// hosts are taken with http or https: the local cloud serves its demo
// avatars there.
package publicurl

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxLen is the longest URL taken, in bytes.
const MaxLen = 2048

// Options relax the rules where the system runs on one machine.
type Options struct {
	// LoopbackHTTP accepts loopback hosts (127.0.0.0/8, ::1, localhost),
	// with http or https.
	LoopbackHTTP bool
}

// Errors say why a URL is refused, without echoing it.
var (
	ErrNotURL      = errors.New("is not an absolute URL")
	ErrScheme      = errors.New("must be an https URL")
	ErrUserinfo    = errors.New("must not carry a user name or password")
	ErrCharacters  = errors.New("contains characters not allowed in a URL")
	ErrHost        = errors.New("must name a public host")
	ErrTooLong     = errors.New("is longer than 2048 characters")
	ErrNonASCIIURL = errors.New("must give a non-ASCII host name in its xn-- form")
)

// Normalize returns raw in its normal form, or why it is refused.
func Normalize(raw string, o Options) (string, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxLen {
		return "", ErrTooLong
	}
	if strings.ContainsFunc(raw, forbidden) {
		return "", ErrCharacters
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" || !strings.HasPrefix(raw[len(u.Scheme)+1:], "//") {
		return "", ErrNotURL
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", ErrScheme
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return "", ErrUserinfo
	}
	host, port := u.Hostname(), u.Port()
	if host == "" || (u.Port() == "" && strings.HasSuffix(u.Host, ":")) {
		return "", ErrNotURL
	}
	host, loopback, err := checkHost(host)
	if err != nil {
		return "", err
	}
	switch {
	case loopback && !o.LoopbackHTTP:
		return "", ErrHost
	case u.Scheme == "http" && !loopback:
		return "", ErrScheme
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", ErrNotURL
		}
		if (u.Scheme == "https" && n == 443) || (u.Scheme == "http" && n == 80) {
			port = ""
		} else {
			port = strconv.Itoa(n)
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	if port != "" {
		u.Host += ":" + port
	}
	if u.Path == "" {
		u.Path = "/"
	}
	out := u.String()
	if len(out) > MaxLen {
		return "", ErrTooLong
	}
	return out, nil
}

// forbidden are the characters RFC 3986 has no place for (WHATWG's URL
// parser would percent-encode or drop some of them, browsers differ):
// they are refused rather than guessed at.
func forbidden(r rune) bool {
	return r <= ' ' || r == 0x7f || strings.ContainsRune("\"'<>\\^`{|}", r) || (r >= 0x80 && r <= 0x9f) ||
		r == '\u00a0' || r == '\u2028' || r == '\u2029' || r == '\ufeff'
}

// checkHost returns the host in its normal form and whether it is a
// loopback host, or why it is refused.
func checkHost(host string) (string, bool, error) {
	host = strings.ToLower(host)
	for _, r := range host {
		if r >= 0x80 {
			return "", false, ErrNonASCIIURL
		}
	}
	if strings.HasPrefix(host, "[") || strings.Contains(host, ":") {
		addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil || addr.Zone() != "" {
			return "", false, ErrHost
		}
		return checkIP(addr)
	}
	host = strings.TrimSuffix(host, ".")
	if addr, ok, err := parseIPv4(host); err != nil {
		return "", false, ErrHost
	} else if ok {
		return checkIP(addr)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return host, true, nil
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return "", false, ErrHost
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", false, ErrHost
		}
	}
	return host, false, nil
}

// validLabel is a DNS label of letters, digits, hyphens and underscores
// (some CDNs use them), not starting or ending with a hyphen.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// parseIPv4 reads host as the WHATWG URL standard's IPv4 parser does:
// when its last label is a number (decimal, 0x hex or 0 octal), the host
// is an IPv4 address of one to four numbers, the last filling the
// remaining bytes ("127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1"). A
// host that ends in a number but is no valid address is an error, as in
// browsers.
func parseIPv4(host string) (netip.Addr, bool, error) {
	parts := strings.Split(host, ".")
	last := parts[len(parts)-1]
	if _, ok := ipv4Number(last); !ok && !allDigits(last) {
		return netip.Addr{}, false, nil
	}
	if len(parts) > 4 {
		return netip.Addr{}, false, ErrHost
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return netip.Addr{}, false, ErrHost
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false, ErrHost
		}
	}
	if nums[len(nums)-1] >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false, ErrHost
	}
	v := nums[len(nums)-1]
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, nil
}

// ipv4Number reads one part of an IPv4 host: 0x or 0X then hex digits
// (none is 0), 0 then octal digits, or decimal digits.
func ipv4Number(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		p, base = p[2:], 16
		if p == "" {
			return 0, true
		}
	case len(p) >= 2 && p[0] == '0':
		p, base = p[1:], 8
	}
	n, err := strconv.ParseUint(p, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 1 << 40, true
		}
		return 0, false
	}
	return n, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkIP refuses every address that is not a public unicast one, looking
// through the IPv6 forms that carry an IPv4 address.
func checkIP(a netip.Addr) (string, bool, error) {
	a = a.Unmap()
	if a.IsLoopback() {
		return a.String(), true, nil
	}
	if embedded, ok := embeddedIPv4(a); ok {
		if embedded.IsLoopback() {
			return a.String(), true, nil
		}
		if !public(embedded) {
			return "", false, ErrHost
		}
	}
	if !public(a) {
		return "", false, ErrHost
	}
	return a.String(), false, nil
}

// embeddedIPv4 is the IPv4 address an IPv6 address carries: IPv4-compatible
// (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), ipv4Compatible.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

var (
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	ipv4Compatible = netip.MustParsePrefix("::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	globalIPv6     = netip.MustParsePrefix("2000::/3")
)

// reserved are the ranges beyond Go's own classes (loopback, private,
// link-local, multicast, unspecified) that no public host is in.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("2001::/32"),       // Teredo (embeds an obfuscated IPv4)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

func public(a netip.Addr) bool {
	if !a.IsGlobalUnicast() || a.IsPrivate() || (a.Is6() && !globalIPv6.Contains(a)) {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
