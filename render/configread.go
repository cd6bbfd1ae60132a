package render

import (
	"bytes"
	"fmt"
)

// utf8BOM is the UTF-8 byte order mark some editors put first in a file.
var utf8BOM = []byte("\xef\xbb\xbf")

// stripBOM reads past a UTF-8 byte order mark, as dockerd 23.0 and later
// do (moby #44770: daemon/config trims it before decoding).
func stripBOM(data []byte) []byte { return bytes.TrimPrefix(data, utf8BOM) }

// bomError is the problem of a configuration file that starts with a BOM:
// whether dockerd refuses it depends on its version.
type bomError struct{ msg string }

func (e *bomError) Error() string { return e.msg }

// configFileProblems says what dockerd itself makes of the configuration
// file p as written, beyond its settings: an empty file, which it refuses
// (moby #41268), and a byte order mark, which dockerd before 23.0 refuses.
// Build fixes both, since it writes the file complete and without a BOM.
func configFileProblems(p string, data []byte) []error {
	var errs []error
	if data == nil {
		return nil
	}
	if bytes.HasPrefix(data, utf8BOM) {
		errs = append(errs, &bomError{fmt.Sprintf("%s starts with a UTF-8 byte order mark (BOM): dockerd 23.0 and later skip it (moby #44770), older ones refuse the file (\"invalid character 'ï' looking for beginning of value\"); save it without the BOM (docker-tls init writes it without)", p)})
	}
	if len(bytes.Trim(stripBOM(data), " \t\r\n")) == 0 {
		errs = append(errs, fmt.Errorf("%s is empty: dockerd refuses an empty configuration file (\"unable to configure the Docker daemon with file %s: EOF\", moby #41268); write {} in it, or let docker-tls init write a complete one", p, p))
	}
	return errs
}

// configFileNotes are the notes of Build for the configuration file it
// rewrites from data: the BOM it drops, the empty file it completes.
func configFileNotes(p string, data []byte) []string {
	var notes []string
	if bytes.HasPrefix(data, utf8BOM) {
		notes = append(notes, fmt.Sprintf("%s starts with a UTF-8 byte order mark (BOM): docker-tls reads past it, as dockerd 23.0 and later do, and writes the file without it, which every dockerd reads (20.10 and older refuse a BOM)", p))
	}
	if data != nil && len(bytes.Trim(stripBOM(data), " \t\r\n")) == 0 {
		notes = append(notes, fmt.Sprintf("%s is empty: read as {}; dockerd itself refuses an empty configuration file (moby #41268), so docker-tls writes a complete one", p))
	}
	return notes
}
