package hostfs

// FailpointEnv names the step at which a docker-tls built with the
// failpoint tag (go build -tags failpoint) kills itself with SIGKILL, to
// test that a run killed at any point of a write is completed or rolled
// back by the next one: "N" is the Nth step of any kind, "OP:N" the Nth
// step of kind OP (mkdir, create, write, sync, rename, link, remove, rmdir,
// chmod, syncdir). Tests set it on a child process. A build without the tag
// (every release) has no failpoint: crash does nothing and this variable is
// never read.
const FailpointEnv = "DOCKER_TLS_FAILPOINT"
