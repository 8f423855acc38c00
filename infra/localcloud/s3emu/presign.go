package s3emu

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Presigned-URL checking, as S3 does for a GET that carries its signature
// in the query: the signature must be one the named access key made for
// exactly this request, and the URL must not have expired. Only then are
// the response-* overrides honoured.

// maxPresignExpiry is S3's limit for SigV4 presigned URLs (7 days).
const maxPresignExpiry = 7 * 24 * time.Hour

// the query parameters the signature adds (the rest of the query is signed).
var presignParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}

// presigned reports whether r carries a query signature.
func presigned(r *http.Request) bool {
	return r.URL.Query().Get("X-Amz-Signature") != ""
}

// checkPresigned verifies r's query signature against the server's
// credentials and its expiry; it returns the S3 error code and message to
// answer with, or "" when r may proceed.
func (s *Server) checkPresigned(r *http.Request) (code, msg string) {
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return "AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256"
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 || cred[3] != "s3" || cred[4] != "aws4_request" {
		return "AuthorizationQueryParametersError", "X-Amz-Credential is malformed"
	}
	secret, ok := s.credentials[cred[0]]
	if !ok {
		return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil || signed.Format("20060102") != cred[1] {
		return "AuthorizationQueryParametersError", "X-Amz-Date is malformed"
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires < 1 || time.Duration(expires)*time.Second > maxPresignExpiry {
		return "AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds"
	}
	if s.now().After(signed.Add(time.Duration(expires) * time.Second)) {
		return "AccessDenied", "Request has expired"
	}
	// Sign the same request again, as it was before signing, and compare.
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	unsigned, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "AuthorizationQueryParametersError", "the query is malformed"
	}
	for _, p := range presignParams {
		unsigned.Del(p)
	}
	u := &url.URL{Scheme: "http", Host: r.Host, Opaque: "//" + r.Host + rawPath, RawQuery: unsigned.Encode()}
	again, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), nil)
	if err != nil {
		return "AuthorizationQueryParametersError", "the request cannot be signed"
	}
	again.URL.Opaque = "//" + r.Host + rawPath
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	want, _, err := signer.PresignHTTP(r.Context(), aws.Credentials{AccessKeyID: cred[0], SecretAccessKey: secret},
		again, "UNSIGNED-PAYLOAD", "s3", cred[2], signed)
	if err != nil {
		return "AuthorizationQueryParametersError", "the request cannot be signed"
	}
	wu, err := url.Parse(want)
	if err != nil || !hmac.Equal([]byte(wu.Query().Get("X-Amz-Signature")), []byte(q.Get("X-Amz-Signature"))) {
		return "SignatureDoesNotMatch", signatureMismatch
	}
	return "", ""
}

// responseOverrides are the query parameters of a signed GET that replace
// a response header, as S3 honours them.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-disposition": "Content-Disposition",
	"response-content-language":    "Content-Language",
	"response-content-encoding":    "Content-Encoding",
	"response-cache-control":       "Cache-Control",
	"response-expires":             "Expires",
}

// applyOverrides sets the headers a signed GET asks for, and on every
// read the headers of the files distribution's response headers policy:
// nosniff, so that a browser never second-guesses the content type of an
// object, a sandbox that runs and loads nothing, and no referrer. S3
// refuses overrides on an unsigned request; so does this.
func applyOverrides(w http.ResponseWriter, r *http.Request, signed bool) bool {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Referrer-Policy", "no-referrer")
	q := r.URL.Query()
	for param, header := range responseOverrides {
		v, ok := q[param]
		if !ok {
			continue
		}
		if !signed {
			writeError(w, r, http.StatusBadRequest, "InvalidRequest", "Request specific response headers cannot be used for anonymous GET requests.")
			return false
		}
		w.Header().Set(header, v[0])
	}
	return true
}
