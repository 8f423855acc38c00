package mail_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	parleymail "github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/mail/mailtest"
)

// fileLimit is the limit of one file the tests read with (the email
// channel's).
const fileLimit = 10 << 20

var header = []string{"From: Ada Lovelace <ada@visitor.test>", "To: support@inbound.example.com", "Subject: Re: order 4711", "Message-ID: <big@visitor.test>"}

// photo is n bytes of a file whose every byte depends on its place, so a
// file decoded out of order or cut does not compare equal.
func photo(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>16)
	}
	return b
}

// file is what a test expects of an attachment: its name, and its data
// or that it was too large.
type file struct {
	Name     string
	Data     []byte
	TooLarge bool
}

func files(in *parleymail.Inbound) []file {
	var out []file
	for _, a := range in.Attachments {
		out = append(out, file{a.Filename, a.Data, a.TooLarge})
	}
	return out
}

// TestReadLargeMail: mail of up to SES's 40 MB is read; each file up to
// the limit is kept whole, a larger one is listed as too large without
// its data while the text and the other files are read; only a message
// over 40 MB, or whose text is over the text limit, is refused.
func TestReadLargeMail(t *testing.T) {
	eight, twelve, three := photo(8<<20), photo(12<<20), photo(3<<20)
	text := "Here is the photo of the label; the tracking number is 4711."
	// damaged is the 8 MB file as a relay may pass it on: stray
	// characters in its lines and a footer after its padding.
	damaged := mailtest.File("label.jpg", "image/jpeg", eight)
	damaged.Body = strings.ReplaceAll(damaged.Body, "A\r\n", "A \t*\r\n") + "\r\n-- \r\nScanned by MailGuard\r\n"
	// cut is a mail that ends in the middle of its 8 MB file.
	cut := mailtest.Mail(header, mailtest.Multipart("mixed", mailtest.Text(text), mailtest.File("label.jpg", "image/jpeg", eight)))
	cut = cut[:len(cut)*2/3]
	tests := []struct {
		name      string
		raw       string
		wantText  string
		wantHTML  string
		wantFiles []file
		wantErr   string // the refusal's message (ErrTooLarge)
	}{{
		name: "15 MB: text in two forms, a photo of 8 MB and a file of 3 MB",
		raw: mailtest.Mail(header, mailtest.Multipart("mixed",
			mailtest.Multipart("alternative", mailtest.Text(text), mailtest.HTML("<p>"+text+"</p>")),
			mailtest.File("label.jpg", "image/jpeg", eight), mailtest.File("invoice.pdf", "application/pdf", three))),
		wantText:  text,
		wantHTML:  "<p>" + text + "</p>",
		wantFiles: []file{{"label.jpg", eight, false}, {"invoice.pdf", three, false}},
	}, {
		name: "a file of 12 MB between the text and a small file",
		raw: mailtest.Mail(header, mailtest.Multipart("mixed",
			mailtest.Text(text), mailtest.File("scan.tiff", "image/tiff", twelve), mailtest.File("note.txt", "text/plain", []byte("4711")))),
		wantText:  text,
		wantFiles: []file{{"scan.tiff", nil, true}, {"note.txt", []byte("4711"), false}},
	}, {
		name:      "a mail that is one file of 12 MB",
		raw:       mailtest.Mail(header, mailtest.File("scan.tiff", "image/tiff", twelve)),
		wantFiles: []file{{"scan.tiff", nil, true}},
	}, {
		name: "nested: text and HTML with an inline photo, beside a file of 12 MB",
		raw: mailtest.Mail(header, mailtest.Multipart("mixed",
			mailtest.Multipart("related",
				mailtest.Multipart("alternative", mailtest.Text(text), mailtest.HTML("<p>"+text+`</p><img src="cid:label">`)),
				mailtest.File("label.jpg", "image/jpeg", eight)),
			mailtest.File("scan.tiff", "image/tiff", twelve))),
		wantText:  text,
		wantHTML:  "<p>" + text + `</p><img src="cid:label">`,
		wantFiles: []file{{"label.jpg", eight, false}, {"scan.tiff", nil, true}},
	}, {
		name:      "base64 of 8 MB with stray characters and a footer",
		raw:       mailtest.Mail(header, mailtest.Multipart("mixed", mailtest.Text(text), damaged, mailtest.File("scan.tiff", "image/tiff", twelve))),
		wantText:  text,
		wantFiles: []file{{"label.jpg", eight, false}, {"scan.tiff", nil, true}},
	}, {
		name:     "base64 of 8 MB cut short with its multipart",
		raw:      cut,
		wantText: text,
	}, {
		name:     "text of 9 MB",
		raw:      mailtest.Mail(header, mailtest.Text(strings.Repeat("All work and no play.\n", 9<<20/22))),
		wantText: strings.Repeat("All work and no play.\n", 9<<20/22),
	}, {
		name:    "text of 11 MB",
		raw:     mailtest.Mail(header, mailtest.Multipart("mixed", mailtest.Text(strings.Repeat("All work and no play.\n", 11<<20/22)), mailtest.File("label.jpg", "image/jpeg", three))),
		wantErr: "the text of the message is larger than 10 MB",
	}, {
		name: "texts of 6 MB each, 12 MB together",
		raw: mailtest.Mail(header, mailtest.Multipart("mixed",
			mailtest.Text(strings.Repeat("a", 6<<20)), mailtest.File("label.jpg", "image/jpeg", three), mailtest.Text(strings.Repeat("b", 6<<20)))),
		wantErr: "the text of the message is larger than 10 MB",
	}, {
		name: "over 40 MB",
		raw: mailtest.Mail(header, mailtest.Multipart("mixed",
			mailtest.Text(text), mailtest.File("a.jpg", "image/jpeg", eight), mailtest.File("b.jpg", "image/jpeg", eight),
			mailtest.File("c.jpg", "image/jpeg", eight), mailtest.File("d.jpg", "image/jpeg", eight))),
		wantErr: "the message is larger than 40 MB",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := parleymail.Read(strings.NewReader(tt.raw), parleymail.Limits{File: fileLimit})
			if tt.wantErr != "" {
				if !errors.Is(err, parleymail.ErrTooLarge) || err.Error() != tt.wantErr {
					t.Fatalf("a mail of %d bytes: error %v, want ErrTooLarge: %s", len(tt.raw), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("a mail of %d bytes: %v", len(tt.raw), err)
			}
			if in.From != "ada@visitor.test" || strings.TrimSpace(in.Text) != strings.TrimSpace(tt.wantText) || in.HTML != tt.wantHTML {
				t.Errorf("From %q, text %.80q, HTML %.80q; want ada@visitor.test, %.80q, %.80q", in.From, in.Text, in.HTML, tt.wantText, tt.wantHTML)
			}
			// Compared by size and place of the first difference: a diff of
			// megabytes says nothing.
			got := files(in)
			if diff := cmp.Diff(tt.wantFiles, got, cmp.Comparer(sameBytes)); diff != "" {
				t.Errorf("files differ; got %s, want %s", describe(got), describe(tt.wantFiles))
			}
		})
	}
}

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) }

func describe(fs []file) string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s (%d bytes, too large %v)", f.Name, len(f.Data), f.TooLarge))
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// TestReadReturnsTheReadersError: a mail whose reading fails half way
// (S3's connection lost) is neither read as cut short nor refused: the
// error is the reader's, for the caller to read the mail again.
func TestReadReturnsTheReadersError(t *testing.T) {
	lost := errors.New("connection reset")
	raw := mailtest.Mail(header, mailtest.Multipart("mixed", mailtest.Text("See the photo."), mailtest.File("label.jpg", "image/jpeg", photo(1<<20))))
	for _, at := range []int{10, len(raw) / 2, len(raw) - 10} {
		_, err := parleymail.Read(io.MultiReader(strings.NewReader(raw[:at]), failing{lost}), parleymail.Limits{})
		var refused *parleymail.Error
		if !errors.Is(err, lost) || errors.As(err, &refused) {
			t.Errorf("reading failed after %d bytes: error %v, want the reader's", at, err)
		}
	}
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// TestReadHoldsOneCopyOfEachFile: a mail of 40 MB streamed in (three files
// of 9.6 MB, base64-encoded, and text) is read holding its decoded files
// and little more: never the raw mail, nor a file twice.
func TestReadHoldsOneCopyOfEachFile(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 40 MB")
	}
	const fileSize = 96 << 20 / 10
	r := streamedMail(3, fileSize)
	peak, in, err := peakHeap(func() (*parleymail.Inbound, error) { return parleymail.Read(r, parleymail.Limits{File: fileLimit}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Attachments) != 3 || len(in.Attachments[2].Data) != fileSize || in.Text != "Three scans." {
		t.Fatalf("read %d files, text %q", len(in.Attachments), in.Text)
	}
	t.Logf("a mail of %.1f MB with %.1f MB of files: peak heap %.1f MB above the test's", mb(r.n), mb(3*fileSize), mb(peak))
	// The files (28.8 MB), what io.ReadAll grows them to and the garbage
	// the collector lets grow beside them (GOGC=100) come to about 55 MB;
	// a copy of the raw mail more would pass this.
	if limit := 80 << 20; peak > limit {
		t.Errorf("peak heap %.1f MB, want at most %.1f MB", mb(peak), mb(limit))
	}
}

func mb(n int) float64 { return float64(n) / (1 << 20) }

// streamedMail is a mail of n files of size bytes each, written as it is
// read, so that the test holds none of it.
func streamedMail(n, size int) *countingReader {
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, strings.Join(header, "\r\n")+"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"+
			"--B\r\nContent-Type: text/plain\r\n\r\nThree scans.\r\n")
		line := make([]byte, 57) // 76 characters of base64
		for i := range n {
			fmt.Fprintf(pw, "--B\r\nContent-Type: image/tiff\r\nContent-Disposition: attachment; filename=\"scan%d.tiff\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
			for left := size; left > 0; left -= len(line) {
				chunk := line[:min(left, len(line))]
				for j := range chunk {
					chunk[j] = byte(left + j)
				}
				_, _ = io.WriteString(pw, base64.StdEncoding.EncodeToString(chunk)+"\r\n")
			}
		}
		_, _ = io.WriteString(pw, "--B--\r\n")
		pw.Close()
	}()
	return &countingReader{r: pr}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// peakHeap runs read and returns the most bytes of heap objects seen
// above those before it, sampled every 200 µs.
func peakHeap(read func() (*parleymail.Inbound, error)) (int, *parleymail.Inbound, error) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() int {
		metrics.Read(sample)
		return int(sample[0].Value.Uint64())
	}
	runtime.GC()
	base := heap()
	done := make(chan struct{})
	peaked := make(chan int)
	go func() {
		peak := 0
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, heap()-base)
			select {
			case <-done:
				peaked <- peak
				return
			case <-tick.C:
			}
		}
	}()
	in, err := read()
	close(done)
	return <-peaked, in, err
}

// TestReadRefusesHugeHeaders: a mail of up to 40 MB that is all header
// lines (anyone can send one) is refused for its headers, holding little:
// read whole, its header fields alone take several times the mail's size
// in memory, more than the inbound function has.
func TestReadRefusesHugeHeaders(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 39 MB")
	}
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		_, _ = w.WriteString(strings.Join(header, "\r\n") + "\r\n")
		for i, n := 0, 0; n < 39<<20; i++ {
			k, _ := fmt.Fprintf(w, "X-%d: y\r\n", i)
			n += k
		}
		_, _ = w.WriteString("\r\nHello.\r\n")
		_ = w.Flush()
		pw.Close()
	}()
	peak, in, err := peakHeap(func() (*parleymail.Inbound, error) { return parleymail.Read(pr, parleymail.Limits{File: fileLimit}) })
	if !errors.Is(err, parleymail.ErrTooLarge) || in != nil {
		t.Errorf("Read: error %v, mail read %v; want the mail refused for its headers", err, in != nil)
	}
	if limit := 40 << 20; peak > limit {
		t.Errorf("peak heap %.1f MB, want at most %.1f MB", mb(peak), mb(limit))
	}
}
