// Package s3emu is the local cloud's S3: an in-memory, path-style
// S3-compatible endpoint (PutObject, GetObject, HeadObject, DeleteObject,
// ListObjectsV2, CopyObject, DeleteObjects, object tags, and browser
// uploads by POST under a signed policy) for
// the template's buckets, with their lifecycle expiration and CORS rules,
// reached by the functions' S3 clients through AWS_ENDPOINT_URL_S3 and by
// browsers on an origin of its own.
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

	"github.com/parleychat/parley/infra/localcloud/template"
)

// MaxObjectBytes bounds one object (raw mail is at most 40 MB at SES).
const MaxObjectBytes = 64 << 20

// Object is a stored object.
type Object struct {
	Data               []byte
	ContentType        string
	ContentDisposition string
	CacheControl       string
	// Metadata is the user metadata (x-amz-meta-*), by lower-case name
	// without the prefix, as the SDK hands it out.
	Metadata map[string]string
	// Tags are the object's tags (at most 10), by key.
	Tags         map[string]string
	ETag         string
	LastModified time.Time
}

// Server holds buckets of objects and serves them over HTTP.
type Server struct {
	mu      sync.Mutex
	buckets map[string]*bucket

	// credentials (access key -> secret) check presigned URLs and POST
	// policies; with private set, a read or an upload with no signature
	// at all is refused.
	credentials map[string]string
	private     bool
	// now is S3's clock: signatures expire, objects are written and
	// lifecycle rules expire them by it.
	now func() time.Time
	// scan, when set, tags every object as it is created (Scan).
	scan func(bucket, key string, data []byte) map[string]string
}

type bucket struct {
	objects map[string]Object
	config  template.BucketConfig
}

// Private makes the buckets private, as S3's are: a read must be signed
// (the SDK's Authorization header, not checked here) or presigned with one
// of credentials (access key id -> secret key), which is checked, expiry
// included, against now (nil: time.Now), and so must a POST upload's
// policy.
func (s *Server) Private(credentials map[string]string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s.credentials, s.private, s.now = credentials, true, now
	return s
}

// New returns a Server with the given buckets.
func New(buckets ...string) *Server {
	s := &Server{buckets: map[string]*bucket{}, now: time.Now}
	for _, b := range buckets {
		s.buckets[b] = &bucket{objects: map[string]Object{}}
	}
	return s
}

// Configure gives a bucket the lifecycle expiration and CORS rules of its
// template resource.
func (s *Server) Configure(name string, cfg template.BucketConfig) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[name]
	if !ok {
		return fmt.Errorf("s3emu: no bucket %q", name)
	}
	b.config = cfg
	return nil
}

// Scan makes every object created from now on (put, posted or copied) get
// the tags scan returns for it, added to its own: the local stand-in for
// a service that scans new objects and tags them, as GuardDuty Malware
// Protection for S3 does.
func (s *Server) Scan(scan func(bucket, key string, data []byte) map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scan = scan
}

// Put stores an object directly (the local SES receipt rule's S3 action).
func (s *Server) Put(bucket, key string, o Object) error {
	_, err := s.put(bucket, key, o)
	return err
}

// put stores an object and returns it as stored.
func (s *Server) put(bucket, key string, o Object) (Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return o, fmt.Errorf("s3emu: no bucket %q", bucket)
	}
	sum := md5.Sum(o.Data)
	o.ETag = `"` + hex.EncodeToString(sum[:]) + `"`
	if o.LastModified.IsZero() {
		o.LastModified = s.now().UTC()
	}
	if s.scan != nil {
		if verdict := s.scan(bucket, key, o.Data); len(verdict) > 0 {
			tags := make(map[string]string, len(o.Tags)+len(verdict))
			for k, v := range o.Tags {
				tags[k] = v
			}
			for k, v := range verdict {
				tags[k] = v
			}
			o.Tags = tags
		}
	}
	b.objects[key] = o
	return o, nil
}

// Get returns an object.
func (s *Server) Get(bucket, key string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return Object{}, false
	}
	return s.object(b, key)
}

// Keys lists a bucket's keys under prefix, sorted.
func (s *Server) Keys(bucket, prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return nil
	}
	var keys []string
	for k := range b.objects {
		if _, live := s.object(b, k); live && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// s3Error is S3's error document; the optional elements are the ones
// some codes add.
type s3Error struct {
	XMLName        xml.Name `xml:"Error"`
	Code           string   `xml:"Code"`
	Message        string   `xml:"Message"`
	ArgumentName   string   `xml:"ArgumentName,omitempty"`
	ArgumentValue  string   `xml:"ArgumentValue,omitempty"`
	Condition      string   `xml:"Condition,omitempty"`
	ProposedSize   string   `xml:"ProposedSize,omitempty"`
	MinSizeAllowed string   `xml:"MinSizeAllowed,omitempty"`
	MaxSizeAllowed string   `xml:"MaxSizeAllowed,omitempty"`
	Method         string   `xml:"Method,omitempty"`
	ResourceType   string   `xml:"ResourceType,omitempty"`
	Resource       string   `xml:"Resource"`
	status         int
}

func (e *s3Error) write(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	if r.Method == http.MethodHead {
		return
	}
	e.Resource = r.URL.Path
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(e)
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	(&s3Error{status: status, Code: code, Message: msg}).write(w, r)
}

// ServeHTTP answers path-style requests: /{bucket}/{key}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	name, key, _ := strings.Cut(p, "/")
	if k, err := url.PathUnescape(key); err == nil {
		key = k
	}
	s.mu.Lock()
	b, exists := s.buckets[name]
	var cors []template.CORSRule
	if exists {
		cors = b.config.CORS
	}
	s.mu.Unlock()
	if !exists {
		writeError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	if r.Method == http.MethodOptions {
		preflight(w, r, cors, key == "")
		return
	}
	allowCORS(w, r, cors)
	if key == "" {
		switch {
		case r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2":
			s.list(w, name, r.URL.Query().Get("prefix"))
		case r.Method == http.MethodPost && r.URL.Query().Has("delete"):
			s.deleteObjects(w, r, name)
		case r.Method == http.MethodPost:
			s.post(w, r, name)
		default:
			writeError(w, r, http.StatusNotImplemented, "NotImplemented", "the local S3 serves object operations, POST uploads, DeleteObjects and ListObjectsV2")
		}
		return
	}
	tags := r.URL.Query().Has("tagging")
	switch {
	case tags && r.Method == http.MethodGet:
		s.getTagging(w, r, name, key)
		return
	case tags && r.Method == http.MethodPut:
		s.putTagging(w, r, name, key)
		return
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		s.copyObject(w, r, name, key)
		return
	}
	switch r.Method {
	case http.MethodPut:
		data, err := readBody(r)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		objectTags, e := parseTagHeader(r.Header.Get("X-Amz-Tagging"))
		if e != nil {
			e.write(w, r)
			return
		}
		o := Object{
			Data: data, ContentType: r.Header.Get("Content-Type"), ContentDisposition: r.Header.Get("Content-Disposition"),
			CacheControl: r.Header.Get("Cache-Control"), Metadata: metadataOf(r.Header), Tags: objectTags,
		}
		stored, err := s.put(name, key, o)
		if err != nil {
			writeError(w, r, http.StatusNotFound, "NoSuchBucket", err.Error())
			return
		}
		s.setExpiration(w.Header(), name, key, stored)
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
		o, ok := s.Get(name, key)
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
		if o.CacheControl != "" {
			w.Header().Set("Cache-Control", o.CacheControl)
		}
		if !applyOverrides(w, r, signed) {
			return
		}
		for k, v := range o.Metadata {
			w.Header().Set(metaPrefix+k, v)
		}
		s.setExpiration(w.Header(), name, key, o)
		if len(o.Tags) > 0 {
			w.Header().Set("X-Amz-Tagging-Count", strconv.Itoa(len(o.Tags)))
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
		delete(b.objects, key)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "method not allowed")
	}
}

// metaPrefix starts the name of every user metadata header and form field.
const metaPrefix = "x-amz-meta-"

// metadataOf collects the user metadata headers of a PutObject.
func metadataOf(h http.Header) map[string]string {
	var md map[string]string
	for k, v := range h {
		if name, ok := strings.CutPrefix(strings.ToLower(k), metaPrefix); ok {
			if md == nil {
				md = map[string]string{}
			}
			md[name] = strings.Join(v, ",")
		}
	}
	return md
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
