package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// library holds the example scenarios shipped in the binary, one file per
// scenario, named after it.
//
//go:embed library/*.yaml
var library embed.FS

// ErrUnknownScenario is returned (wrapped) by Open for a name that is
// neither in the library nor a file.
var ErrUnknownScenario = errors.New("scenarios: unknown scenario")

// Entry describes one scenario of the embedded library.
type Entry struct{ Name, Description string }

// Library lists the embedded scenarios sorted by name.
func Library() []Entry {
	var out []Entry
	for _, name := range libraryNames() {
		e := Entry{Name: name}
		if src, ok := LibrarySource(name); ok {
			if s, err := Parse(name+".yaml", src); err == nil {
				e.Description = strings.Join(strings.Fields(s.Description), " ")
			}
		}
		out = append(out, e)
	}
	return out
}

// libraryNames lists the embedded scenarios sorted by name.
func libraryNames() []string {
	// fs.Glob returns names in lexical order.
	files, _ := fs.Glob(library, "library/*.yaml")
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".yaml"))
	}
	return names
}

// LibrarySource returns the YAML text of the named library scenario.
func LibrarySource(name string) ([]byte, bool) {
	if !nameRE.MatchString(name) {
		return nil, false
	}
	src, err := library.ReadFile("library/" + name + ".yaml")
	return src, err == nil
}

// Open loads a scenario by library name or from a file. The argument is a
// path if it contains a path separator, ends in .yaml or .yml, or names an
// existing file; otherwise it is a library name.
func Open(nameOrPath string, sets ...Set) (*Scenario, error) {
	if isPath(nameOrPath) {
		data, err := readUpTo(nameOrPath, maxInputBytes)
		if err != nil {
			hint := ""
			base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(nameOrPath), ".yaml"), ".yml")
			if _, ok := LibrarySource(base); ok && errors.Is(err, fs.ErrNotExist) {
				hint = fmt.Sprintf(" (to load the library scenario, write %s without a path or extension)", base)
			}
			return nil, fmt.Errorf("scenarios: %w%s", err, hint)
		}
		return ParseFiles(nameOrPath, data, filesBeside(nameOrPath), sets...)
	}
	if src, ok := LibrarySource(nameOrPath); ok {
		return Parse(nameOrPath+".yaml", src, sets...)
	}
	names := libraryNames()
	return nil, fmt.Errorf("%w %q%s; the library has %s, or give the path of a file",
		ErrUnknownScenario, nameOrPath, didYouMean(nameOrPath, names), quoteList(names))
}

func isPath(s string) bool {
	if strings.ContainsAny(s, "/"+string(filepath.Separator)) || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml") {
		return true
	}
	fi, err := os.Stat(s)
	return err == nil && !fi.IsDir()
}

// readUpTo reads a file, stopping one byte past limit so that an
// oversized file is reported without being read whole.
func readUpTo(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}

// filesBeside reads the files a scenario file names (replay traces),
// relative to its directory unless they are absolute. Library scenarios
// have no directory and read none.
func filesBeside(scenario string) ReadFunc {
	dir := filepath.Dir(scenario)
	return func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return readUpTo(name, maxTraceBytes)
	}
}
