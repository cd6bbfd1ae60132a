package hostfs

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// FailpointEnv names the step at which the process kills itself with
// SIGKILL, to test that a run killed at any point of a write is completed or
// rolled back by the next one: "N" is the Nth step of any kind, "OP:N" the
// Nth step of kind OP (mkdir, create, write, sync, rename, link, remove,
// rmdir, chmod, syncdir). Tests set it on a child process; it is never
// set in use.
const FailpointEnv = "DOCKER_TLS_FAILPOINT"

var failpoint struct {
	once  sync.Once
	op    string
	n     int64
	count atomic.Int64
}

// Crash is called before each step that changes the disk. When the
// failpoint names this step, the process dies on the spot, as a power cut or
// a kill -9 would stop it.
func Crash(op string) {
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

func randUint() uint64 { return rand.Uint64() }
