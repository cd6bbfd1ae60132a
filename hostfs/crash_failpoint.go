//go:build failpoint

package hostfs

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

var failpoint struct {
	once  sync.Once
	op    string
	n     int64
	count atomic.Int64
}

// crash is called before each step that changes the disk. When the
// failpoint (FailpointEnv) names this step, the process dies on the spot,
// as a power cut or a kill -9 would stop it.
func crash(op string) {
	failpoint.once.Do(func() {
		v := os.Getenv(FailpointEnv)
		if v == "" {
			return
		}
		op, num, found := strings.Cut(v, ":")
		if !found {
			op, num = "", v
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err == nil && n > 0 {
			failpoint.op, failpoint.n = op, n
		}
	})
	if failpoint.n == 0 || failpoint.op != "" && failpoint.op != op {
		return
	}
	if failpoint.count.Add(1) == failpoint.n {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
