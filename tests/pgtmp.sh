#!/bin/sh
# A throwaway PostgreSQL server for the tests, in a temporary directory,
# on a free loopback port, reached as postgresql://trackd@127.0.0.1:PORT/.
#
#   pgtmp.sh start          makes and starts one; prints "DIR PORT"
#   pgtmp.sh stop DIR       stops it (keeps DIR: start-again brings it back)
#   pgtmp.sh start-again DIR  starts it again on its port
#   pgtmp.sh remove DIR     stops it and removes DIR
#
# Exits 77 (a test's "skip") when no PostgreSQL server programs are
# installed. As root, the server runs as the postgres user (PostgreSQL
# refuses to run as root), which gets the directory.
set -eu

bindir=""
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
	bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
	echo "pgtmp: no PostgreSQL server programs (initdb, pg_ctl) found:" \
	     "install Debian's postgresql" >&2
	exit 77
fi

as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	dir=$1 port=$2
	as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
		-o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" \
		start >/dev/null
}

case "${1:-}" in
start)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/pgtmp-XXXXXX")
	chmod 0755 "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		if ! id postgres >/dev/null 2>&1; then
			echo "pgtmp: running as root and there is no postgres" \
			     "user to run the server as" >&2
			rm -rf "$dir"
			exit 1
		fi
		chown postgres "$dir"
	fi
	as_server "$bindir/initdb" -D "$dir/data" -U trackd --auth=trust \
		--no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		exit 1
	}
	# A free port: another server may take one first, so a few tries.
	for try in 1 2 3 4 5 6 7 8; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		if pg_start "$dir" "$port" 2>/dev/null; then
			echo "$port" >"$dir/port"
			echo "$dir $port"
			exit 0
		fi
	done
	cat "$dir/log" >&2
	rm -rf "$dir"
	exit 1
	;;
stop)
	as_server "$bindir/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
	;;
start-again)
	pg_start "$2" "$(cat "$2/port")"
	;;
remove)
	as_server "$bindir/pg_ctl" -D "$2/data" -m immediate -w stop \
		>/dev/null 2>&1 || true
	rm -rf "$2"
	;;
*)
	echo "usage: pgtmp.sh start | stop DIR | start-again DIR | remove DIR" >&2
	exit 2
	;;
esac
