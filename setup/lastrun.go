package setup

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/docker-tls/docker-tls/render"
)

func (h *Host) saveLastRun(res *render.Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(h.Path(LastRunPath), append(b, '\n'), modeKey)
}

// forgetLastRun: once applied or rolled back, the record must not be used
// again, or a later rollback would undo newer work.
func (h *Host) forgetLastRun() { os.Remove(h.Path(LastRunPath)) }

func (h *Host) loadLastRun() (*render.Result, error) {
	b, ok, err := h.read(LastRunPath)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w (%s)", ErrNoRun, LastRunPath)
	}
	var res render.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", LastRunPath, err)
	}
	return &res, nil
}
