#!/bin/sh
# pgharness.sh -- a throwaway PostgreSQL server for the tests and benches.
#
#   pgharness.sh start DIR   initdb in DIR, start on 127.0.0.1 at a free port
#                            with its unix socket in DIR, trust auth for the
#                            user qdesk (PGHARNESS_DURABLE=1: keep fsync
#                            on, for benchmarks); prints the libpq DSN of database
#                            qdesk (also written to DIR/dsn)
#   pgharness.sh stop DIR    stops the server and removes DIR
#
# DIR must not exist yet (mktemp -u, or a name under a fresh temp dir); it is
# created here so that, when run as root, it can belong to the user the
# server runs as (initdb refuses root): `postgres` when that user exists,
# else `nobody`.  The server binaries come from $PG_BINDIR, else
# `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.  A
# missing server is an error (exit 1) with the package to install, never a
# skip: `tools/bootstrap test` installs it.
set -eu

die() {
	echo "pgharness: $*" >&2
	exit 1
}

# Finds the directory holding initdb and pg_ctl.
find_bindir() {
	if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
		echo "$PG_BINDIR"
		return
	fi
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	done
	die "PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian" \
	    "package postgresql (apt-get install postgresql; tools/bootstrap test does)"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Runs a command as the server's owner.
as_owner() {
	if [ -n "$OWNER" ]; then
		runuser -u "$OWNER" -- "$@"
	else
		"$@"
	fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: pgharness.sh start|stop DIR"
case $dir in
/*) ;;
*) dir=$(pwd)/$dir ;;
esac

OWNER=
if [ "$(id -u)" -eq 0 ]; then
	if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
fi

case $cmd in
start)
	bindir=$(find_bindir)
	[ -e "$dir" ] && die "$dir already exists"
	mkdir -m 700 "$dir"
	[ -n "$OWNER" ] && chown "$OWNER" "$dir"
	# The parent may be private to root (mktemp -d): let the owner through.
	[ -n "$OWNER" ] && chmod o+x "$(dirname "$dir")" 2>/dev/null || true
	as_owner "$bindir/initdb" -D "$dir/data" -U qdesk --auth=trust -E UTF8 \
	    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	    { cat "$dir/initdb.log" >&2; die "initdb failed in $dir/data"; }
	# Throwaway data: no fsync unless PGHARNESS_DURABLE=1 (the bench's
	# figures are taken with a durable server).
	fast="-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
	[ "${PGHARNESS_DURABLE:-0}" = 1 ] && fast=
	tries=0
	while :; do
		port=$(free_port)
		if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c max_connections=40 -c shared_buffers=128MB -c max_wal_size=4GB -c wal_buffers=16MB $fast" \
		    start >"$dir/pg_ctl.log" 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ]; then
			cat "$dir/pg_ctl.log" "$dir/server.log" >&2 2>/dev/null || true
			die "cannot start PostgreSQL in $dir (see the log above)"
		fi
	done
	echo "$bindir" >"$dir/bindir"
	echo "$port" >"$dir/port"
	as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U qdesk qdesk ||
	    die "createdb qdesk failed on 127.0.0.1:$port"
	dsn="host=127.0.0.1 port=$port user=qdesk dbname=qdesk"
	echo "$dsn" >"$dir/dsn"
	echo "$dsn"
	;;
stop)
	[ -d "$dir" ] || exit 0
	if [ -f "$dir/bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate -w stop \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	die "usage: pgharness.sh start|stop DIR"
	;;
esac
