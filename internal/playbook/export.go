package playbook

import (
	"github.com/parleyhq/parley/internal/errs"
)

// Export format of a playbook file.
const (
	ExportFormat        = "parley-playbook"
	ExportFormatVersion = 1
)

// Document is a playbook as a file, for moving it between websites or installations. It holds
// what an admin designed, not where it runs: no ids, website, active state or priority.
type Document struct {
	Format        string     `json:"format"`         // always "parley-playbook"
	FormatVersion int        `json:"format_version"` // 1
	Name          string     `json:"name"`
	DelaySeconds  int        `json:"delay_seconds"`
	Targeting     []Rule     `json:"targeting"`
	Appearance    Appearance `json:"appearance"`
	Flow          *Flow      `json:"flow"`
}

// ExportDocument returns p (loaded with its flow) as a document.
func ExportDocument(p *Playbook) *Document {
	rules := append([]Rule{}, p.Targeting...)
	return &Document{Format: ExportFormat, FormatVersion: ExportFormatVersion, Name: p.Name, DelaySeconds: p.DelaySeconds,
		Targeting: rules, Appearance: p.Appearance, Flow: p.Flow.Clone()}
}

// Input returns the document as a playbook to save, refusing a document of another format or a
// newer version. The caller validates it like any other save.
func (d *Document) Input(websiteID int64) (*Input, error) {
	if d.Format != ExportFormat {
		return nil, errs.Coded(errs.Invalid, "format_invalid", "this is not a Parley playbook file (format must be %q)", ExportFormat)
	}
	if d.FormatVersion < 1 || d.FormatVersion > ExportFormatVersion {
		return nil, errs.Coded(errs.Invalid, "format_version_unsupported",
			"playbook files of format version %d cannot be read here; this Parley reads version %d", d.FormatVersion, ExportFormatVersion)
	}
	if d.Flow == nil {
		return nil, errs.Coded(errs.Invalid, "flow_required", "the playbook file has no flow")
	}
	return &Input{WebsiteID: websiteID, Name: d.Name, DelaySeconds: d.DelaySeconds, Targeting: append([]Rule{}, d.Targeting...),
		Appearance: d.Appearance, Flow: d.Flow.Clone()}, nil
}
