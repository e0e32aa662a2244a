#!/bin/sh
# Installs the Debian packages the build needs, and only those missing:
# a machine that already has them is left alone (no apt-get at all). Then
# the npm packages of the web page and of its tests, from their lock files.
set -eu
cd "$(dirname "$0")/.."

need=""
has_cmd() { command -v "$1" >/dev/null 2>&1; }
has_pc() { has_cmd pkg-config && pkg-config --exists "$1" 2>/dev/null; }

has_cmd cc || need="$need gcc"
has_cmd pkg-config || need="$need pkg-config"
has_cmd meson || need="$need meson"
has_cmd ninja || need="$need ninja-build"
has_cmd python3 || need="$need python3"
has_pc gsl || need="$need libgsl-dev"
has_pc jansson || need="$need libjansson-dev"
has_pc yaml-0.1 || need="$need libyaml-dev"
has_pc criterion || need="$need libcriterion-dev"
has_pc libwebsockets || need="$need libwebsockets-dev"
has_pc sqlite3 || need="$need libsqlite3-dev"
# --db postgresql://...: libpq; and a PostgreSQL server, which the store's
# tests start in a temporary directory (its initdb, pg_ctl; pg_dump for
# trackd backup).
has_pc libpq || need="$need libpq-dev"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || has_cmd initdb ||
	need="$need postgresql"
has_pc libcrypto || need="$need libssl-dev"
has_pc cjose || need="$need libcjose-dev"
# The sqlite3 shell: a test holds the database's lock with it.
has_cmd sqlite3 || need="$need sqlite3"
# openssl: the TLS test makes its certificate with it.
has_cmd openssl || need="$need openssl"
has_cmd node || need="$need nodejs"
# The scanner agents: trackscan (libbluetooth), trackbridge (libmosquitto)
# and its tests' broker.
has_pc bluez || need="$need libbluetooth-dev"
has_pc libmosquitto || need="$need libmosquitto-dev"
[ -x /usr/sbin/mosquitto ] || has_cmd mosquitto || need="$need mosquitto"
# Its tests publish and subscribe with Mosquitto's own clients.
has_cmd mosquitto_pub || need="$need mosquitto-clients"
has_cmd npm || need="$need npm"
has_cmd chromium || need="$need chromium"
# The fuzzers: clang and its libFuzzer runtime (only recommended by clang,
# which --no-install-recommends leaves out).
has_cmd clang || need="$need clang"
fuzz_probe='int LLVMFuzzerTestOneInput(const char *d, unsigned long n)
{ return 0; }'
has_fuzzer() {
	has_cmd clang && echo "$fuzz_probe" |
		clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1
}
has_fuzzer || need="$need libclang-rt-dev"

# The web page's libraries (server/web) and its test driver (tests/web)
# come from npm, pinned by their lock files: installed when node_modules
# is missing or older than the lock file.
npm_ci() {
	dir=$1
	if [ ! -d "$dir/node_modules" ] ||
	   [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
		echo "install-deps: npm ci in $dir"
		npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
		touch "$dir/node_modules"
	fi
}

if [ -z "$need" ]; then
	npm_ci server/web
	npm_ci tests/web
	exit 0
fi

echo "install-deps: installing:$need"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if has_cmd sudo; then
		sudo="sudo"
	else
		echo "install-deps: need root (or sudo) to install:$need" >&2
		exit 1
	fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $need
npm_ci server/web
npm_ci tests/web
