package template

import (
	"fmt"
	"strings"
)

// BucketConfig is what the local S3 enforces of an AWS::S3::Bucket beyond
// its name: the expiration rules of its LifecycleConfiguration and the
// CORS rules of its CorsConfiguration.
type BucketConfig struct {
	Expiration []ExpirationRule
	CORS       []CORSRule
}

// ExpirationRule is an enabled lifecycle rule that expires the objects
// under Prefix Days days after they were written.
type ExpirationRule struct {
	ID     string
	Prefix string // "" is every object
	Days   int
}

// CORSRule is one rule of a bucket's CorsConfiguration.
type CORSRule struct {
	ID             string
	AllowedOrigins []string // may hold one "*" each
	AllowedMethods []string // GET, PUT, HEAD, POST, DELETE
	AllowedHeaders []string // may hold one "*" each
	ExposedHeaders []string
	MaxAge         int // seconds; 0 is unset
}

// lifecycleIgnored are the rule actions that change nothing the local S3
// has: storage classes, object versions and multipart uploads.
var lifecycleIgnored = []string{
	"AbortIncompleteMultipartUpload", "ExpiredObjectDeleteMarker",
	"NoncurrentVersionExpiration", "NoncurrentVersionExpirationInDays",
	"NoncurrentVersionTransition", "NoncurrentVersionTransitions",
	"Transition", "Transitions",
}

// bucketConfig reads the lifecycle and CORS rules of a bucket's resolved
// properties. A rule the local S3 could not honour as S3 does stops the
// start, naming the bucket and the rule, rather than being left out.
func bucketConfig(id string, props map[string]any) (BucketConfig, error) {
	var cfg BucketConfig
	for i, r := range listOf(asMap(props["LifecycleConfiguration"])["Rules"]) {
		rule := asMap(r)
		name, _ := rule["Id"].(string)
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if status, _ := rule["Status"].(string); status != "Enabled" {
			continue
		}
		for _, k := range []string{"TagFilters", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "ExpirationDate"} {
			if _, set := rule[k]; set {
				return cfg, fmt.Errorf("bucket %s lifecycle rule %s: %s is not supported by the local cloud", id, name, k)
			}
		}
		days, set := rule["ExpirationInDays"]
		if !set {
			if !onlyIgnored(rule) {
				return cfg, fmt.Errorf("bucket %s lifecycle rule %s: no action the local cloud knows", id, name)
			}
			continue
		}
		n, ok := number(days)
		if !ok || n < 1 {
			return cfg, fmt.Errorf("bucket %s lifecycle rule %s: ExpirationInDays %v is not a positive whole number", id, name, days)
		}
		prefix, _ := rule["Prefix"].(string)
		cfg.Expiration = append(cfg.Expiration, ExpirationRule{ID: name, Prefix: prefix, Days: n})
	}
	for i, r := range listOf(asMap(props["CorsConfiguration"])["CorsRules"]) {
		rule := asMap(r)
		cr := CORSRule{
			AllowedOrigins: stringList(rule["AllowedOrigins"]),
			AllowedMethods: stringList(rule["AllowedMethods"]),
			AllowedHeaders: stringList(rule["AllowedHeaders"]),
			ExposedHeaders: stringList(rule["ExposedHeaders"]),
		}
		cr.ID, _ = rule["Id"].(string)
		if age, set := rule["MaxAge"]; set {
			n, ok := number(age)
			if !ok || n < 0 {
				return cfg, fmt.Errorf("bucket %s CORS rule %d: MaxAge %v is not a whole number of seconds", id, i+1, age)
			}
			cr.MaxAge = n
		}
		if len(cr.AllowedOrigins) == 0 || len(cr.AllowedMethods) == 0 {
			return cfg, fmt.Errorf("bucket %s CORS rule %d: AllowedOrigins and AllowedMethods are required", id, i+1)
		}
		for _, m := range cr.AllowedMethods {
			switch m {
			case "GET", "PUT", "HEAD", "POST", "DELETE":
			default:
				return cfg, fmt.Errorf("bucket %s CORS rule %d: method %q is not one of GET, PUT, HEAD, POST, DELETE", id, i+1, m)
			}
		}
		for _, o := range cr.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return cfg, fmt.Errorf("bucket %s CORS rule %d: origin %q has more than one wildcard", id, i+1, o)
			}
		}
		cfg.CORS = append(cfg.CORS, cr)
	}
	return cfg, nil
}

// onlyIgnored reports whether a lifecycle rule has actions, all of them
// ones that change nothing locally.
func onlyIgnored(rule map[string]any) bool {
	found := false
	for _, k := range lifecycleIgnored {
		if _, set := rule[k]; set {
			found = true
		}
	}
	return found
}
