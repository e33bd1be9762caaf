package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Zip limits. The zipped and unzipped limits are AWS's; the entry count and
// compression ratio bounds are Stratus's defence against zip bombs.
const (
	// MaxZippedBytes is AWS's limit for a zip uploaded directly (50 MB).
	MaxZippedBytes = 50 << 20
	// MaxUnzippedBytes is AWS's limit for a function's code and layers unzipped (250 MB).
	MaxUnzippedBytes = 262144000
	// MaxZipEntries bounds the number of entries in one zip.
	MaxZipEntries = 20000
	// MaxCompressionRatio bounds an entry's expansion (checked for entries over
	// ratioFloor bytes unzipped).
	MaxCompressionRatio = 1000
	ratioFloor          = 1 << 20
	maxLinkTarget       = 4096
)

// MaxRequestBodyBytes is the request body limit the wire adapter sets for the
// operations that carry a zip: base64 in JSON is 4/3 of the zip, plus slack
// for the rest of the request (AWS's own limit is 69905067 bytes).
const MaxRequestBodyBytes = MaxZippedBytes*4/3 + 1<<20

// ZipInfo describes a validated zip.
type ZipInfo struct {
	// Unzipped is the total size of its regular files.
	Unzipped int64
	// Entries is the number of entries.
	Entries int
}

// ValidateZip checks a zip archive as CreateFunction, UpdateFunctionCode and
// PublishLayerVersion accept it: within the size limits, readable to the end
// with matching checksums, no entry name that is absolute or climbs out with
// "..", no duplicate names, no entry below a symlink, symlinks only to relative
// targets that stay in the tree, nothing but files, directories and symlinks,
// and bounded entry count and compression ratio. Returns
// InvalidParameterValueException with AWS's message when it is not acceptable.
func ValidateZip(ctx context.Context, data []byte) (ZipInfo, error) {
	zr, err := checkZip(data)
	if err != nil {
		return ZipInfo{}, err
	}
	info := ZipInfo{Entries: len(zr.File)}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return ZipInfo{}, err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return ZipInfo{}, badZip()
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || uint64(n) != f.UncompressedSize64 {
			return ZipInfo{}, badZip()
		}
		if f.Mode().Type() == 0 {
			info.Unzipped += n
		}
	}
	return info, nil
}

// hardLink reports whether an entry's extra fields mark it as a link the way
// PKWARE's Unix extra field (0x000d) does: link target data after its fixed
// 12 bytes. Go's reader would extract such an entry as a plain file, but it
// names another file (a hard link), which a deployment package may not.
func hardLink(extra []byte) bool {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+size > len(extra) {
			return false // malformed extra data; archive/zip ignores it too
		}
		if id == 0x000d && size > 12 {
			return true
		}
		extra = extra[4+size:]
	}
	return false
}

// checkZip opens data and checks everything but the entries' contents.
func checkZip(data []byte) (*zip.Reader, error) {
	if len(data) > MaxZippedBytes {
		return nil, invalidParameter("Zipped size must be smaller than %d bytes", MaxZippedBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, badZip()
	}
	if len(zr.File) > MaxZipEntries {
		return nil, badZip()
	}
	var total uint64
	names := make(map[string]bool, len(zr.File))
	var links []string
	for _, f := range zr.File {
		name, err := entryName(f.Name)
		if err != nil {
			return nil, badZip()
		}
		if names[name] {
			return nil, badZip()
		}
		names[name] = true
		if hardLink(f.Extra) {
			return nil, badZip()
		}
		switch f.Mode().Type() {
		case 0, fs.ModeDir:
		case fs.ModeSymlink:
			if err := checkLink(f, name); err != nil {
				return nil, err
			}
			links = append(links, name)
		default:
			return nil, badZip()
		}
		total += f.UncompressedSize64
		if total > MaxUnzippedBytes {
			return nil, invalidParameter("Unzipped size must be smaller than %d bytes", MaxUnzippedBytes)
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > MaxCompressionRatio*max(f.CompressedSize64, 1) {
			return nil, badZip()
		}
	}
	for _, l := range links {
		for n := range names {
			if strings.HasPrefix(n, l+"/") {
				return nil, badZip()
			}
		}
	}
	return zr, nil
}

// entryName returns the cleaned, slash-separated relative name of an entry, or
// an error for names that are absolute, climb out, or hold odd characters.
func entryName(raw string) (string, error) {
	if raw == "" || strings.ContainsAny(raw, "\\\x00") || strings.HasPrefix(raw, "/") ||
		(len(raw) >= 2 && raw[1] == ':') {
		return "", errors.New("bad entry name")
	}
	for _, seg := range strings.Split(strings.TrimSuffix(raw, "/"), "/") {
		if seg == ".." {
			return "", errors.New("entry name climbs out")
		}
	}
	name := path.Clean(raw)
	if name == "." || name == "/" {
		return "", errors.New("entry names the root")
	}
	return name, nil
}

// checkLink requires a symlink's target to be relative and to stay inside the
// tree at every step of its resolution from the link's directory.
func checkLink(f *zip.File, name string) error {
	if f.UncompressedSize64 > maxLinkTarget {
		return badZip()
	}
	rc, err := f.Open()
	if err != nil {
		return badZip()
	}
	target, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	rc.Close()
	if err != nil || !linkStaysInside(name, string(target)) {
		return badZip()
	}
	return nil
}

func linkStaysInside(name, target string) bool {
	if target == "" || strings.HasPrefix(target, "/") || strings.ContainsAny(target, "\\\x00") {
		return false
	}
	depth := strings.Count(name, "/") // directories the link sits below the root
	for _, seg := range strings.Split(target, "/") {
		switch seg {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return false
			}
		default:
			depth++
		}
	}
	return true
}

// ExtractZip extracts a zip archive into dir, which must exist and be empty,
// with the checks of ValidateZip. Regular files keep their permission bits
// (an executable bootstrap stays executable) without setuid, setgid or sticky
// bits; symlinks are created last and nothing is ever written through one.
func ExtractZip(ctx context.Context, data []byte, dir string) error {
	zr, err := checkZip(data)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("extract zip: %w", err)
	}
	defer root.Close()
	files := append([]*zip.File(nil), zr.File...)
	// Directories and files first, symlinks last.
	sort.SliceStable(files, func(i, j int) bool {
		return files[i].Mode().Type() != fs.ModeSymlink && files[j].Mode().Type() == fs.ModeSymlink
	})
	var written int64
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, _ := entryName(f.Name)
		if err := mkdirAll(root, path.Dir(name)); err != nil {
			return fmt.Errorf("extract zip: %w", err)
		}
		switch f.Mode().Type() {
		case fs.ModeDir:
			if err := mkdirAll(root, name); err != nil {
				return fmt.Errorf("extract zip: %w", err)
			}
		case fs.ModeSymlink:
			rc, err := f.Open()
			if err != nil {
				return badZip()
			}
			target, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
			rc.Close()
			if err != nil {
				return badZip()
			}
			if err := root.Symlink(string(target), name); err != nil {
				return fmt.Errorf("extract zip: %w", err)
			}
		default:
			n, err := extractFile(root, f, name, MaxUnzippedBytes-written)
			if err != nil {
				return err
			}
			written += n
		}
	}
	return nil
}

func extractFile(root *os.Root, f *zip.File, name string, budget int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, badZip()
	}
	defer rc.Close()
	mode := f.Mode().Perm() | 0o400 // the owner can always read what it extracted
	out, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return 0, fmt.Errorf("extract zip: %w", err)
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil || n > budget || uint64(n) != f.UncompressedSize64 {
		return n, badZip()
	}
	if err := root.Chmod(name, mode); err != nil { // undo the umask
		return n, fmt.Errorf("extract zip: %w", err)
	}
	return n, nil
}

func mkdirAll(root *os.Root, dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	cur := ""
	for _, seg := range strings.Split(dir, "/") {
		cur = filepath.Join(cur, seg)
		fi, err := root.Lstat(cur)
		switch {
		case err == nil && fi.IsDir():
			continue
		case err == nil:
			return fmt.Errorf("%s is not a directory", cur)
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		if err := root.Mkdir(cur, 0o755); err != nil {
			return err
		}
	}
	return nil
}
