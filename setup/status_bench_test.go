package setup

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/docker-tls/docker-tls/pki"
)

// benchHost is a sandbox with n members.
func benchHost(b *testing.B, n int, trust pki.Trust) *Host {
	b.Helper()
	root := b.TempDir()
	unit := filepath.Join(root, "lib/systemd/system/docker.service")
	if err := os.MkdirAll(filepath.Dir(unit), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(unit, []byte(debianUnit), 0o644); err != nil {
		b.Fatal(err)
	}
	h := New(root)
	in := testInput(func(in *InitInput) {
		in.Plan.Trust, in.Trust = trust, trust
		in.Plan.Clients = nil
		for i := range n {
			in.Plan.Clients = append(in.Plan.Clients, fmt.Sprintf("member%04d", i))
		}
	})
	p, err := h.PrepareInit(in, []byte(testPass))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.Write(p, nil); err != nil {
		b.Fatal(err)
	}
	if err := h.Close(); err != nil {
		b.Fatal(err)
	}
	return New(root)
}

// BenchmarkStatus1000Members: status at 1,000 members, dockerd down (the
// sandbox's port has no listener). The design's budget is 100 ms.
// The setup trusts the whole CA: per-member trust stops at pki.MaxAnchors
// (BenchmarkStatus500AnchoredMembers).
func BenchmarkStatus1000Members(b *testing.B) {
	benchStatus(b, benchHost(b, 1000, pki.TrustCA), 1000)
}

// BenchmarkStatus500AnchoredMembers: status at pki.MaxAnchors anchors (484
// members and 16 free slots), each member under their own anchor.
func BenchmarkStatus500AnchoredMembers(b *testing.B) {
	n := pki.MaxAnchors - pki.DefaultSlots
	benchStatus(b, benchHost(b, n, pki.TrustMember), n)
}

func benchStatus(b *testing.B, h *Host, members int) {
	if r := h.Status(StatusInput{WarnDays: 30}); len(r.Certificates) != members+2 || !r.Healthy {
		b.Fatalf("status lists %d certificates, want %d; findings %q", len(r.Certificates), members+2, r.Findings)
	}
	cpu0 := cpuTime(b)
	for b.Loop() {
		h.Status(StatusInput{WarnDays: 30})
	}
	// The CPU time of the process (every goroutine): on a shared machine,
	// what the wall-clock ns/op cannot show.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
