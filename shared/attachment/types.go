package attachment

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The files people may send in the chat, by extension, with the content
// type they are stored under: pictures, documents, sheets, slides, text,
// archives, audio and video. What can run by itself (programs, scripts,
// installers, disk images, shortcuts) is refused before anything is
// uploaded. The browser's own type for a file is never trusted: the
// extension decides, and every download is served by the rules of
// inlineTypes anyway.
var allowedTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".heic": "image/heic", ".heif": "image/heif", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
	".svg": "image/svg+xml",
	".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown", ".log": "text/plain",
	".json": "application/json", ".xml": "application/xml", ".html": "text/html", ".htm": "text/html", ".rtf": "application/rtf",
	".doc": "application/msword", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt": "application/vnd.ms-powerpoint", ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
	".odp": "application/vnd.oasis.opendocument.presentation", ".pages": "application/vnd.apple.pages",
	".numbers": "application/vnd.apple.numbers", ".key": "application/vnd.apple.keynote",
	".zip": "application/zip", ".eml": "message/rfc822",
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".wav": "audio/wav", ".ogg": "audio/ogg",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
}

// inlineTypes are the only files a browser may show in place: raster
// images, which run nothing. Everything else (SVG, HTML, XML, PDF, …)
// downloads as application/octet-stream with an attachment disposition.
var inlineTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
}

// maxNameRunes bounds a file name kept in a key (S3 keys are at most 1,024
// bytes; the rest of the key takes about 120).
const maxNameRunes = 120

// typeOf is the content type a file name stands for, and whether a browser
// may show it in place. Unknown extensions are octet streams.
func typeOf(name string) (ctype string, inline bool) {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := inlineTypes[ext]; ok {
		return t, true
	}
	if t, ok := allowedTypes[ext]; ok {
		return t, false
	}
	return "application/octet-stream", false
}

// acceptedName checks a name a client gives a file it is about to upload
// and returns it as it will be kept (no folders, control characters or
// slashes; at most maxNameRunes, the extension kept) with its type.
func acceptedName(raw string) (name, ctype string, err error) {
	name = cleanName(raw)
	ext := strings.ToLower(path.Ext(name))
	if strings.Trim(strings.TrimSuffix(name, path.Ext(name)), ". ") == "" {
		return "", "", invalid("the file needs a name")
	}
	ctype, ok := allowedTypes[ext]
	if !ok {
		if ext == "" {
			return "", "", invalid("files without an extension are not accepted")
		}
		return "", "", invalid(fmt.Sprintf("%s files are not accepted", ext))
	}
	return name, ctype, nil
}

// cleanName is the last part of a path as a file name: control characters,
// slashes and quotes become "_", runs of spaces one space, and a name over
// maxNameRunes keeps its start and its extension.
func cleanName(raw string) string {
	if i := strings.LastIndexAny(raw, `/\`); i >= 0 {
		raw = raw[i+1:]
	}
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "_")
	}
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			return '_'
		}
		return r
	}, raw)
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); len(r) > maxNameRunes {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = strings.TrimSpace(string(r[:maxNameRunes-len(ext)])) + string(ext)
	}
	return name
}
