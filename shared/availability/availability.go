// Package availability decides whether a chat channel's team is available
// at an instant and when that changes next: always, inside business hours
// (weekly wall-clock intervals in an IANA time zone, with holidays and
// special hours), or by the team's status. It also measures business-hours
// durations for reports. The rules, DST included, are in
// docs/availability.md.
package availability

// Lambda's provided.al2023 image has no /usr/share/zoneinfo: the zone
// database is compiled in (393 KB per arm64 binary), so LoadLocation
// works there.
import _ "time/tzdata"
