#!/usr/bin/env bash
# Remakes every PNG in screenshots/ from the real binary: the wizard runs in
# a private tmux server at 80x24, each screen is captured with its colours
# (capture-pane -e) and rendered by charmbracelet/freeze, pinned as a Go tool
# in screenshots/tool/go.mod (with a wazero recent enough for Go 1.26), in
# its own font, which has every glyph the wizard draws (its spinner is dots,
# not braille, for that reason).
#
# The wizard works on the sandbox root the README's first command uses,
# /tmp/docker-tls-sandbox (a copy of testdata/sandbox), so that the pictures
# show that plain path; it is removed at the end. When the host name can be
# set in a namespace of our own (unshare -u, as root), it is "docker1".
#
#   bash screenshots/make.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/screenshots
root=/tmp/docker-tls-sandbox
tmp=$(mktemp -d)
sock=docker-tls-shots-$$-0
runs=0

command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 1; }
if [ -e "$root" ]; then
	echo "$root exists: move it away first (the pictures are made in it)" >&2
	exit 1
fi
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp" "$root" /tmp/docker-tls-laptop' EXIT

go build -o "$tmp/docker-tls" .
go build -C screenshots/tool -o "$tmp/freeze" github.com/charmbracelet/freeze
printf 'correct horse battery staple\n' >"$tmp/pass"

# sandbox: a fresh copy of testdata/sandbox (Debian's unit), with a
# daemon.json that still listens on the unencrypted port 2375.
sandbox() {
	rm -rf "$root"
	cp -rT testdata/sandbox "$root"
	mkdir -p "$root/etc/docker"
	printf '{\n  "log-driver": "journald",\n  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]\n}\n' >"$root/etc/docker/daemon.json"
}

t() { tmux -L "$sock" "$@"; }
screen() { t capture-pane -e -p -t w; }
text() { t capture-pane -p -t w; } # without colours, for matching
# wait_for TEXT: poll the screen (at most 30 s) until TEXT shows.
wait_for() {
	for _ in $(seq 300); do
		text | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $1" >&2
	screen >&2
	exit 1
}
settle() { sleep 0.4; }
key() { t send-keys -t w "$@"; settle; }
# tmux carries a style across lines, freeze starts each line afresh: see carry-style.pl.
fix() { perl "$out/carry-style.pl"; }
# picture NAME FILE: FILE (captured screen) as screenshots/NAME.png.
picture() {
	"$tmp/freeze" --language ansi --window --padding 20,30 --font.size 14 -o "$out/$1.png" "$2" >/dev/null
	echo "screenshots/$1.png"
}
# shot NAME: the current screen as screenshots/NAME.png.
shot() {
	settle
	screen | fix >"$tmp/$1.ansi"
	picture "$1" "$tmp/$1.ansi"
}

hostname_cmd=""
if unshare -u true 2>/dev/null; then
	hostname_cmd="unshare -u sh -c 'hostname docker1 && exec \"\$0\" \"\$@\"'"
fi
start() {
	t kill-server 2>/dev/null || true
	sock=docker-tls-shots-$$-$((++runs)) # a fresh server: the old one may still be exiting
	t new-session -d -s w -x 80 -y "${HEIGHT:-24}" -e COLORTERM=truecolor -e TERM=xterm-256color \
		"$hostname_cmd $*; sleep 600"
}

# The wizard, a first setup typed by hand.
sandbox
start "$tmp/docker-tls" --root "$root" --fqdn docker1.example.com --san-dns docker1 --san-ip 192.0.2.10
wait_for "Welcome"
shot welcome
key Enter
wait_for "Certificate authority"
key Enter
key Enter
t send-keys -t w -l "correct horse battery staple"
shot ca
key Enter
t send-keys -t w -l "correct horse battery staple"
key Enter
wait_for "Server certificate"
shot server
for _ in 1 2 3 4 5; do key Enter; done
wait_for "Clients"
key Enter
wait_for "Keys and validity"
shot keys
for _ in 1 2 3; do key Enter; done
wait_for "Enter to write"
shot review
key End
shot review-diff
sleep 1 # the write takes an Enter once the review has been read
key Enter
wait_for "Step 8/8"
shot done
key Enter

# Key generation in progress: rsa-4096 keys take long enough to be seen,
# one by one with their times.
sandbox
start "$tmp/docker-tls" --root "$root" --fqdn docker1.example.com --key-type rsa-4096 --ca-passphrase-file "$tmp/pass" \
	--client alice --client bob --client ci
wait_for "Welcome"
for _ in $(seq 12); do
	text | grep -qF "Keys and validity" && break
	key Enter
done
wait_for "Keys and validity"
t send-keys -t w Enter Enter Enter
# Once a key is made and the wait has lasted a second (its time shows).
for _ in $(seq 500); do
	text | grep -qF "Enter to write" && break
	text | grep -qF "✓ key 1" && text | grep -qE "certificates… [0-9]+\.[0-9] s" && break
	sleep 0.02
done
if text | grep -qF "made"; then
	screen | fix >"$tmp/generating.ansi"
	picture generating "$tmp/generating.ansi"
else
	echo "the keys were made before they could be pictured: screenshots/generating.png is unchanged" >&2
fi
wait_for "Enter to write"
sleep 1
key Enter
wait_for "Step 8/8"
key Enter

# Coming back: the existing CA offers to add a team member, in two screens.
start "$tmp/docker-tls" --root "$root"
wait_for "Welcome"
shot welcome-existing
key Enter
wait_for "Valid for (days)" # the member page (the menu names it too)
t send-keys -t w -l dave # alice, bob and ci were issued above
key Enter
key Enter
t send-keys -t w -l "correct horse battery staple"
shot member
key Enter
wait_for "Issued a certificate for dave"
shot member-done
key Enter

# Removing a team member: who, then a confirmation whose default is Cancel;
# it takes effect at the next restart.
start "$tmp/docker-tls" --root "$root" --ca-passphrase-file "$tmp/pass"
wait_for "Welcome"
key Down
key Enter
wait_for "Who is leaving?"
key Down # bob
shot remove
key Enter
wait_for "Cancel: nothing is removed"
key Down # "Remove bob"
shot remove-confirm
key Enter
wait_for "Removed bob"
shot remove-done
key Enter

# A member's laptop: no Docker daemon to secure here, so docker-tls offers to
# connect to one; with "I need a certificate" the key stays on this machine.
laptop=/tmp/docker-tls-laptop # a plain path for the pictures, removed at the end
rm -rf "$laptop"
mkdir -p "$laptop/root" "$laptop/work"
start sh -c "'cd $laptop/work && exec env DOCKER_CONFIG=$laptop/docker $tmp/docker-tls --root $laptop/root'"
wait_for "Connect to a Docker host"
shot laptop
key Down
key Enter
wait_for "Save the request as"
t send-keys -t w -l docker1.example.com
key Enter
t send-keys -t w -l carol
shot request
key Enter
key Enter
wait_for "client sign"
shot request-done
key Enter

# init --dry-run, the same plan without prompts, in colour.
sandbox
HEIGHT=64 start env "DOCKER_TLS_CA_PASSPHRASE='correct horse battery staple'" "$tmp/docker-tls" init --root "$root" --fqdn docker1.example.com --san-ip 192.0.2.10 --dry-run
wait_for "Dry run"
shot init-dry-run
