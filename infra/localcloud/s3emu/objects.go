package s3emu

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The object operations beyond put, get and delete that the functions use:
// CopyObject, DeleteObjects, and object tags (GetObjectTagging,
// PutObjectTagging, x-amz-tagging on a put), as S3 answers them.

// maxTags is S3's limit of tags per object.
const maxTags = 10

// copyObject serves PUT with x-amz-copy-source: the source's data, type,
// disposition, metadata and tags (S3's COPY directives) under a new key.
func (s *Server) copyObject(w http.ResponseWriter, r *http.Request, bucket, key string) {
	src := r.Header.Get("X-Amz-Copy-Source")
	if i := strings.Index(src, "?"); i >= 0 {
		src = src[:i] // a versionId: the local S3 keeps no versions
	}
	// S3 decodes the header as a form value: a '+' is a space, so a key
	// with a '+' must name it %2B.
	if unescaped, err := url.QueryUnescape(src); err == nil {
		src = unescaped
	}
	srcBucket, srcKey, ok := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if !ok || srcKey == "" {
		writeError(w, r, http.StatusBadRequest, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
		return
	}
	o, found := s.Get(srcBucket, srcKey)
	if !found {
		writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE") {
		o.ContentType, o.ContentDisposition, o.Metadata = r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"), metadataOf(r.Header)
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Tagging-Directive"), "REPLACE") {
		tags, e := parseTagHeader(r.Header.Get("X-Amz-Tagging"))
		if e != nil {
			e.write(w, r)
			return
		}
		o.Tags = tags
	}
	o.LastModified = time.Time{}
	stored, err := s.put(bucket, key, o)
	if err != nil {
		writeError(w, r, http.StatusNotFound, "NoSuchBucket", err.Error())
		return
	}
	s.setExpiration(w.Header(), bucket, key, stored)
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		ETag         string   `xml:"ETag"`
		LastModified string   `xml:"LastModified"`
	}{ETag: stored.ETag, LastModified: stored.LastModified.Format(time.RFC3339)})
}

// deleteObjects serves POST /{bucket}?delete: up to 1,000 keys at once,
// each answered as deleted whether it existed or not, as S3 does.
func (s *Server) deleteObjects(w http.ResponseWriter, r *http.Request, bucket string) {
	var req struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key string `xml:"Key"`
		} `xml:"Object"`
	}
	if err := xml.NewDecoder(io.LimitReader(r.Body, 2<<20)).Decode(&req); err != nil {
		writeError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		return
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		writeError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		return
	}
	type deleted struct {
		Key string `xml:"Key"`
	}
	res := struct {
		XMLName xml.Name  `xml:"DeleteResult"`
		Xmlns   string    `xml:"xmlns,attr"`
		Deleted []deleted `xml:"Deleted"`
	}{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	s.mu.Lock()
	b := s.buckets[bucket]
	for _, o := range req.Objects {
		delete(b.objects, o.Key)
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deleted{o.Key})
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(res)
}

// tagging is S3's tag document.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  struct {
		Tags []tag `xml:"Tag"`
	} `xml:"TagSet"`
}

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func (s *Server) getTagging(w http.ResponseWriter, r *http.Request, bucket, key string) {
	o, ok := s.Get(bucket, key)
	if !ok {
		writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	doc := tagging{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	keys := make([]string, 0, len(o.Tags))
	for k := range o.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		doc.TagSet.Tags = append(doc.TagSet.Tags, tag{k, o.Tags[k]})
	}
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(doc)
}

func (s *Server) putTagging(w http.ResponseWriter, r *http.Request, bucket, key string) {
	var doc tagging
	if err := xml.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&doc); err != nil {
		writeError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		return
	}
	tags := map[string]string{}
	for _, t := range doc.TagSet.Tags {
		tags[t.Key] = t.Value
	}
	if e := checkTags(tags); e != nil {
		e.write(w, r)
		return
	}
	if !s.setTags(bucket, key, tags) {
		writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Tag sets an object's tags (the local malware scanner's verdicts); it
// reports whether the object exists.
func (s *Server) Tag(bucket, key string, tags map[string]string) bool {
	return s.setTags(bucket, key, tags)
}

func (s *Server) setTags(bucket, key string, tags map[string]string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return false
	}
	o, ok := s.object(b, key)
	if !ok {
		return false
	}
	o.Tags = tags
	b.objects[key] = o
	return true
}

// parseTagHeader reads x-amz-tagging: tags as a URL query.
func parseTagHeader(v string) (map[string]string, *s3Error) {
	if v == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(v)
	if err != nil {
		return nil, &s3Error{status: http.StatusBadRequest, Code: "InvalidArgument", Message: "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", ArgumentName: "x-amz-tagging"}
	}
	tags := map[string]string{}
	for k, v := range q {
		tags[k] = v[0]
	}
	return tags, checkTags(tags)
}

func checkTags(tags map[string]string) *s3Error {
	if len(tags) > maxTags {
		return &s3Error{status: http.StatusBadRequest, Code: "BadRequest", Message: "Object tags cannot be greater than 10"}
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return &s3Error{status: http.StatusBadRequest, Code: "InvalidTag", Message: "The TagKey you have provided is invalid"}
		}
	}
	return nil
}
