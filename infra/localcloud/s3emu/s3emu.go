// Package s3emu is the local cloud's S3: an in-memory, path-style
// S3-compatible endpoint (PutObject, GetObject, HeadObject, DeleteObject,
// ListObjectsV2) for the template's buckets, reached by the functions'
// S3 clients through AWS_ENDPOINT_URL_S3.
package s3emu

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxObjectBytes bounds one object (raw mail is at most 40 MB at SES).
const MaxObjectBytes = 64 << 20

// Object is a stored object.
type Object struct {
	Data               []byte
	ContentType        string
	ContentDisposition string
	ETag               string
	LastModified       time.Time
}

// Server holds buckets of objects and serves them over HTTP.
type Server struct {
	mu      sync.RWMutex
	buckets map[string]map[string]Object

	// credentials (access key -> secret) check presigned URLs; with
	// private set, a read with no signature at all is refused.
	credentials map[string]string
	private     bool
	now         func() time.Time
}

// Private makes the buckets private, as S3's are: a read must be signed
// (the SDK's Authorization header, not checked here) or presigned with one
// of credentials (access key id -> secret key), which is checked, expiry
// included, against now (nil: time.Now).
func (s *Server) Private(credentials map[string]string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s.credentials, s.private, s.now = credentials, true, now
	return s
}

// New returns a Server with the given buckets.
func New(buckets ...string) *Server {
	s := &Server{buckets: map[string]map[string]Object{}, now: time.Now}
	for _, b := range buckets {
		s.buckets[b] = map[string]Object{}
	}
	return s
}

// Put stores an object directly (the local SES receipt rule's S3 action).
func (s *Server) Put(bucket, key string, o Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return fmt.Errorf("s3emu: no bucket %q", bucket)
	}
	sum := md5.Sum(o.Data)
	o.ETag = `"` + hex.EncodeToString(sum[:]) + `"`
	if o.LastModified.IsZero() {
		o.LastModified = time.Now().UTC()
	}
	b[key] = o
	return nil
}

// Get returns an object.
func (s *Server) Get(bucket, key string) (Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.buckets[bucket][key]
	return o, ok
}

// Keys lists a bucket's keys under prefix, sorted.
func (s *Server) Keys(bucket, prefix string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var keys []string
	for k := range s.buckets[bucket] {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

type s3Error struct {
	XMLName  xml.Name `xml:"Error"`
	Code     string   `xml:"Code"`
	Message  string   `xml:"Message"`
	Resource string   `xml:"Resource"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_ = xml.NewEncoder(w).Encode(s3Error{Code: code, Message: msg, Resource: r.URL.Path})
}

// ServeHTTP answers path-style requests: /{bucket}/{key}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(p, "/")
	if k, err := url.PathUnescape(key); err == nil {
		key = k
	}
	s.mu.RLock()
	_, exists := s.buckets[bucket]
	s.mu.RUnlock()
	if !exists {
		writeError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	if key == "" {
		if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
			s.list(w, bucket, r.URL.Query().Get("prefix"))
			return
		}
		writeError(w, r, http.StatusNotImplemented, "NotImplemented", "the local S3 serves object operations and ListObjectsV2")
		return
	}
	switch r.Method {
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			writeError(w, r, http.StatusNotImplemented, "NotImplemented", "CopyObject is not served locally")
			return
		}
		data, err := readBody(r)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		o := Object{Data: data, ContentType: r.Header.Get("Content-Type"), ContentDisposition: r.Header.Get("Content-Disposition")}
		if err := s.Put(bucket, key, o); err != nil {
			writeError(w, r, http.StatusNotFound, "NoSuchBucket", err.Error())
			return
		}
		stored, _ := s.Get(bucket, key)
		w.Header().Set("ETag", stored.ETag)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		signed := r.Header.Get("Authorization") != ""
		if presigned(r) {
			if code, msg := s.checkPresigned(r); code != "" {
				writeError(w, r, http.StatusForbidden, code, msg)
				return
			}
			signed = true
		}
		if s.private && !signed {
			writeError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
			return
		}
		o, ok := s.Get(bucket, key)
		if !ok {
			writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		if o.ContentType == "" {
			o.ContentType = "binary/octet-stream"
		}
		w.Header().Set("Content-Type", o.ContentType)
		if o.ContentDisposition != "" {
			w.Header().Set("Content-Disposition", o.ContentDisposition)
		}
		if !applyOverrides(w, r, signed) {
			return
		}
		w.Header().Set("ETag", o.ETag)
		w.Header().Set("Last-Modified", o.LastModified.Format(http.TimeFormat))
		w.Header().Set("Content-Length", strconv.Itoa(len(o.Data)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(o.Data)
		}
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.buckets[bucket], key)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "method not allowed")
	}
}

// readBody reads a PutObject body, decoding the aws-chunked encoding the
// SDKs use to stream bodies with trailing checksums.
func readBody(r *http.Request) ([]byte, error) {
	body := io.LimitReader(r.Body, MaxObjectBytes+1)
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if !chunked {
		data, err := io.ReadAll(body)
		if err == nil && len(data) > MaxObjectBytes {
			err = fmt.Errorf("object larger than %d bytes", MaxObjectBytes)
		}
		return data, err
	}
	var out bytes.Buffer
	br := bufio.NewReader(body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil || n < 0 || int64(out.Len())+n > MaxObjectBytes {
			return nil, fmt.Errorf("aws-chunked body: bad chunk size %q", sizeHex)
		}
		if n == 0 {
			return out.Bytes(), nil // trailers follow; they are not kept
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
		if _, err := br.ReadString('\n'); err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
	}
}

type listResult struct {
	XMLName  xml.Name `xml:"ListBucketResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Name     string   `xml:"Name"`
	Prefix   string   `xml:"Prefix"`
	KeyCount int      `xml:"KeyCount"`
	MaxKeys  int      `xml:"MaxKeys"`
	Trunc    bool     `xml:"IsTruncated"`
	Contents []struct {
		Key          string `xml:"Key"`
		Size         int    `xml:"Size"`
		ETag         string `xml:"ETag"`
		LastModified string `xml:"LastModified"`
	} `xml:"Contents"`
}

func (s *Server) list(w http.ResponseWriter, bucket, prefix string) {
	res := listResult{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Name: bucket, Prefix: prefix, MaxKeys: 1000}
	for _, k := range s.Keys(bucket, prefix) {
		o, _ := s.Get(bucket, k)
		res.Contents = append(res.Contents, struct {
			Key          string `xml:"Key"`
			Size         int    `xml:"Size"`
			ETag         string `xml:"ETag"`
			LastModified string `xml:"LastModified"`
		}{k, len(o.Data), o.ETag, o.LastModified.Format(time.RFC3339)})
	}
	res.KeyCount = len(res.Contents)
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(res)
}
