#!/bin/sh
# trackd under load: starts trackd on the demo site on a free loopback port,
# runs trackd-load against it (one ingest connection per scanner, live
# clients on every floor), stops trackd with SIGTERM (it must exit 0), and
# does the same again with a lighter load; then prints both tables.
#
# usage: sh bench/bench-trackd.sh [BUILD] [TAGS] [CLIENTS]
#        (defaults: build 10000 100; run it from the repository root)
# Environment: DURATION (30) and WARMUP (5), in seconds; TRACKD_ARGS, more
# options for trackd (e.g. "--tick-ms 250"); MQTT=no leaves out the run
# with the reports through a mosquitto broker (MOSQUITTO: its path).
#
# Each run gets a fresh trackd, so that its memory figures are its own (the
# peak RSS of a process cannot be reset). Where the machine has two cores or
# more and taskset(1), trackd runs on core 0 and trackd-load on core 1, so
# that the load tool's own work does not delay trackd (PIN=no turns it off);
# otherwise both share the cores: read the CPU figures with that in mind.
#
# Output: "name value unit" lines; lines starting with '#' are context.
set -eu

build=${1:-build}
tags=${2:-10000}
clients=${3:-100}
duration=${DURATION:-30}
warmup=${WARMUP:-5}
extra=${TRACKD_ARGS:-}
pin_trackd=
pin_load=
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "${PIN:-yes}" != no ] && [ "$cores" -ge 2 ] 2>/dev/null &&
	command -v taskset >/dev/null 2>&1; then
	pin_trackd="taskset -c 0"
	pin_load="taskset -c 1"
fi
site=floorplans/demo/site.json
trackd=$build/server/trackd
load=$build/bench/trackd-load

for exe in "$trackd" "$load"; do
	if [ ! -x "$exe" ]; then
		echo "bench-trackd: $exe not found" \
			"(build first: ninja -C $build)" >&2
		exit 1
	fi
done
if [ ! -f "$site" ]; then
	echo "bench-trackd: $site not found (run from the repository root)" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-trackd.XXXXXX")
pid=
cleanup() {
	if [ -n "${broker_pid:-}" ]; then
		kill "$broker_pid" 2>/dev/null || :
	fi
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A trackd with a history database takes --db; one without does not.
with_db=
if "$trackd" --help 2>&1 | grep -q -e '--db'; then
	with_db=yes
fi

# Starts trackd as run $1 on a free port: tries ports until one is not
# taken. Sets pid and port.
start_trackd() {
	log=$dir/trackd-$1.log
	tries=0
	while [ "$tries" -lt 20 ]; do
		port=$((20000 + ($$ * 7 + tries * 2111) % 40000))
		# exec: $! must be trackd itself, not a shell around it (its
		# CPU and memory are measured, and it gets the SIGTERM).
		# TRACKD_ARGS is a list of words: split on purpose.
		if [ -n "$with_db" ]; then
			# shellcheck disable=SC2086
			(exec $pin_trackd "$trackd" --site "$site" --port "$port" \
				--db "$dir/trackd-$1.db" $extra) >"$log" 2>&1 &
		else
			# shellcheck disable=SC2086
			(exec $pin_trackd "$trackd" --site "$site" --port "$port" \
				$extra) >"$log" 2>&1 &
		fi
		pid=$!
		waited=0
		while [ "$waited" -lt 100 ]; do
			if grep -q 'listening on' "$log"; then
				return 0
			fi
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			sleep 0.1
			waited=$((waited + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "bench-trackd: trackd did not start in 10 s:" >&2
			cat "$log" >&2
			exit 1
		fi
		wait "$pid" 2>/dev/null || :
		pid=
		if ! grep -q 'cannot listen' "$log"; then
			echo "bench-trackd: trackd did not start:" >&2
			cat "$log" >&2
			exit 1
		fi
		tries=$((tries + 1))
	done
	echo "bench-trackd: no free port found" >&2
	exit 1
}

# Stops trackd with SIGTERM; it must exit 0.
stop_trackd() {
	rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	pid=
	if [ "$rc" -ne 0 ]; then
		echo "bench-trackd: trackd exited $rc on SIGTERM:" >&2
		tail -n 20 "$dir/trackd-$1.log" >&2
		failed=yes
	fi
}

# A mosquitto broker on a free loopback port for the "mqtt" run (with
# trackd-load's core where cores are pinned). Sets broker_pid, broker_port.
start_broker() {
	broker_port=$((20000 + ($$ * 13 + 977) % 40000))
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n' \
		"$broker_port" >"$dir/mosquitto.conf"
	# shellcheck disable=SC2086
	(exec $pin_load "$mosquitto" -c "$dir/mosquitto.conf") \
		>"$dir/mosquitto.log" 2>&1 &
	broker_pid=$!
	sleep 0.5
	if ! kill -0 "$broker_pid" 2>/dev/null; then
		echo "bench-trackd: mosquitto did not start:" >&2
		cat "$dir/mosquitto.log" >&2
		broker_pid=
		return 1
	fi
}

# One run: $1 name, $2 tags, $3 live clients, $4 "secure" for tokens and
# TLS (an admin token for every connection, a certificate made here), or
# "mqtt" for the scanners' reports through the broker.
run() {
	scheme=ws
	auth=
	via=
	saved_extra=$extra
	if [ "${4:-}" = mqtt ]; then
		extra="$extra --mqtt mqtt://127.0.0.1:$broker_port --mqtt-client-id bench-$1"
		via="--mqtt mqtt://127.0.0.1:$broker_port"
	fi
	if [ "${4:-}" = secure ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 1 \
			-subj /CN=127.0.0.1 >/dev/null 2>&1
		token=$("$trackd" token add --role admin --name bench \
			--db "$dir/trackd-$1.db" | tail -n 1)
		extra="$extra --tls-cert $dir/cert.pem --tls-key $dir/key.pem"
		scheme=wss
		auth="--token $token"
	fi
	start_trackd "$1"
	extra=$saved_extra
	echo "bench-trackd: $1: trackd on port $port; $2 tags, $3 live" \
		"clients, ${warmup} s + ${duration} s" >&2
	# shellcheck disable=SC2086
	# shellcheck disable=SC2086
	if ! $pin_load "$load" --url "$scheme://127.0.0.1:$port" --site "$site" \
		--tags "$2" --rate 1 --clients "$3" --duration "$duration" \
		--warmup "$warmup" --pid "$pid" $auth $via >"$dir/$1.txt"; then
		echo "bench-trackd: $1: trackd-load failed" >&2
		failed=yes
	fi
	stop_trackd "$1"
}

failed=
run heavy "$tags" "$clients"
run light 2000 10
if [ -n "$with_db" ] && command -v openssl >/dev/null 2>&1; then
	run secure 2000 10 secure
fi
mosquitto=${MOSQUITTO:-/usr/sbin/mosquitto}
broker_pid=
if [ "${MQTT:-yes}" != no ] && [ -x "$mosquitto" ] &&
	"$trackd" --help 2>&1 | grep -q -e '--mqtt' && start_broker; then
	run mqtt "$tags" "$clients" mqtt
	run mqtt-light 2000 10 mqtt
	kill "$broker_pid" 2>/dev/null || :
	wait "$broker_pid" 2>/dev/null || :
	broker_pid=
fi

if [ -n "$pin_trackd" ]; then
	shared="trackd on core 0, trackd-load on core 1"
else
	shared="shared by trackd and trackd-load"
fi
echo "# bench-trackd: $cores cores, $shared;" \
	"targets (DESIGN.md): 60000 reports/s with 100 live clients," \
	"latency p99 < 100 ms, RSS < 200 MB"
if [ -n "$extra" ]; then
	echo "# trackd options: $extra"
fi
echo
echo "## $tags tags x 1 Hz, $clients live clients"
cat "$dir/heavy.txt"
echo
echo "## lighter: 2000 tags x 1 Hz, 10 live clients"
cat "$dir/light.txt"
if [ -f "$dir/mqtt.txt" ]; then
	echo
	echo "## $tags tags x 1 Hz, $clients live clients, the reports through a mosquitto broker"
	echo "# (trackd --mqtt; accepted: acknowledged by the broker, which shares trackd-load's core)"
	cat "$dir/mqtt.txt"
	echo
	echo "## lighter, through the broker: 2000 tags x 1 Hz, 10 live clients"
	cat "$dir/mqtt-light.txt"
fi
if [ -f "$dir/secure.txt" ]; then
	echo
	echo "## the lighter load with tokens and TLS (wss, https)"
	cat "$dir/secure.txt"
fi
if [ -n "$failed" ]; then
	exit 1
fi
