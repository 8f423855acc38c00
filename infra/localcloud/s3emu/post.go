package s3emu

import (
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Browser uploads by POST (POST Object, AWS Signature Version 4): a
// multipart/form-data form whose fields name the key, carry a base64
// policy and its signature, and end with the file. S3 checks the
// signature, then the policy (expiration and every condition), and that
// the policy covers every field of the form; so does this, with S3's
// status codes and error documents.

// maxPreData bounds the form before the file, as S3 does (20 KB).
const maxPreData = 20 << 10

// postForm is an upload's form, read up to its file.
type postForm struct {
	fields   map[string]string // by lower-case name; repeats joined by commas, as S3 does
	names    []string          // lower-case field names in form order, each once
	filename string            // the file's name, without any folder the browser sent
	data     []byte
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, bucket string) {
	form, e := readPostForm(r)
	if e == nil {
		e = form.expand()
	}
	if e == nil {
		e = s.checkPost(bucket, form)
	}
	if e != nil {
		e.write(w, r)
		return
	}
	key := form.fields["key"]
	o := Object{Data: form.data, ContentType: form.fields["content-type"], ContentDisposition: form.fields["content-disposition"]}
	for _, name := range form.names {
		if meta, ok := strings.CutPrefix(name, metaPrefix); ok {
			if o.Metadata == nil {
				o.Metadata = map[string]string{}
			}
			o.Metadata[meta] = form.fields[name]
		}
	}
	stored, err := s.put(bucket, key, o)
	if err != nil {
		writeError(w, r, http.StatusNotFound, "NoSuchBucket", err.Error())
		return
	}
	// Location names the object where the form was posted.
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path, _, _ := strings.Cut(r.RequestURI, "?")
	location := scheme + "://" + r.Host + strings.TrimSuffix(path, "/") + "/" + escapeKey(key)
	s.setExpiration(w.Header(), bucket, key, stored)
	w.Header().Set("ETag", stored.ETag)
	w.Header().Set("Location", location)

	redirect, ok := form.fields["success_action_redirect"]
	if !ok {
		redirect = form.fields["redirect"]
	}
	if u, err := url.Parse(redirect); redirect != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		q := u.Query()
		q.Set("bucket", bucket)
		q.Set("key", key)
		q.Set("etag", stored.ETag)
		u.RawQuery = q.Encode()
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	switch form.fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, xml.Header)
		_ = xml.NewEncoder(w).Encode(postResponse{Location: location, Bucket: bucket, Key: key, ETag: stored.ETag})
	default: // S3 answers 204 for no value and for any value but 200 and 201
		w.WriteHeader(http.StatusNoContent)
	}
}

// postResponse is the document of a 201 answer.
type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// readPostForm reads the fields of an upload up to its file and the
// file; fields after the file are ignored, as S3 ignores them.
func readPostForm(r *http.Request) (*postForm, *s3Error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &s3Error{status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
			Message:   "At least one of the pre-conditions you specified did not hold",
			Condition: "Bucket POST must be of the enclosure-type multipart/form-data"}
	}
	malformed := &s3Error{status: http.StatusBadRequest, Code: "MalformedPOSTRequest",
		Message: "The body of your POST request is not well-formed multipart/form-data."}
	mr := multipart.NewReader(r.Body, params["boundary"])
	f := &postForm{fields: map[string]string{}}
	preData := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &s3Error{status: http.StatusBadRequest, Code: "InvalidArgument",
				Message: "POST requires exactly one file upload per request.", ArgumentName: "file", ArgumentValue: "0"}
		}
		if err != nil {
			return nil, malformed
		}
		name := strings.ToLower(part.FormName())
		if name == "" {
			return nil, malformed
		}
		if name == "file" {
			_, disposition, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
			f.filename = disposition["filename"]
			if i := strings.LastIndexAny(f.filename, `/\`); i >= 0 {
				f.filename = f.filename[i+1:]
			}
			data, err := io.ReadAll(io.LimitReader(part, MaxObjectBytes+1))
			if err != nil {
				return nil, malformed
			}
			if len(data) > MaxObjectBytes {
				return nil, tooLarge(max(r.ContentLength, int64(len(data))), MaxObjectBytes)
			}
			f.data = data
			return f, nil
		}
		value, err := io.ReadAll(io.LimitReader(part, int64(maxPreData-preData)+1))
		if err != nil {
			return nil, malformed
		}
		if preData += len(name) + len(value); preData > maxPreData {
			return nil, &s3Error{status: http.StatusBadRequest, Code: "MaxPostPreDataLengthExceeded",
				Message: "Your POST request fields preceeding the upload file was too large.", MaxSizeAllowed: strconv.Itoa(maxPreData)}
		}
		if prev, seen := f.fields[name]; seen {
			f.fields[name] = prev + "," + string(value)
			continue
		}
		f.names = append(f.names, name)
		f.fields[name] = string(value)
	}
}

// expand checks the form names a key and replaces ${filename} in every
// field with the file's name; the policy is matched against the result.
func (f *postForm) expand() *s3Error {
	if _, ok := f.fields["key"]; !ok {
		return missingField("key")
	}
	for _, name := range f.names {
		if name != "policy" && name != "x-amz-signature" {
			f.fields[name] = strings.ReplaceAll(f.fields[name], "${filename}", f.filename)
		}
	}
	if f.fields["key"] == "" {
		return &s3Error{status: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "User key must have a length greater than 0.", ArgumentName: "key"}
	}
	return nil
}

func missingField(name string) *s3Error {
	return &s3Error{status: http.StatusBadRequest, Code: "InvalidArgument",
		Message:      "Bucket POST must contain a field named '" + name + "'.  If it is specified, please check the order of the fields.",
		ArgumentName: name}
}

func tooLarge(proposed, limit int64) *s3Error {
	return &s3Error{status: http.StatusBadRequest, Code: "EntityTooLarge", Message: "Your proposed upload exceeds the maximum allowed size",
		ProposedSize: strconv.FormatInt(proposed, 10), MaxSizeAllowed: strconv.FormatInt(limit, 10)}
}

func tooSmall(proposed, limit int64) *s3Error {
	return &s3Error{status: http.StatusBadRequest, Code: "EntityTooSmall", Message: "Your proposed upload is smaller than the minimum allowed size",
		ProposedSize: strconv.FormatInt(proposed, 10), MinSizeAllowed: strconv.FormatInt(limit, 10)}
}
