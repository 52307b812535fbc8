package blob

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mask"
)

// kind is one entry of the allow-list: a content type we store and serve, and the file name
// extensions that fit it. A name whose extension does not fit gets ext appended, so a download
// never opens as something other than what its bytes are ("run.bat" holding text is saved as
// "run.bat.txt").
type kind struct {
	contentType string
	ext         string   // appended when the name's extension is not in exts
	exts        []string // lower case, with the dot
}

// The allow-list. Anything the bytes do not show to be one of these is refused.
var (
	kindPNG  = &kind{"image/png", ".png", []string{".png"}}
	kindJPEG = &kind{"image/jpeg", ".jpg", []string{".jpg", ".jpeg", ".jpe", ".jfif"}}
	kindGIF  = &kind{"image/gif", ".gif", []string{".gif"}}
	kindWebP = &kind{"image/webp", ".webp", []string{".webp"}}
	kindPDF  = &kind{"application/pdf", ".pdf", []string{".pdf"}}

	textExts    = []string{".txt", ".text", ".log", ".md", ".markdown", ".json", ".tsv"}
	kindText    = &kind{"text/plain; charset=utf-8", ".txt", textExts}
	kindCSV     = &kind{"text/csv; charset=utf-8", ".csv", []string{".csv"}}
	kindText16L = &kind{"text/plain; charset=utf-16le", ".txt", append(textExts[:len(textExts):len(textExts)], ".csv")}
	kindText16B = &kind{"text/plain; charset=utf-16be", ".txt", kindText16L.exts}

	kindZip  = &kind{"application/zip", ".zip", []string{".zip"}}
	kindDOCX = &kind{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", []string{".docx"}}
	kindXLSX = &kind{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", []string{".xlsx"}}
	kindPPTX = &kind{"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", []string{".pptx"}}
	kindODT  = &kind{"application/vnd.oasis.opendocument.text", ".odt", []string{".odt"}}
	kindODS  = &kind{"application/vnd.oasis.opendocument.spreadsheet", ".ods", []string{".ods"}}
	kindODP  = &kind{"application/vnd.oasis.opendocument.presentation", ".odp", []string{".odp"}}

	kindMP4  = &kind{"video/mp4", ".mp4", []string{".mp4", ".m4v", ".m4a"}}
	kindWebM = &kind{"video/webm", ".webm", []string{".webm", ".weba"}}
	kindMP3  = &kind{"audio/mpeg", ".mp3", []string{".mp3"}}
	kindOgg  = &kind{"audio/ogg", ".ogg", []string{".ogg", ".oga", ".opus"}}
	kindWAV  = &kind{"audio/wav", ".wav", []string{".wav"}}

	// kindMarkup is HTML, XML and SVG: accepted, but only ever as a download. Stored as
	// application/octet-stream so no client or later code path takes it for a page or an image;
	// a name with another extension gets ".txt", so opening the download shows the source.
	markupExts = []string{".html", ".htm", ".xhtml", ".xht", ".shtml", ".svg", ".svgz", ".xml", ".mht", ".mhtml"}
	kindMarkup = &kind{"application/octet-stream", ".txt", append(markupExts[:len(markupExts):len(markupExts)], ".txt")}
)

// zipKinds are the documents that are zip files, told apart by their name's extension.
var zipKinds = []*kind{kindDOCX, kindXLSX, kindPPTX, kindODT, kindODS, kindODP}

// inlineTypes are the only types ever served inline: raster images, which browsers render
// without running anything.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// servedTypes are the content types WriteResponse sends as they are; any other stored type is
// sent as application/octet-stream.
var servedTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []*kind{kindPNG, kindJPEG, kindGIF, kindWebP, kindPDF, kindText, kindCSV, kindText16L, kindText16B,
		kindZip, kindDOCX, kindXLSX, kindPPTX, kindODT, kindODS, kindODP, kindMP4, kindWebM, kindMP3, kindOgg, kindWAV} {
		m[k.contentType] = true
	}
	return m
}()

func (k *kind) fits(ext string) bool { return slices.Contains(k.exts, ext) }

// sniffed is what the bytes turned out to be.
type sniffed struct {
	kind          *kind
	width, height int
}

func unsupported(format string, args ...any) error {
	return errs.Coded(errs.Unsupported, "file_type_unsupported", format, args...)
}

const notAllowed = "this type of file is not accepted; send an image (PNG, JPEG, GIF, WebP), a PDF, a text or CSV file, a zip or office document, or an MP4, WebM, MP3, Ogg or WAV file"

// sniff tells what data is from its bytes; name only chooses among kinds the bytes allow (a zip
// named .docx is a Word document) and marks text named .svg or .html as markup.
func sniff(data []byte, name string) (sniffed, error) {
	ext := strings.ToLower(path.Ext(cleanName(name)))
	if isExecutable(data) {
		return sniffed{}, unsupported("executable files are not accepted")
	}
	ct := http.DetectContentType(data)
	switch ct {
	case "image/png":
		return imageConfig(kindPNG, data, png.DecodeConfig)
	case "image/jpeg":
		return imageConfig(kindJPEG, data, jpeg.DecodeConfig)
	case "image/gif":
		return imageConfig(kindGIF, data, gif.DecodeConfig)
	case "image/webp":
		w, h, ok := webpSize(data)
		if !ok {
			return sniffed{}, unsupported("the file looks like a WebP image but cannot be read")
		}
		return sniffed{kindWebP, w, h}, nil
	case "application/pdf":
		return sniffed{kind: kindPDF}, nil
	case "application/zip":
		for _, k := range zipKinds {
			if k.fits(ext) {
				return sniffed{kind: k}, nil
			}
		}
		return sniffed{kind: kindZip}, nil
	case "video/mp4":
		return sniffed{kind: kindMP4}, nil
	case "video/webm":
		return sniffed{kind: kindWebM}, nil
	case "audio/mpeg":
		return sniffed{kind: kindMP3}, nil
	case "application/ogg":
		return sniffed{kind: kindOgg}, nil
	case "audio/wave":
		return sniffed{kind: kindWAV}, nil
	case "text/html; charset=utf-8", "text/xml; charset=utf-8":
		return sniffed{kind: kindMarkup}, nil
	case "text/plain; charset=utf-16le", "text/plain; charset=utf-16be":
		k := kindText16L
		if ct == "text/plain; charset=utf-16be" {
			k = kindText16B
		}
		if slices.Contains(markupExts, ext) {
			k = kindMarkup
		}
		return sniffed{kind: k}, nil
	case "text/plain; charset=utf-8":
		// DetectContentType looked at 512 bytes; the whole file must be text.
		if !isText(data) {
			return sniffed{}, unsupported(notAllowed)
		}
		switch {
		case slices.Contains(markupExts, ext) || looksLikeMarkup(data):
			return sniffed{kind: kindMarkup}, nil
		case ext == ".csv":
			return sniffed{kind: kindCSV}, nil
		}
		return sniffed{kind: kindText}, nil
	}
	// MP3 without an ID3 tag starts with a frame header, which is too weak a signature to trust
	// without the name agreeing.
	if ext == ".mp3" && len(data) >= 4 && data[0] == 0xFF && data[1]&0xE0 == 0xE0 && data[1]&0x06 != 0 {
		return sniffed{kind: kindMP3}, nil
	}
	return sniffed{}, unsupported(notAllowed)
}

func imageConfig(k *kind, data []byte, decode func(io.Reader) (image.Config, error)) (sniffed, error) {
	c, err := decode(bytes.NewReader(data))
	if err != nil || c.Width <= 0 || c.Height <= 0 {
		return sniffed{}, unsupported("the file looks like an image but cannot be read")
	}
	return sniffed{k, c.Width, c.Height}, nil
}

// isExecutable recognises programs by their magic numbers: Windows PE (MZ, binary), ELF,
// Mach-O (and Java class files, which share CAFEBABE) and WebAssembly.
func isExecutable(data []byte) bool {
	if len(data) < 4 {
		return false
	}
	switch string(data[:4]) {
	case "\x7fELF", "\x00asm",
		"\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe":
		return true
	}
	// A text file may start with "MZ"; a PE file has binary bytes in its header.
	return data[0] == 'M' && data[1] == 'Z' && !isText(data[:min(len(data), 512)])
}

// isText reports whether data is UTF-8 without the control bytes DetectContentType counts as
// binary.
func isText(data []byte) bool {
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1B {
			return false
		}
	}
	return utf8.Valid(data)
}

// looksLikeMarkup catches SVG and XML that DetectContentType calls text: a document starting,
// after a BOM and white space, with an SVG, XML or doctype tag.
func looksLikeMarkup(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n\f")
	head := strings.ToLower(string(data[:min(len(data), 16)]))
	for _, p := range []string{"<svg", "<?xml", "<!doctype", "<html", "<!--"} {
		if strings.HasPrefix(head, p) {
			return true
		}
	}
	return false
}

// webpSize reads a WebP image's size from its RIFF header: the first chunk is VP8 (lossy),
// VP8L (lossless) or VP8X (extended, with the canvas size).
func webpSize(data []byte) (w, h int, ok bool) {
	if len(data) < 25 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return 0, 0, false
	}
	chunk := data[20:]
	switch string(data[12:16]) {
	case "VP8 ":
		// Frame tag (3 bytes, bit 0 clear on a key frame), start code 9D 01 2A, then 14-bit
		// width and height, each with 2 bits of scaling above.
		if len(chunk) < 10 || chunk[0]&1 != 0 || chunk[3] != 0x9D || chunk[4] != 0x01 || chunk[5] != 0x2A {
			return 0, 0, false
		}
		w = int(binary.LittleEndian.Uint16(chunk[6:8]) & 0x3FFF)
		h = int(binary.LittleEndian.Uint16(chunk[8:10]) & 0x3FFF)
	case "VP8L":
		// Signature 0x2F, then 14 bits width-1 and 14 bits height-1.
		if chunk[0] != 0x2F {
			return 0, 0, false
		}
		bits := binary.LittleEndian.Uint32(chunk[1:5])
		w = int(bits&0x3FFF) + 1
		h = int(bits>>14&0x3FFF) + 1
	case "VP8X":
		// Flags (1 byte), reserved (3), canvas width-1 and height-1 (24 bits each).
		if len(chunk) < 10 {
			return 0, 0, false
		}
		w = int(le24(chunk[4:7])) + 1
		h = int(le24(chunk[7:10])) + 1
	default:
		return 0, 0, false
	}
	if w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}

func le24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

// MaxNameLen is the longest stored file name, in characters.
const MaxNameLen = 200

// cleanName keeps a usable base name: no directories, no control or invisible characters (a
// right-to-left override would let "gpj.exe" pass for "exe.jpg"), white space made plain, no
// leading or trailing dots and spaces.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		}
		return r
	}, name)
	return strings.Trim(name, " .")
}

// fileName is the name a blob is stored under: cleaned, card numbers masked, with an extension
// that fits k, at most MaxNameLen characters, "file" when nothing is left.
func fileName(name string, k *kind) string {
	// Masked before shortening, so a card number cut in half does not leave its first digits.
	name, _ = mask.String(cleanName(name))
	if name == "" {
		name = "file"
	}
	if !k.fits(strings.ToLower(path.Ext(name))) {
		name += k.ext
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		stem := []rune(strings.TrimSuffix(name, ext))
		stem = stem[:MaxNameLen-utf8.RuneCountInString(ext)]
		name = strings.TrimRight(string(stem), " .") + ext
		if name == ext {
			name = "file" + ext
		}
		// Cutting a long digit run can leave 13–19 digits that pass the Luhn check.
		name, _ = mask.String(name)
	}
	return name
}
