// Package blob holds attachments of conversations: images and files sent by agents and visitors.
// Files are kept behind a small Store (the database by default, so every node serves every file).
// Their type is sniffed from the bytes against an allow-list, never taken from the client; names
// are cleaned and card numbers in them masked; sizes are limited per file and per uploader and day;
// WriteResponse serves them so that no file can run script in Parley's origin.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/errs"
)

// Blob is a stored file's metadata.
type Blob struct {
	ID             int64 `json:"id"`
	ConversationID int64 `json:"conversation_id,omitempty"` // 0 until attached to a conversation
	// Uploader is "visitor:<id>", "user:<id>" or "inbox:<id>" (VisitorUploader, UserUploader,
	// InboxUploader).
	Uploader    string `json:"-"`
	Name        string `json:"name"`         // cleaned, card numbers masked, extension fitting ContentType
	ContentType string `json:"content_type"` // sniffed from the bytes, one of the allow-list
	Size        int64  `json:"size"`
	Width       int    `json:"width,omitempty"` // images only
	Height      int    `json:"height,omitempty"`
	SHA256      string `json:"sha256"` // hex
	CreatedAt   int64  `json:"created_at"`
}

// IsImage reports whether the blob is a raster image shown inline (png, jpeg, gif, webp).
func (b *Blob) IsImage() bool { return inlineTypes[b.ContentType] }

// Store keeps blobs; internal/store implements it in the database.
type Store interface {
	// PutBlob stores b with data and sets b.ID. A b.ConversationID of 0 stores none (NULL); an
	// unknown conversation fails with errs.NotFound.
	PutBlob(ctx context.Context, b *Blob, data []byte) error
	// GetBlob returns a blob's metadata, or errs.NotFound.
	GetBlob(ctx context.Context, id int64) (*Blob, error)
	// OpenBlob returns a blob's metadata and bytes, or errs.NotFound.
	OpenBlob(ctx context.Context, id int64) (*Blob, []byte, error)
	// AttachBlob sets the conversation of a blob that has none. Attaching it again to the same
	// conversation does nothing; errs.Conflict "attachment_in_other_conversation" when it belongs
	// to another one; errs.NotFound when the blob or the conversation does not exist.
	AttachBlob(ctx context.Context, id, conversationID int64) error
	// UploaderBytesSince sums the sizes of the uploader's blobs created at or after since (unix ms).
	UploaderBytesSince(ctx context.Context, uploader string, since int64) (int64, error)
	// DeleteOrphanBlobs deletes at most limit blobs with no conversation created before olderThan
	// (unix ms) and returns how many it deleted.
	DeleteOrphanBlobs(ctx context.Context, olderThan int64, limit int) (int, error)
}

// Limits bound uploads. Zero values take the defaults.
type Limits struct {
	MaxFileBytes         int64 // largest file accepted; default 10 MiB
	MaxPerUploaderPerDay int64 // bytes one uploader may store in any 24 hours; default 100 MiB
}

const (
	DefaultMaxFileBytes         = 10 << 20
	DefaultMaxPerUploaderPerDay = 100 << 20

	// OrphanAge is how long a blob may wait for the message it was uploaded for.
	OrphanAge = 24 * time.Hour
	// orphanBatch bounds one delete: on SQLite it holds the single writer while it frees every
	// page of the deleted files (about 25 ms per 10 MiB measured), so batches stay small and other
	// writers get their turn in between.
	orphanBatch = 5
	quotaWindow = 24 * time.Hour
)

// VisitorUploader names a visitor as an uploader.
func VisitorUploader(visitorID int64) string { return "visitor:" + strconv.FormatInt(visitorID, 10) }

// UserUploader names an agent (user) as an uploader.
func UserUploader(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// InboxUploader names a channel inbox as the uploader of the files its messages brought (an
// email's attachments).
func InboxUploader(inboxID int64) string { return "inbox:" + strconv.FormatInt(inboxID, 10) }

func validUploader(s string) bool {
	kind, id, ok := strings.Cut(s, ":")
	if !ok || (kind != "visitor" && kind != "user" && kind != "inbox") {
		return false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == id
}

// Service accepts, stores and hands out attachments.
type Service struct {
	st  Store
	lim Limits
	now func() time.Time
}

// New returns a Service storing in st. A nil now means time.Now.
func New(st Store, l Limits, now func() time.Time) *Service {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxPerUploaderPerDay <= 0 {
		l.MaxPerUploaderPerDay = DefaultMaxPerUploaderPerDay
	}
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, lim: l, now: now}
}

// Limits returns the limits in force (defaults filled in), e.g. for an HTTP body limit.
func (s *Service) Limits() Limits { return s.lim }

// Upload reads a file from r and stores it for uploader, in conversationID (0: none yet, to be
// attached when the message is sent). The type is sniffed from the bytes; name only picks among
// types the bytes allow (docx or zip) and is cleaned, masked and given an extension that fits the
// type. Errors: errs.TooLarge "file_too_large", errs.Unsupported "file_type_unsupported",
// errs.RateLimited "upload_quota", errs.Invalid "file_empty", errs.NotFound for an unknown
// conversation.
func (s *Service) Upload(ctx context.Context, uploader string, conversationID int64, name string, r io.Reader) (*Blob, error) {
	if !validUploader(uploader) {
		return nil, fmt.Errorf("blob: invalid uploader %q", uploader)
	}
	if conversationID < 0 {
		return nil, errs.E(errs.Invalid, "invalid conversation id")
	}
	data, err := io.ReadAll(io.LimitReader(r, s.lim.MaxFileBytes+1))
	var mbe *http.MaxBytesError
	if err != nil && !errors.As(err, &mbe) {
		return nil, errs.Wrap(errs.Invalid, err, "the file could not be read")
	}
	// A request body limit of the HTTP layer that ends the file early means it was too large too.
	if mbe != nil || int64(len(data)) > s.lim.MaxFileBytes {
		return nil, errs.Coded(errs.TooLarge, "file_too_large", "the file is larger than %s", humanBytes(s.lim.MaxFileBytes))
	}
	if len(data) == 0 {
		return nil, errs.Coded(errs.Invalid, "file_empty", "the file is empty")
	}
	t, err := sniff(data, name)
	if err != nil {
		return nil, err
	}

	// Checked, not reserved: uploads of one uploader running at the same moment may overshoot
	// the quota by the files in flight, which the HTTP layer's rate limits keep few.
	now := s.now()
	used, err := s.st.UploaderBytesSince(ctx, uploader, now.Add(-quotaWindow).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("blob: upload quota: %w", err)
	}
	if used+int64(len(data)) > s.lim.MaxPerUploaderPerDay {
		return nil, errs.Coded(errs.RateLimited, "upload_quota", "upload limit reached: at most %s of files per day", humanBytes(s.lim.MaxPerUploaderPerDay))
	}

	sum := sha256.Sum256(data)
	b := &Blob{
		ConversationID: conversationID,
		Uploader:       uploader,
		Name:           fileName(name, t.kind),
		ContentType:    t.kind.contentType,
		Size:           int64(len(data)),
		Width:          t.width,
		Height:         t.height,
		SHA256:         hex.EncodeToString(sum[:]),
		CreatedAt:      now.UnixMilli(),
	}
	if err := s.st.PutBlob(ctx, b, data); err != nil {
		return nil, err
	}
	return b, nil
}

// Get returns a blob's metadata. Who may see it is the caller's rule: the uploader while it has
// no conversation, whoever may see its conversation once it has one.
func (s *Service) Get(ctx context.Context, id int64) (*Blob, error) {
	return s.st.GetBlob(ctx, id)
}

// Open returns a blob with its bytes; the same rule as Get applies.
func (s *Service) Open(ctx context.Context, id int64) (*Blob, []byte, error) {
	return s.st.OpenBlob(ctx, id)
}

// Attach puts a blob uploaded by uploader into a conversation, when the message carrying it is
// sent. Only the uploader may attach its blob (ids are sequential and guessable; without this a
// visitor could pull another's upload into their own conversation): for anyone else the blob does
// not exist (errs.NotFound). Attaching again to the same conversation succeeds;
// errs.Conflict "attachment_in_other_conversation" when it is in another one.
func (s *Service) Attach(ctx context.Context, id, conversationID int64, uploader string) error {
	if conversationID <= 0 {
		return errs.E(errs.Invalid, "invalid conversation id")
	}
	b, err := s.st.GetBlob(ctx, id)
	if err != nil {
		return err
	}
	if b.Uploader != uploader {
		return errs.E(errs.NotFound, "attachment not found")
	}
	return s.st.AttachBlob(ctx, id, conversationID)
}

// CleanOrphans deletes blobs that were never attached to a conversation and are older than
// OrphanAge, in small batches, and returns how many it deleted. It is idempotent, so running it
// on several nodes at once does no harm.
func (s *Service) CleanOrphans(ctx context.Context) (int, error) {
	before := s.now().Add(-OrphanAge).UnixMilli()
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := s.st.DeleteOrphanBlobs(ctx, before, orphanBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("blob: clean orphans: %w", err)
		}
		if n < orphanBatch {
			return total, nil
		}
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
