#!/bin/sh
# keepalived vrrp_script: exit 0 while this node's replication daemon is alive, i.e. while its control socket has a
# listener in this network namespace (a daemon killed with -9 leaves the socket file behind, but not the listener).
# keepalived runs it in the namespace it runs in; /proc/net is that namespace's view.
#   hftfw-check.sh [ENV_FILE]        DAEMON, HFTFW_SOCKET, CONNTRACKD_SOCKET come from ENV_FILE
ENV_FILE=${1:-/etc/hftfw/keepalived/hftfw-keepalived.env}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DAEMON=hftfw HFTFW_SOCKET=/run/hftfw/sync.ctl CONNTRACKD_SOCKET=/var/run/conntrackd.ctl
# shellcheck disable=SC1090
[ -r "$ENV_FILE" ] && . "$ENV_FILE"
case "$DAEMON" in
    conntrackd) SOCKET=$CONNTRACKD_SOCKET ;;
    *) SOCKET=$HFTFW_SOCKET ;;
esac
# /proc/net/unix lists this namespace's UNIX sockets: Flags 00010000 is a listening socket, the last field its path.
# One awk, no ss: the check runs every second, also when the machine is saturated.
awk -v s="$SOCKET" '$4 == "00010000" && $NF == s { found = 1 } END { exit !found }' /proc/net/unix
