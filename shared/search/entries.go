package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The index is a set of posting lists. A list is one partition of the
// search table, named by the inbox and a term (messages) or a prefix
// (contact cards); its items are the documents that contain it, sorted by
// Key, so a list read backwards is newest first. Which documents a list
// holds depends on the inbox in its name only: an agent's search reads the
// lists of the agent's inboxes and nothing else.
//
//	list (pk)                    key (sk)
//	TERM#<inbox>#<term>          <at>#<conversation>#<seq>   a message or note
//	NAME#<inbox>#<prefix>        <created>#<conversation>#000000000000   the contact card of a conversation
//
// Each document also has one item listing the lists it was written to, so
// that deleting it (a message erased, a contact renamed, a conversation
// past its retention) removes exactly what was written, whatever version
// of this package wrote it:
//
//	DOC#<conversation>           MSG#<seq> | CONTACT

// Key orders documents: the time they happened (RFC 3339, milliseconds,
// UTC), the conversation and the message's seq (12 digits, 0 for the
// contact card). Keys compare as strings in time order.
type Key string

const keyTime = "2006-01-02T15:04:05.000Z07:00"

// NewKey returns the key of a document.
func NewKey(at time.Time, conversationID string, seq int64) Key {
	return Key(fmt.Sprintf("%s#%s#%012d", at.UTC().Format(keyTime), conversationID, seq))
}

// ParseKey checks a key that came from outside (a page cursor).
func ParseKey(s string) (Key, error) {
	if _, _, _, ok := Key(s).parts(); !ok {
		return "", fmt.Errorf("%w: the cursor is not one this search returned", ErrInvalid)
	}
	return Key(s), nil
}

// parts splits a key into its time, conversation and seq; ok is false
// unless NewKey would have made it.
func (k Key) parts() (at time.Time, cid string, seq int64, ok bool) {
	when, rest, ok := strings.Cut(string(k), "#")
	if !ok {
		return time.Time{}, "", 0, false
	}
	cid, digits, ok := strings.Cut(rest, "#")
	at, err := time.Parse(keyTime, when)
	if !ok || err != nil || !validID(cid) || len(digits) != 12 {
		return time.Time{}, "", 0, false
	}
	seq, err = strconv.ParseInt(digits, 10, 64)
	if err != nil || seq < 0 || NewKey(at, cid, seq) != k {
		return time.Time{}, "", 0, false
	}
	return at, cid, seq, true
}

// conversation is the conversation id in k.
func (k Key) conversation() string {
	_, rest, _ := strings.Cut(string(k), "#")
	cid, _, _ := strings.Cut(rest, "#")
	return cid
}

// validID accepts the ids the table uses (UUIDs, "main"): no '#', which
// separates the parts of a key, and nothing a key could not hold.
func validID(id string) bool {
	return id != "" && len(id) <= 64 && utf8.ValidString(id) && !strings.ContainsAny(id, "# \t\r\n")
}

// TermList names the posting list of a message term in an inbox.
func TermList(inbox, term string) string { return "TERM#" + inbox + "#" + term }

// NameList names the posting list of a contact prefix in an inbox.
func NameList(inbox, prefix string) string { return "NAME#" + inbox + "#" + prefix }

// Entries is what one document puts in the index: a posting with sort key
// Key in each of Lists, and the document item (DocPK, DocSK) that lists
// them for deletion. No Lists: the document has nothing to find it by, and
// nothing is written.
type Entries struct {
	Key   Key
	Lists []string
	DocPK string
	DocSK string
}

// Message is a text message or an internal note as the indexer reads it
// from the table's stream. Notes are indexed like messages: only agents
// can search, and the search answers only from their inboxes.
type Message struct {
	InboxID        string
	ConversationID string
	Seq            int64
	At             time.Time
	Body           string
}

// MessageEntries returns the postings of a message: one per distinct term
// of its body (at most MaxTerms).
func MessageEntries(m Message) (Entries, error) {
	if !validID(m.InboxID) || !validID(m.ConversationID) || m.Seq < 1 || m.At.IsZero() {
		return Entries{}, fmt.Errorf("%w: message %q seq %d in inbox %q", ErrInvalid, m.ConversationID, m.Seq, m.InboxID)
	}
	e := Entries{
		Key:   NewKey(m.At, m.ConversationID, m.Seq),
		DocPK: "DOC#" + m.ConversationID,
		DocSK: fmt.Sprintf("MSG#%012d", m.Seq),
	}
	for _, t := range Terms(m.Body) {
		e.Lists = append(e.Lists, TermList(m.InboxID, t))
	}
	return e, nil
}

// Contact is the contact card of one conversation: who the visitor is, as
// far as anyone knows. Its time is the conversation's start.
type Contact struct {
	InboxID        string
	ConversationID string
	CreatedAt      time.Time
	Name           string
	Email          string
}

// ContactEntries returns the postings of a contact card: one per prefix
// (1 to MaxPrefixRunes characters) of every token of the name and the
// email address, so a name or an address is found while it is typed.
func ContactEntries(c Contact) (Entries, error) {
	if !validID(c.InboxID) || !validID(c.ConversationID) || c.CreatedAt.IsZero() {
		return Entries{}, fmt.Errorf("%w: contact of %q in inbox %q", ErrInvalid, c.ConversationID, c.InboxID)
	}
	e := Entries{
		Key:   NewKey(c.CreatedAt, c.ConversationID, 0),
		DocPK: "DOC#" + c.ConversationID,
		DocSK: "CONTACT",
	}
	for _, p := range prefixes(c.Name + " " + c.Email) {
		e.Lists = append(e.Lists, NameList(c.InboxID, p))
	}
	return e, nil
}

// prefixes returns the distinct prefixes of the contact tokens of text,
// at most MaxContactLists.
func prefixes(text string) []string {
	var out []string
	seen := make(map[string]bool)
	scan(text, func(c *chunk) {
		c.contactTokens(func(t token) {
			term := cut(t.term, MaxPrefixRunes)
			for i := range term {
				if i > 0 {
					add(&out, seen, term[:i])
				}
			}
			add(&out, seen, term)
		})
	})
	return out
}

func add(out *[]string, seen map[string]bool, p string) {
	if len(*out) < MaxContactLists && !seen[p] {
		seen[p] = true
		*out = append(*out, p)
	}
}
