#!/usr/bin/env bash
# speed.sh: times `docker-tls init` against the OpenSSL recipe of Docker's
# docs ("Protect the Docker daemon socket"), alternately, and prints medians.
#
#   scripts/speed.sh            # from the repository root; RUNS=5 by default
#
# (a) docker-tls init --key-type rsa-4096 (one process, keys made concurrently)
# (b) the OpenSSL sequence: aes256 CA key + CA, server key + CSR + signing
#     with subjectAltName/serverAuth, client key + CSR + signing with
#     clientAuth; three 4096-bit keys, as in the docs.
# Also: docker-tls init with the default ecdsa-p256 key, and the wizard's
# first frame on a pty (scripts/first-frame.py) and in tmux (a private
# server: tmux -L speed).
set -euo pipefail
shopt -s inherit_errexit # a failed run inside $(...) stops the script

cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FQDN=docker.example.com
export DOCKER_TLS_CA_PASSPHRASE='speed test passphrase, long enough'
export PASS="$DOCKER_TLS_CA_PASSPHRASE"

tmp=$(mktemp -d)
tmux_started=
cleanup() {
	if [ -n "$tmux_started" ]; then tmux -L speed kill-server 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine:  $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "go:       $(go version)"
echo "openssl:  $(openssl version)"
echo

go build -o "$tmp/docker-tls" .
bin=$tmp/docker-tls

# A Debian docker.io unit: init writes an override that drops -H fd://.
fixture=$tmp/fixture
mkdir -p "$fixture/lib/systemd/system"
cat >"$fixture/lib/systemd/system/docker.service" <<'UNIT'
[Unit]
Description=Docker Application Container Engine
After=network-online.target docker.socket containerd.service
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID

[Install]
WantedBy=multi-user.target
UNIT

# Each run gets its own root (runs happen in subshells: no counters).
fresh_root() {
	local r
	r=$(mktemp -d "$tmp/root.XXXXXX")
	cp -a "$fixture/." "$r"
	echo "$r"
}

# Nanoseconds. Bash's $EPOCHREALTIME (microseconds) costs no fork: on a
# small VM a fork+exec of date alone takes ~10 ms, which would be timed too.
if [ -n "${EPOCHREALTIME:-}" ]; then
	now_ns() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; }
else
	now_ns() { date +%s%N; }
fi

run_dockertls() { # key type
	local root
	root=$(fresh_root)
	local t0 t1
	t0=$(now_ns)
	"$bin" init --key-type "$1" --root "$root" --fqdn "$FQDN" --san-ip 127.0.0.1 --yes >/dev/null
	t1=$(now_ns)
	test -s "$root/etc/docker/tls/clients/client/cert.pem"
	echo $((t1 - t0))
}

# The recipe of https://docs.docker.com/engine/security/protect-access/,
# with the passphrase from the environment instead of a prompt.
run_openssl() {
	local d
	d=$(fresh_root)/certs
	mkdir -p "$d"
	local t0 t1
	t0=$(now_ns)
	(
		cd "$d"
		openssl genrsa -aes256 -passout env:PASS -out ca-key.pem 4096 2>/dev/null
		openssl req -new -x509 -days 3650 -key ca-key.pem -passin env:PASS -sha256 \
			-subj "/CN=docker-tls CA" -out ca.pem
		openssl genrsa -out server-key.pem 4096 2>/dev/null
		openssl req -subj "/CN=$FQDN" -sha256 -new -key server-key.pem -out server.csr
		echo "subjectAltName = DNS:$FQDN,IP:127.0.0.1" >extfile.cnf
		echo "extendedKeyUsage = serverAuth" >>extfile.cnf
		openssl x509 -req -days 365 -sha256 -in server.csr -CA ca.pem -CAkey ca-key.pem \
			-passin env:PASS -CAcreateserial -out server-cert.pem -extfile extfile.cnf 2>/dev/null
		openssl genrsa -out key.pem 4096 2>/dev/null
		openssl req -subj '/CN=client' -new -key key.pem -out client.csr
		echo "extendedKeyUsage = clientAuth" >extfile-client.cnf
		openssl x509 -req -days 365 -sha256 -in client.csr -CA ca.pem -CAkey ca-key.pem \
			-passin env:PASS -CAcreateserial -out cert.pem -extfile extfile-client.cnf 2>/dev/null
	)
	t1=$(now_ns)
	test -s "$d/cert.pem"
	echo $((t1 - t0))
}

# Time from starting `docker-tls --root R` in a tmux window until the
# welcome screen shows. The server and a session are up before the clock
# starts, so tmux's own start-up is not counted. What remains of tmux
# (new-window, the shell it runs the command with, each capture-pane) is
# measured alone with a command that prints "Welcome" at once: the floor.
run_wizard() { # [command]
	local root w t0 t1 cmd
	root=$(fresh_root)
	w=${root##*.}
	cmd=${1:-"$bin --root $root"}
	t0=$(now_ns)
	tmux -L speed new-window -d -t speed -n "$w" "$cmd"
	until tmux -L speed capture-pane -p -t "speed:$w" 2>/dev/null | grep -q Welcome; do
		if [ $(($(now_ns) - t0)) -gt 5000000000 ]; then
			echo "wizard: no welcome screen after 5 s" >&2
			return 1
		fi
	done
	t1=$(now_ns)
	tmux -L speed kill-window -t "speed:$w"
	echo $((t1 - t0))
}

median() { # ns values -> ms with one decimal
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f", m / 1e6 }'
}
ms() { for v in "$@"; do printf '%d ' $(((v + 500000) / 1000000)); done; }

# Warm the page cache and the binary once, untimed.
run_dockertls ecdsa-p256 >/dev/null

rsa_tls=() rsa_ossl=()
for i in $(seq "$RUNS"); do
	rsa_tls+=("$(run_dockertls rsa-4096)")
	rsa_ossl+=("$(run_openssl)")
	echo "  rsa-4096 run $i/$RUNS: docker-tls $((rsa_tls[-1] / 1000000)) ms, openssl $((rsa_ossl[-1] / 1000000)) ms" >&2
done
ec=()
for i in $(seq "$RUNS"); do
	ec+=("$(run_dockertls ecdsa-p256)")
done

pty=()
if command -v python3 >/dev/null; then
	mapfile -t pty < <(python3 "$(dirname "$0")/first-frame.py" "$bin" "$(fresh_root)" "$RUNS")
fi
wiz=() floor=()
if command -v tmux >/dev/null; then
	tmux_started=1
	tmux -L speed -f /dev/null new-session -d -s speed -x 80 -y 24
	for i in $(seq "$RUNS"); do
		wiz+=("$(run_wizard)")
		floor+=("$(run_wizard 'echo Welcome; sleep 5')")
	done
fi

m_tls=$(median "${rsa_tls[@]}")
m_ossl=$(median "${rsa_ossl[@]}")
m_ec=$(median "${ec[@]}")
ratio=$(echo "$m_tls / $m_ossl" | bc -l)

verdict() { # value target
	if [ "$(echo "$1 <= $2" | bc -l)" = 1 ]; then echo ok; else echo MISSED; fi
}
row() { # what median target verdict runs...
	printf '%-46s %9s %9s  %-6s  %s\n' "$1" "$2" "$3" "$4" "$(ms "${@:5}")"
}

echo
printf '%-46s %9s %9s  %-6s  %s\n' "measure ($RUNS runs each)" "median ms" "target" "" "runs (ms)"
row "docker-tls init --key-type rsa-4096" "$m_tls" "" "" "${rsa_tls[@]}"
row "openssl recipe (3 x RSA-4096, aes256 CA)" "$m_ossl" "" "" "${rsa_ossl[@]}"
printf '%-46s %9.2f %9s  %-6s\n' "ratio docker-tls / openssl" "$ratio" "<= 0.25" "$(verdict "$ratio" 0.25)"
row "docker-tls init (ecdsa-p256, whole process)" "$m_ec" "<= 150" "$(verdict "$m_ec" 150)" "${ec[@]}"
if [ ${#pty[@]} -gt 0 ]; then
	m_pty=$(median "${pty[@]}")
	row "wizard first frame (pty, until \"Welcome\")" "$m_pty" "<= 100" "$(verdict "$m_pty" 100)" "${pty[@]}"
fi
if [ ${#wiz[@]} -gt 0 ]; then
	m_wiz=$(median "${wiz[@]}")
	row "wizard first frame in tmux" "$m_wiz" "" "" "${wiz[@]}"
	row "  tmux floor (a command echoing \"Welcome\")" "$(median "${floor[@]}")" "" "" "${floor[@]}"
fi
