package bucket

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Presigned URLs and POST policies carry the time they were signed at, and
// S3 checks their expiry against its own clock. In AWS both are the system
// clock. The local cloud's S3 runs on its test clock, which the functions
// read through shared/clock (PARLEY_CLOCK_FILE), so they sign on that
// clock too: a URL signed after the clock moved works, and one signed
// before expires when the clock passes its end, as in AWS.

// postPolicy is the form fields of a browser's POST upload of key to
// bucket, signed at at for ttl (S3's POST policy, SigV4): the algorithm,
// credential, date and session token, the key and the signed policy,
// which holds those, the bucket and the extra conditions.
func postPolicy(creds aws.Credentials, bucket, key, region string, at time.Time, ttl time.Duration, conditions []any) (map[string]string, error) {
	date := at.Format("20060102T150405Z")
	scope := at.Format("20060102") + "/" + region + "/s3/aws4_request"
	credential := creds.AccessKeyID + "/" + scope
	fields := map[string]string{
		"X-Amz-Algorithm":  "AWS4-HMAC-SHA256",
		"X-Amz-Credential": credential,
		"X-Amz-Date":       date,
		"key":              key,
	}
	all := []any{
		map[string]string{"X-Amz-Algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"bucket": bucket},
		map[string]string{"X-Amz-Credential": credential},
		map[string]string{"X-Amz-Date": date},
	}
	if creds.SessionToken != "" {
		fields["X-Amz-Security-Token"] = creds.SessionToken
		all = append(all, map[string]string{"X-Amz-Security-Token": creds.SessionToken})
	}
	all = append(all, conditions...)
	all = append(all, map[string]string{"key": key})
	doc, err := json.Marshal(map[string]any{"conditions": all, "expiration": at.Add(ttl).Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	policy := base64.StdEncoding.EncodeToString(doc)
	k := hmacSHA256([]byte("AWS4"+creds.SecretAccessKey), at.Format("20060102"))
	for _, part := range []string{region, "s3", "aws4_request"} {
		k = hmacSHA256(k, part)
	}
	fields["policy"] = policy
	fields["X-Amz-Signature"] = hex.EncodeToString(hmacSHA256(k, policy))
	return fields, nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
