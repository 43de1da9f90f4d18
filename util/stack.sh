# util/stack.sh: the stack's start and stop, sourced by util/fngate,
# util/run-tests.sh and util/bench.sh (docs/testing.md, "The stack
# library").  Not a program: it defines functions and changes nothing
# until one is called.
#
# The sourcing script sets ROOT (the checkout) and BUILD (its build
# directory) first.  The functions print their failures on stderr and
# return non-zero; the caller decides whether that ends it.
#
#   stack_libvirt                  libvirtd and virtlogd, when not running
#                                  (util/libvirt-up.sh); prints "started
#                                  NAME PID" for each one it started
#   stack_redis DIR PORT MAXMEMORY [persist]
#                                  a Redis on 127.0.0.1:PORT, its files in
#                                  DIR (redis.conf, redis.pid, redis.log),
#                                  maxmemory MAXMEMORY with noeviction (full,
#                                  it refuses writes and evicts nothing);
#                                  persist: every write in the append-only
#                                  file before Redis answers it (`fngate
#                                  up`), else no persistence (tests, bench)
#   stack_redis_cluster DIR PORT MAXMEMORY [persist [NODES]]
#                                  a Redis Cluster of NODES (6) nodes on
#                                  127.0.0.1:PORT.., half masters with a
#                                  replica each, node P's files in DIR/P
#                                  (nodes.conf too); cluster-node-timeout
#                                  STACK_CLUSTER_NODE_TIMEOUT ms (2000);
#                                  returns when every node says
#                                  cluster_state:ok (made once, then
#                                  restarted as it was)
#   stack_redis_cluster_addrs PORT [NODES]
#                                  prints its address list ("127.0.0.1:PORT
#                                  ... cluster": `redis` / `fngate_redis`)
#   stack_fngated_opts STATE REDIS_PORT [KEY=VALUE]...
#                                  sets the array FNGATED_OPTS: -c
#                                  conf/fngated.conf and one -o per key the
#                                  file spells with a placeholder (@STATE@,
#                                  @ROOT@, @BUILD@, @REDIS_PORT@) filled,
#                                  then pid_file, then the KEY=VALUEs given
#                                  (a later one of a key wins; a stack
#                                  gives its nginx as gateway=HOST:PORT)
#   stack_fngated STATE REDIS_PORT [KEY=VALUE]...
#                                  starts fngated with those options (its
#                                  log STATE/fngated/fngated.log, the
#                                  command line in STATE/fngated/
#                                  fngated.args, one word a line) and waits
#                                  for its readiness signal: the pid file
#                                  STATE/fngated/fngated.pid, which fngated
#                                  writes once its socket listens and its
#                                  VM pool is up (STACK_READY_SECS, 300;
#                                  not ready by then, it is stopped;
#                                  meanwhile its pid is in
#                                  STATE/fngated/fngated.starting); sets
#                                  FNGATED_PID
#   stack_fill TEMPLATE DST STATE PORT REDIS_PORT
#                                  conf/nginx.conf's placeholders filled
#                                  (@USER@: root when run as root, else the
#                                  line is dropped); STACK_REDIS_ADDRS (an
#                                  address list) replaces fngate_redis's,
#                                  STACK_FNGATED_SOCKETS (paths) the
#                                  upstream's server line, one line each
#   stack_server PORT SOCKET [on]  a server block on 127.0.0.1:PORT passing
#                                  all to the FastCGI unix SOCKET (with "on":
#                                  through the fngate module)
#   stack_nginx DIR CONF PORT      nginx -p DIR/ -c CONF, or a reload of the
#                                  running one (DIR/nginx.pid); waits until
#                                  http://127.0.0.1:PORT/ answers; sets
#                                  NGINX_PID
#   stack_alive PID / stack_pid_alive FILE [COMM]
#                                  a live process (zombies do not count);
#                                  a pid file's, and with COMM that program
#   stack_stop_pid PID [SIGNAL [SECONDS]]
#                                  signals it (TERM), waits (20 s), KILLs
#   stack_wait SECONDS WHAT COMMAND...
#                                  polls COMMAND every 0.1 s until it
#                                  succeeds; non-zero after SECONDS
#   stack_cpu_ticks PID...         prints the processes' CPU time so far
#                                  (utime + stime, clock ticks), summed;
#                                  one that has gone counts 0
#   stack_redis_cmds PORT...       prints the Redis servers' count of
#                                  commands processed, summed

NGINX=${NGINX:-${FNGATE_NGINX:-/usr/sbin/nginx}}

stack_cpu_ticks() {
    local pid total=0 s
    for pid in "$@"; do
        s=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        s=${s##*) }      # (the command's name may hold spaces)
        total=$((total + $(awk '{ print $12 + $13 }' <<<"$s")))
    done
    echo "$total"
}

stack_redis_cmds() {
    local port total=0 n
    for port in "$@"; do
        n=$(redis-cli -h 127.0.0.1 -p "$port" info stats |
            sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p')
        total=$((total + ${n:-0}))
    done
    echo "$total"
}

stack_alive() {
    [ -d "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

stack_pid_alive() {
    local f=$1 comm=${2:-} pid c
    [ -s "$f" ] || return 1
    pid=$(cat "$f" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stack_alive "$pid" || return 1
    if [ -n "$comm" ]; then
        read -r c <"/proc/$pid/comm" 2>/dev/null || return 1
        [ "$c" = "$comm" ] || return 1
    fi
}

stack_wait() {
    local secs=$1 what=$2 i
    shift 2
    for ((i = 0; i < secs * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "stack: $what did not come up within ${secs}s" >&2
    return 1
}

stack_stop_pid() {
    local pid=$1 sig=${2:-TERM} secs=${3:-20} i
    stack_alive "$pid" || return 0
    kill "-$sig" "$pid" 2>/dev/null || return 0
    for ((i = 0; i < secs * 10; i++)); do
        stack_alive "$pid" || return 0
        sleep 0.1
    done
    echo "stack: pid $pid did not stop; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        stack_alive "$pid" || return 0
        sleep 0.1
    done
}

stack_unix_socket_answers() {
    perl -MIO::Socket::UNIX -e \
        'exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 1)' "$1"
}

stack_libvirt() {
    LIBVIRT_URI=${LIBVIRT_URI:-qemu:///system} "$ROOT/util/libvirt-up.sh"
}

stack_redis_conf() {
    local d=$1 port=$2 maxmemory=$3 persist=${4:-} cluster=${5:-}
    mkdir -p "$d"
    {
        echo "# written by util/stack.sh (stack_redis)"
        echo "bind 127.0.0.1"
        echo "port $port"
        echo "protected-mode yes"
        echo "daemonize yes"
        echo "pidfile $d/redis.pid"
        echo "logfile $d/redis.log"
        echo "dir $d"
        if [ "$persist" = persist ]; then
            echo "# Every write is in the append-only file before Redis answers it."
            echo "appendonly yes"
            echo "appendfsync always"
            echo "save 900 1"
            echo "save 300 10"
        else
            echo "appendonly no"
            echo 'save ""'
        fi
        echo "# Everything fngate stores lives here: when it is full, writes are"
        echo "# refused (fngated answers 503 ServiceException, nothing half-written)"
        echo "# and nothing is evicted; reads and deletes go on."
        echo "maxmemory $maxmemory"
        echo "maxmemory-policy noeviction"
        if [ "$cluster" = cluster ]; then
            echo "# A node of a Redis Cluster (stack_redis_cluster): a master that"
            echo "# does not answer for cluster-node-timeout ms is failed over to"
            echo "# its replica."
            echo "cluster-enabled yes"
            echo "cluster-config-file $d/nodes.conf"
            echo "cluster-node-timeout ${STACK_CLUSTER_NODE_TIMEOUT:-2000}"
            echo "cluster-require-full-coverage no"
            echo "cluster-allow-reads-when-down no"
        fi
    } >"$d/redis.conf"
}

stack_redis() {
    local d=$1 port=$2
    stack_redis_conf "$@" || return 1
    redis-server "$d/redis.conf" || return 1
    stack_wait 20 redis sh -c "redis-cli -h 127.0.0.1 -p $port ping | grep -q PONG"
}

# A Redis Cluster of NODES nodes on ports PORT.. (half masters, each with
# one replica), in DIR/PORT each; waits until every node says the
# cluster is ok.  A cluster already made (DIR/PORT/nodes.conf) is started
# again as it was.
stack_redis_cluster() {
    local d=$1 port=$2 maxmemory=$3 persist=${4:-} nodes=${5:-6} i p
    local -a addrs=()
    for ((i = 0; i < nodes; i++)); do
        p=$((port + i))
        addrs+=("127.0.0.1:$p")
        stack_pid_alive "$d/$p/redis.pid" redis-server && continue
        stack_redis_conf "$d/$p" "$p" "$maxmemory" "$persist" cluster || return 1
        redis-server "$d/$p/redis.conf" || return 1
    done
    for ((i = 0; i < nodes; i++)); do
        p=$((port + i))
        stack_wait 20 "redis $p" sh -c "redis-cli -p $p ping | grep -q PONG" || return 1
    done
    if ! redis-cli -p "$port" cluster info | grep -q '^cluster_known_nodes:'"$nodes"; then
        redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 \
            --cluster-yes >"$d/create.log" 2>&1 || {
            echo "stack: redis-cli --cluster create failed ($d/create.log)" >&2
            return 1
        }
    fi
    for ((i = 0; i < nodes; i++)); do
        p=$((port + i))
        stack_wait 30 "redis cluster (node $p)" sh -c \
            "redis-cli -p $p cluster info | grep -q '^cluster_state:ok'" || return 1
    done
    # and every replica has its master's data (a failover needs one)
    stack_wait 30 "redis cluster replicas" sh -c \
        "[ \$(for p in \$(seq $port $((port + nodes - 1))); do
               redis-cli -p \$p info replication; done |
             grep -c '^master_link_status:up') -ge $((nodes / 2)) ]"
}

# The address list fngated's `redis` and nginx's `fngate_redis` take for
# the cluster of stack_redis_cluster (its masters' ports as seeds).
stack_redis_cluster_addrs() {
    local port=$1 nodes=${2:-6} i
    for ((i = 0; i < nodes; i++)); do
        printf '127.0.0.1:%d ' $((port + i))
    done
    echo cluster
}

stack_fngated_opts() {
    local state=$1 redis_port=$2 line key val kv i
    shift 2
    local -a keys=() vals=()
    # the file's placeholders, filled (conf/fngated.conf spells the layout)
    while IFS= read -r line; do
        [[ "$line" =~ ^([a-z_]+)\ =\ (.*@[A-Z_]+@.*)$ ]] || continue
        val=${BASH_REMATCH[2]}
        val=${val//@STATE@/$state}
        val=${val//@ROOT@/$ROOT}
        val=${val//@BUILD@/$BUILD}
        val=${val//@REDIS_PORT@/$redis_port}
        keys+=("${BASH_REMATCH[1]}")
        vals+=("$val")
    done <"$ROOT/conf/fngated.conf"
    for kv in "pid_file=$state/fngated/fngated.pid" "$@"; do
        key=${kv%%=*}
        for ((i = 0; i < ${#keys[@]}; i++)); do
            [ "${keys[$i]}" = "$key" ] && break
        done
        keys[$i]=$key
        vals[$i]=${kv#*=}
    done
    FNGATED_OPTS=(-c "$ROOT/conf/fngated.conf")
    for ((i = 0; i < ${#keys[@]}; i++)); do
        FNGATED_OPTS+=(-o "${keys[$i]}=${vals[$i]}")
    done
}

stack_fngated() {
    local state=$1 d=$1/fngated secs=${STACK_READY_SECS:-300} i pid
    [ -x "$BUILD/fngated" ] || {
        echo "stack: $BUILD/fngated is not built (make build)" >&2; return 1; }
    mkdir -p "$d" "$state/vm"
    stack_fngated_opts "$@" || return 1
    printf '%s\n' "$BUILD/fngated" "${FNGATED_OPTS[@]}" >"$d/fngated.args"
    rm -f "$d/fngated.pid" "$d/fngated.sock"
    # (9>&-: run-tests.sh's lock stays with run-tests.sh)
    setsid "$BUILD/fngated" "${FNGATED_OPTS[@]}" </dev/null \
        >>"$d/fngated.log" 2>&1 9>&- &
    FNGATED_PID=$!
    # (the pid until it is ready, for a stop meanwhile: `fngate down`)
    echo "$FNGATED_PID" >"$d/fngated.starting"
    for ((i = 0; i < secs * 10; i++)); do
        if [ -s "$d/fngated.pid" ]; then
            pid=$(cat "$d/fngated.pid")
            FNGATED_PID=$pid
            rm -f "$d/fngated.starting"
            return 0
        fi
        if ! stack_alive "$FNGATED_PID"; then
            echo "stack: fngated exited; see $d/fngated.log:" >&2
            tail -n 5 "$d/fngated.log" >&2
            rm -f "$d/fngated.starting"
            return 1
        fi
        sleep 0.1
    done
    # not ready: stopped, so that no fngated runs without its pid file
    echo "stack: fngated (pid $FNGATED_PID) not ready within ${secs}s; stopping it; see $d/fngated.log" >&2
    stack_stop_pid "$FNGATED_PID"
    rm -f "$d/fngated.starting"
    return 1
}

stack_fill() {
    local src=$1 dst=$2 state=$3 port=$4 redis_port=$5 user=root
    [ "$(id -u)" -eq 0 ] || user=
    sed -e "s|@STATE@|$state|g" -e "s|@ROOT@|$ROOT|g" \
        -e "s|@PORT@|$port|g" -e "s|@REDIS_PORT@|$redis_port|g" \
        -e "s|@MODULE@|$BUILD/ngx_http_fngate_module.so|g" \
        -e "s|@BUILD@|$BUILD|g" "$src" |
    # a cluster's: its Redis nodes, and a server line per fngated host
    awk -v redis="${STACK_REDIS_ADDRS:-}" \
        -v socks="${STACK_FNGATED_SOCKETS:-}" '
        redis != "" && $1 == "fngate_redis" {
            sub(/fngate_redis .*;/, "fngate_redis " redis ";")
        }
        socks != "" && $1 == "server" && $2 ~ /^unix:.*fngated\.sock$/ {
            n = split(socks, s, " ")
            line = $0
            for (i = 1; i <= n; i++) {
                l = line
                sub(/unix:[^ ]*fngated\.sock/, "unix:" s[i], l)
                print l
            }
            next
        }
        { print }' |
    if [ -n "$user" ]; then
        sed -e "s|@USER@|$user|g"
    else
        grep -v '@USER@'
    fi >"$dst.tmp" && mv "$dst.tmp" "$dst"
}

# stack_server PORT SOCKET [on]: an nginx server block on 127.0.0.1:PORT
# that passes everything, with conf/fngate_params, to the FastCGI server
# at the unix SOCKET; with "on", through the fngate module.
stack_server() {
    local port=$1 sock=$2 fngate=''
    [ "${3:-}" = on ] && fngate='
            fngate on;'
    cat <<EOF

    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        location / {$fngate
            include $ROOT/conf/fngate_params;
            fastcgi_pass unix:$sock;
        }
    }
EOF
}

stack_nginx() {
    local d=$1 conf=$2 port=$3
    mkdir -p "$d/logs" "$d/temp"
    [ -f "$BUILD/ngx_http_fngate_module.so" ] || {
        echo "stack: $BUILD/ngx_http_fngate_module.so is not built (make build)" >&2
        return 1; }
    "$NGINX" -q -t -p "$d/" -c "$conf" || {
        echo "stack: nginx rejects $conf" >&2; return 1; }
    if stack_pid_alive "$d/nginx.pid"; then
        "$NGINX" -p "$d/" -c "$conf" -s reload 2>/dev/null || {
            echo "stack: nginx reload failed" >&2; return 1; }
    else
        "$NGINX" -p "$d/" -c "$conf" || return 1
    fi
    stack_wait 10 nginx test -s "$d/nginx.pid" || return 1
    NGINX_PID=$(cat "$d/nginx.pid")
    stack_wait 20 nginx curl -s -o /dev/null "http://127.0.0.1:$port/"
}
