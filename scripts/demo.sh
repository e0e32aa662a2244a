#!/bin/sh
# The system running on the demo hospital wing: trackd on the site, and
# tracksim walking its staff, patients and equipment through it live over
# track-ingest.v1 (with a badge button pressed every couple of minutes).
# Runs until Ctrl-C, which stops both.
#
# Access is closed, as on a real site: the first run makes a scanner token
# for tracksim and a security, a manager and an admin token for people
# (kept in out/demo-tokens, readable by this user only), and prints the
# page's address with the token in it.
set -eu
build=${1:-build}
port=${DEMO_PORT:-8080}
site=floorplans/demo/site.json
log=${TMPDIR:-/tmp}/trackd-demo.$$

"$build/libtrack/tools/track-site" check "$site"
mkdir -p out
tokens=out/demo-tokens
if [ ! -s "$tokens" ] || [ ! -f out/demo.db ]; then
	umask 077
	{
		for role in scanner security manager admin; do
			t=$("$build/server/trackd" token add --role "$role" \
				--name "demo $role" --db out/demo.db | tail -n 1)
			echo "${role}_token=$t"
		done
	} > "$tokens.new"
	mv "$tokens.new" "$tokens"
	umask 022
fi
# shellcheck disable=SC1090
. "./$tokens"
# tracksim reads its token from a file: on a command line it would show in
# ps to every user of the machine.
(umask 077 && printf '%s\n' "$scanner_token" > out/demo-scanner-token)
"$build/server/trackd" --site "$site" --port "$port" --db out/demo.db \
	> "$log" 2>&1 &
trackd=$!
sim=
stop() {
	[ -n "$sim" ] && kill "$sim" 2>/dev/null
	kill "$trackd" 2>/dev/null
	wait 2>/dev/null
	rm -f "$log"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# trackd prints one line once it listens.
i=0
until grep -q 'listening on' "$log" 2>/dev/null; do
	if ! kill -0 "$trackd" 2>/dev/null || [ $i -ge 100 ]; then
		echo "demo: trackd did not start:" >&2
		cat "$log" >&2
		exit 1
	fi
	i=$((i + 1))
	sleep 0.1
done
"$build/scanners/tracksim" --site "$site" --server "ws://127.0.0.1:$port" \
	--token-file out/demo-scanner-token --seed "$(date +%s)" &
sim=$!

url=http://127.0.0.1:$port
echo
echo "  trackd is tracking the demo hospital. Open, signed in:"
echo "    live map (security):  $url/?token=$security_token"
echo "    reports (manager):    $url/reports.html?token=$manager_token"
echo "  API (admin):  curl -H 'Authorization: Bearer $admin_token' $url/api/v1/tags"
echo "  Tokens: out/demo-tokens. Ctrl-C stops it."
echo
tail -n +1 -f "$log" &
wait "$sim"
