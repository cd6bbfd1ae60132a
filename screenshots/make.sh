#!/usr/bin/env bash
# Remakes every PNG in screenshots/ from the real binary: the wizard runs in
# a private tmux server at 80x24, each screen is captured with its colours
# (capture-pane -e) and rendered by charmbracelet/freeze, pinned as a Go tool
# in screenshots/tool/go.mod. Writes only under a temp root.
#
#   bash screenshots/make.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/screenshots
tmp=$(mktemp -d)
sock=docker-tls-shots-$$-0
runs=0
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT

command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 1; }
go build -o "$tmp/docker-tls" .
go build -C screenshots/tool -o "$tmp/freeze" github.com/charmbracelet/freeze

root=$tmp/root
mkdir -p "$root/lib/systemd/system"
cat >"$root/lib/systemd/system/docker.service" <<'EOF'
[Unit]
Description=Docker Application Container Engine
After=network-online.target containerd.service

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID
EOF
mkdir -p "$root/etc/docker"
printf '{\n  "log-driver": "journald",\n  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]\n}\n' >"$root/etc/docker/daemon.json"

t() { tmux -L "$sock" "$@"; }
screen() { t capture-pane -e -p -t w; }
text() { t capture-pane -p -t w; } # without colours, for matching
# wait_for TEXT: poll the screen (at most 20 s) until TEXT shows.
wait_for() {
	for _ in $(seq 200); do
		text | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $1" >&2
	screen >&2
	exit 1
}
settle() { sleep 0.4; }
# tmux carries a style across lines, freeze starts each line afresh: see carry-style.pl.
fix() { perl "$out/carry-style.pl"; }
# shot NAME: the current screen as screenshots/NAME.png.
shot() {
	settle
	screen | fix >"$tmp/$1.ansi"
	"$tmp/freeze" --language ansi --window --padding 20,30 --font.size 14 -o "$out/$1.png" "$tmp/$1.ansi" >/dev/null
	echo "screenshots/$1.png"
}

start() {
	t kill-server 2>/dev/null || true
	sock=docker-tls-shots-$$-$((++runs)) # a fresh server: the old one may still be exiting
	t new-session -d -s w -x 80 -y "${HEIGHT:-24}" -e COLORTERM=truecolor -e TERM=xterm-256color -e HOSTNAME=docker1 \
		"$*; sleep 600"
}

# The wizard, a first setup typed by hand.
start "$tmp/docker-tls" --root "$root" --fqdn docker1.example.com --san-dns docker1 --san-ip 192.0.2.10
wait_for "Welcome"
shot welcome
t send-keys -t w Enter
wait_for "Certificate authority"
t send-keys -t w Enter Enter
settle
t send-keys -t w -l "correct horse battery staple"
shot ca
t send-keys -t w Enter
settle
t send-keys -t w -l "correct horse battery staple"
t send-keys -t w Enter
wait_for "Server certificate"
shot server
for _ in 1 2 3 4 5; do t send-keys -t w Enter; settle; done
wait_for "Clients"
t send-keys -t w Enter
wait_for "Keys and validity"
shot keys
for _ in 1 2 3; do t send-keys -t w Enter; settle; done
wait_for "Enter to write"
shot review
for _ in 1 2 3 4; do t send-keys -t w PageDown; done
shot review-diff
t send-keys -t w Enter
# The write is quick: catch the progress screen as soon as it shows.
for _ in $(seq 100); do text | grep -qF "Writing" && break; sleep 0.02; done
screen | fix >"$tmp/progress.ansi"
wait_for "Step 8/8"
grep -qF "Writing" "$tmp/progress.ansi" && "$tmp/freeze" --language ansi --window --padding 20,30 --font.size 14 -o "$out/progress.png" "$tmp/progress.ansi" >/dev/null && echo screenshots/progress.png
shot done
t send-keys -t w Enter

# Key generation in progress: RSA-4096 keys take long enough to be seen.
root3=$tmp/root3
mkdir -p "$root3/lib/systemd/system"
cp "$root/lib/systemd/system/docker.service" "$root3/lib/systemd/system/"
printf 'correct horse battery staple\n' >"$tmp/pass"
start "$tmp/docker-tls" --root "$root3" --fqdn docker1.example.com --key-type rsa-4096 --ca-passphrase-file "$tmp/pass"
wait_for "Welcome"
for _ in $(seq 12); do
	text | grep -qF "Keys and validity" && break
	t send-keys -t w Enter
	settle
done
wait_for "Keys and validity"
t send-keys -t w Enter Enter Enter
for _ in $(seq 200); do text | grep -qF "Generating" && break; sleep 0.01; done
if text | grep -qF "Generating"; then
	screen | fix >"$tmp/generating.ansi"
	"$tmp/freeze" --language ansi --window --padding 20,30 --font.size 14 -o "$out/generating.png" "$tmp/generating.ansi" >/dev/null
	echo screenshots/generating.png
fi

# Coming back: the existing CA offers to add a team member.
start "$tmp/docker-tls" --root "$root"
wait_for "Welcome"
shot welcome-existing

# init --dry-run, the same plan without prompts, in colour.
root2=$tmp/root2
mkdir -p "$root2/lib/systemd/system"
cp "$root/lib/systemd/system/docker.service" "$root2/lib/systemd/system/"
HEIGHT=64 start "DOCKER_TLS_CA_PASSPHRASE='correct horse battery staple' $tmp/docker-tls init --root $root2 --fqdn docker1.example.com --san-ip 192.0.2.10 --dry-run"
wait_for "Dry run"
shot init-dry-run
