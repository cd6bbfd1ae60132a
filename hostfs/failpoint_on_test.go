//go:build failpoint

package hostfs

// failpointBuild: this test binary has the failpoints (see FailpointEnv).
const failpointBuild = true
