#!/bin/sh
# The system running on the demo hospital wing: trackd on the site, and
# tracksim walking its staff, patients and equipment through it live over
# track-ingest.v1 (with a badge button pressed every couple of minutes).
# Runs until Ctrl-C, which stops both.
set -eu
build=${1:-build}
port=${DEMO_PORT:-8080}
site=floorplans/demo/site.json
log=${TMPDIR:-/tmp}/trackd-demo.$$

"$build/libtrack/tools/track-site" check "$site"
mkdir -p out
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
	--seed "$(date +%s)" &
sim=$!

echo
echo "  trackd is tracking the demo hospital: open http://127.0.0.1:$port/"
echo "  API: http://127.0.0.1:$port/api/v1/tags, /api/v1/alarms, /metrics"
echo "  Ctrl-C stops it."
echo
tail -n +1 -f "$log" &
wait "$sim"
