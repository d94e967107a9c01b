package disputes

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
)

// Attachments: what a debtor (or staff) may attach to a dispute. The
// content decides, never the name or the browser's claim: a PDF starts
// with "%PDF-"; a PNG or JPEG must decode as one, and is stored as
// encoded again from its pixels, so that nothing but the picture is kept
// (no EXIF with the GPS position or the camera, no comments, no XMP, no
// bytes after the image). Anything else (HTML, SVG, an executable, a
// file renamed to .pdf) is refused with a message that names the file.

// Media types an attachment can have.
const (
	MediaPDF  = "application/pdf"
	MediaPNG  = "image/png"
	MediaJPEG = "image/jpeg"
)

var (
	pdfMagic  = []byte("%PDF-")
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// jpegQuality is what photos are encoded again with: no visible loss.
const jpegQuality = 90

// imageSlots bounds how many images are decoded at once: a large photo
// takes tens of megabytes while it is decoded.
var imageSlots = make(chan struct{}, max(1, runtime.NumCPU()/2))

// fileError is a refusal of one file: a translation key.
type fileError string

func (e fileError) Error() string { return string(e) }

// The reasons a file is refused (translation keys; they get .Name).
const (
	errFileEmpty  fileError = "error.dispute.file.empty"
	errFileSize   fileError = "error.dispute.file.size"
	errFileType   fileError = "error.dispute.file.type"
	errFileBroken fileError = "error.dispute.file.broken"
	errFilePixels fileError = "error.dispute.file.pixels"
)

// CheckFile tells a file's media type from its content and returns the
// bytes to store: a PDF as it came, an image encoded again from its
// pixels (turned upright first when its EXIF says the camera was held
// sideways). A refused file is an *ar.Error with the reason's key; ctx
// ends the wait for a decoding slot.
func CheckFile(ctx context.Context, data []byte) (clean []byte, mediaType string, err error) {
	clean, mediaType, ferr := checkFile(ctx, data)
	if fe, ok := ferr.(fileError); ok {
		return nil, "", ar.Errorf(ar.Invalid, string(fe))
	}
	return clean, mediaType, ferr
}

func checkFile(ctx context.Context, data []byte) ([]byte, string, error) {
	switch {
	case len(data) == 0:
		return nil, "", errFileEmpty
	case len(data) > ar.MaxDisputeFileBytes:
		return nil, "", errFileSize
	case bytes.HasPrefix(data, pdfMagic):
		return data, MediaPDF, nil
	case bytes.HasPrefix(data, pngMagic):
		clean, err := reencode(ctx, data, "png")
		return clean, MediaPNG, err
	case bytes.HasPrefix(data, jpegMagic):
		clean, err := reencode(ctx, data, "jpeg")
		return clean, MediaJPEG, err
	}
	return nil, "", errFileType
}

// reencode decodes an image of format (png or jpeg) and encodes it
// again. Its size is read from the header first: an image too large to
// decode safely is refused before any pixel is.
func reencode(ctx context.Context, data []byte, format string) ([]byte, error) {
	var cfg image.Config
	var err error
	if format == "png" {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errFileBroken
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > ar.MaxDisputeImagePixels || pixels*bytesPerPixel(cfg.ColorModel) > maxDecodedBytes {
		return nil, errFilePixels
	}
	select {
	case imageSlots <- struct{}{}:
		defer func() { <-imageSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var out bytes.Buffer
	if format == "png" {
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, errFileBroken
		}
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(&out, img); err != nil {
			return nil, errFileBroken
		}
		return out.Bytes(), nil
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errFileBroken
	}
	img = orient(img, exifOrientation(data))
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, errFileBroken
	}
	return out.Bytes(), nil
}

// maxDecodedBytes bounds the memory one decoded image may take.
const maxDecodedBytes = 160 << 20

// bytesPerPixel is what a decoded pixel of a color model takes (YCbCr
// at its largest, 4:4:4).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.YCbCrModel:
		return 3
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// exifOrientation reads the orientation (1–8) from a JPEG's EXIF, or 1
// when there is none or it cannot be read. Only the header segments
// before the image data are looked at, each within its bounds.
func exifOrientation(data []byte) int {
	p := 2 // after SOI
	for p+4 <= len(data) {
		if data[p] != 0xff {
			return 1
		}
		marker := data[p+1]
		if marker == 0xff { // fill byte
			p++
			continue
		}
		if marker == 0xda || marker == 0xd9 { // image data, end: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in the first IFD of a TIFF header.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 1
	}
	count := int64(bo.Uint16(t[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // orientation, SHORT
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// orient turns an image upright for an EXIF orientation: 2 mirrored, 3
// upside down, 4 mirrored upside down, 5 and 7 mirrored across a
// diagonal, 6 turned left (to be turned right), 8 turned right.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	// from is where the output's pixel (x, y) comes from.
	from := func(x, y int) (int, int) {
		switch o {
		case 2:
			return w - 1 - x, y
		case 3:
			return w - 1 - x, h - 1 - y
		case 4:
			return x, h - 1 - y
		case 5:
			return y, x
		case 6:
			return y, h - 1 - x
		case 7:
			return w - 1 - y, h - 1 - x
		}
		return w - 1 - y, x // 8
	}
	r := image.Rect(0, 0, ow, oh)
	switch m := img.(type) {
	case *image.YCbCr:
		dst := image.NewYCbCr(r, image.YCbCrSubsampleRatio444)
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				sx, sy := from(x, y)
				sx, sy = sx+b.Min.X, sy+b.Min.Y
				ci := m.COffset(sx, sy)
				di := dst.YOffset(x, y)
				dst.Y[di], dst.Cb[di], dst.Cr[di] = m.Y[m.YOffset(sx, sy)], m.Cb[ci], m.Cr[ci]
			}
		}
		return dst
	case *image.Gray:
		dst := image.NewGray(r)
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				sx, sy := from(x, y)
				dst.Pix[dst.PixOffset(x, y)] = m.Pix[m.PixOffset(sx+b.Min.X, sy+b.Min.Y)]
			}
		}
		return dst
	}
	dst := image.NewRGBA(r) // CMYK photos: rare, the slow way
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			sx, sy := from(x, y)
			dst.Set(x, y, img.At(sx+b.Min.X, sy+b.Min.Y))
		}
	}
	return dst
}

// CleanText makes text typed by someone safe to store: valid UTF-8, no
// NUL or other control characters but line breaks and tabs, line
// breaks as "\n", trimmed. It is not escaping: pages escape when they
// show it.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// DisplayName is what is kept of a file's name: display text only. The
// last path element (some browsers send C:\Users\…\scan.pdf), without
// control or format characters (a right-to-left override could make
// "rechnung‮fdp.exe" read as "rechnungexe.pdf"), white space collapsed,
// at most ar.MaxDisputeFileName runes.
func DisplayName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > ar.MaxDisputeFileName {
		name = string([]rune(name)[:ar.MaxDisputeFileName])
	}
	return name
}

// extensions are the file name endings of the media types, the first
// one the one given to downloads.
var extensions = map[string][]string{
	MediaPDF:  {".pdf"},
	MediaPNG:  {".png"},
	MediaJPEG: {".jpg", ".jpeg"},
}

var transliterate = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss",
	"é", "e", "è", "e", "á", "a", "à", "a", "ó", "o", "ñ", "n", "ç", "c")

// DownloadName is the name a download suggests, from the display name:
// ASCII letters, digits, dot, dash and underscore only, ending in the
// media type's extension (a PDF called "x.html" downloads as
// "x.html.pdf"), fallback when nothing is left. utf8 is the same with
// the display name's letters kept, for filename*.
func DownloadName(display, mediaType, fallback string) (ascii, utf8Name string) {
	exts := extensions[mediaType]
	ext := ".bin"
	if len(exts) > 0 {
		ext = exts[0]
	}
	base := display
	for _, e := range exts {
		if len(base) > len(e) && strings.EqualFold(base[len(base)-len(e):], e) {
			base = base[:len(base)-len(e)]
			break
		}
	}
	var b strings.Builder
	for _, r := range transliterate.Replace(base) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'):
			b.WriteRune(r)
		default:
			if s := b.String(); s != "" && s[len(s)-1] != '_' {
				b.WriteByte('_')
			}
		}
	}
	a := strings.Trim(b.String(), "._-")
	if len(a) > 100 {
		a = strings.TrimRight(a[:100], "._-")
	}
	if a == "" {
		a = fallback
	}
	u := strings.TrimSpace(base)
	if u == "" || strings.Trim(u, ".") == "" {
		u = a
	}
	return a + ext, u + ext
}

// ContentDisposition is the header value that makes a browser save a
// file, never show it: the ASCII name, and the UTF-8 one percent-encoded
// (RFC 6266, RFC 5987).
func ContentDisposition(display, mediaType, fallback string) string {
	ascii, u := DownloadName(display, mediaType, fallback)
	var enc strings.Builder
	for _, c := range []byte(u) {
		if c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			enc.WriteByte(c)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + enc.String()
}
