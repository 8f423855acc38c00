package config

import (
	"net/url"
	"os"
	"strings"
)

// Mail is the environment of the email channel (template.yaml Globals).
type Mail struct {
	// SenderAddress is the verified address emails come from unless a chat
	// channel chooses another.
	SenderAddress string
	// SenderDomain is the verified domain every sender address must be at
	// (MAIL_SENDER_DOMAIN; default: SenderAddress's domain).
	SenderDomain string
	// InboundDomain receives replies: reply+<token>@InboundDomain.
	InboundDomain string
	// MailBucket keeps raw inbound mail (under InboundPrefix) and email
	// attachments.
	MailBucket       string
	InboundPrefix    string
	ConfigurationSet string
	// FilesURL is the origin attachments are downloaded from
	// (FILES_BASE_URL, files.go); nil keeps the bucket's own.
	FilesURL *url.URL
	// InboxURL is where the inbox is served (INBOX_URL, inbox.go), for
	// the links of emails to agents; nil where no function sends them.
	InboxURL *url.URL
	// FileLinkURL is the widget's page the files links of emails point at
	// (FILE_LINK_URL).
	FileLinkURL string
	// RatingURL is the page the survey links of transcripts open, the
	// widget API's /widget/rating (RATING_URL; TranscriptFunction only).
	RatingURL string
}

// LoadMail reads the email channel's variables.
func LoadMail() (Mail, error) { return MailFromLookup(os.LookupEnv) }

// MailFromLookup reads them through lookup, failing with every missing one.
func MailFromLookup(lookup func(string) (string, bool)) (Mail, error) {
	r := &reader{lookup: lookup}
	get := r.required
	m := Mail{
		SenderAddress:    get("MAIL_SENDER_ADDRESS"),
		InboundDomain:    strings.ToLower(get("MAIL_INBOUND_DOMAIN")),
		MailBucket:       get("MAIL_BUCKET"),
		InboundPrefix:    get("MAIL_INBOUND_PREFIX"),
		ConfigurationSet: get("MAIL_CONFIGURATION_SET"),
	}
	if err := r.err(); err != nil {
		return Mail{}, err
	}
	_, m.SenderDomain, _ = strings.Cut(m.SenderAddress, "@")
	if d, ok := lookup("MAIL_SENDER_DOMAIN"); ok && strings.TrimSpace(d) != "" {
		m.SenderDomain = d
	}
	m.SenderDomain = strings.ToLower(strings.TrimSpace(m.SenderDomain))
	files, err := readFilesURL(lookup)
	if err != nil {
		return Mail{}, err
	}
	m.FilesURL = files
	if m.InboxURL, err = readInboxURL(lookup); err != nil {
		return Mail{}, err
	}
	if v, ok := lookup("FILE_LINK_URL"); ok {
		m.FileLinkURL = strings.TrimSpace(v)
	}
	if v, ok := lookup("RATING_URL"); ok {
		m.RatingURL = strings.TrimSpace(v)
	}
	return m, nil
}
