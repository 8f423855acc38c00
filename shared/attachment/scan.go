package attachment

import (
	"context"
	"errors"
	"fmt"

	"github.com/parleychat/parley/shared/chat"
)

// Malware scanning (optional): GuardDuty Malware Protection for S3 scans
// every new object under attachments/ and tags it with its verdict. With
// scanning on, a file is served (downloaded, linked, attached to an email)
// only once its verdict is NO_THREATS_FOUND: a threat found, a scan that
// could not run and a scan not finished yet all keep it back, each with
// its own answer so the thread can say why.

// ScanTag is the tag GuardDuty sets on a scanned object.
const ScanTag = "GuardDutyMalwareScanStatus"

// ServeScanned makes the bucket serve only files a malware scan found
// clean (the MalwareScanning parameter).
func ServeScanned() Option {
	return func(b *Bucket) { b.scanned = true }
}

// Refusals of a file that is there but not served.
var (
	errInfected  = &chat.Error{Kind: chat.ErrBlocked, Message: "this file is not available: the malware scan found a threat in it"}
	errUnscanned = &chat.Error{Kind: chat.ErrBlocked, Message: "this file is not available: it could not be scanned for malware"}
	errScanning  = &chat.Error{Kind: chat.ErrPending, Message: "this file is being scanned for malware; try again in a few seconds"}
)

// servable checks that key exists and, with scanning on, that its scan
// found it clean. With scanning on the tags answer both in one call.
func (b *Bucket) servable(ctx context.Context, key string) error {
	if !b.scanned {
		_, err := b.objects.Head(ctx, key)
		if errors.Is(err, chat.ErrNotFound) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("attachment %s: %w", key, err)
		}
		return nil
	}
	tags, err := b.objects.Tags(ctx, key)
	if errors.Is(err, chat.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return fmt.Errorf("tags of attachment %s: %w", key, err)
	}
	verdict, ok := tags[ScanTag]
	switch {
	case !ok:
		return errScanning
	case verdict == "NO_THREATS_FOUND":
		return nil
	case verdict == "THREATS_FOUND":
		return errInfected
	}
	// UNSUPPORTED (encrypted archives, say), ACCESS_DENIED, FAILED.
	return errUnscanned
}
