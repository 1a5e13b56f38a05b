#!/bin/sh
# keepalived notify script of an hFT-FW (or stock conntrackd) firewall node, on the sync group:
#   hftfw-notify.sh fifo ENV_FILE FIFO          (vrrp_notify_fifo_script: keepalived appends the FIFO's name)
#   hftfw-notify.sh master|backup|fault [ENV_FILE]
# fifo:   reads the transitions keepalived writes to its notify FIFO and runs each one of the sync group VRRP_GROUP
#         (default FW) as below, one after the other, in keepalived's order. keepalived starts notify_master/backup
#         scripts without waiting for each other, so on a node that comes back (FAULT -> BACKUP -> MASTER within a
#         second) the BACKUP step's resync could reach the daemon after the MASTER step's commit and make the new
#         master stand by again; the FIFO is delivered in order (keepalived.conf(5): "guarantees that they will be
#         delivered in the correct sequence"). NOTIFY_SCRIPT (default: this script) runs each transition.
# master: the node has just taken the VIPs. Put the peer's replicated flows into the kernel table now
#         (hftfw commit; conntrackd: -c, then -f, -R, -B as conntrack-tools' primary-backup.sh does).
#         keepalived runs this after moving the VIPs, so until the commit returns the flows' packets are INVALID.
#         A proactive handover has committed before the demotion; this second commit then updates in place.
# backup: ask the peer for its whole table (hftfw sync resync; conntrackd: -t, -n).
# fault:  nothing for hftfw; conntrackd: -t (shorten the kernel timers of this node's entries).
# Settings come from ENV_FILE (see hftfw-keepalived.env). Every step is logged to NOTIFY_LOG when set.
ROLE=$1
ENV_FILE=${2:-/etc/hftfw/keepalived/hftfw-keepalived.env}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DAEMON=hftfw HFTFW=hftfw HFTFW_SOCKET=/run/hftfw/sync.ctl
CONNTRACKD_CONF=/etc/conntrackd/conntrackd.conf NOTIFY_LOG= VRRP_GROUP=FW NOTIFY_SCRIPT=
# shellcheck disable=SC1090
[ -r "$ENV_FILE" ] && . "$ENV_FILE"
NOTIFY_SCRIPT=${NOTIFY_SCRIPT:-$0}

if [ "$ROLE" = fifo ]; then
    FIFO=$3
    # keepalived sends SIGTERM when it stops or reloads (a reload starts a new reader): finish the running step first
    trap 'exit 0' TERM
    # a read ends when keepalived closes the FIFO; open it again (that waits for the next writer) while it exists
    while [ -p "$FIFO" ]; do
        while read -r kind name state _; do
            [ "$kind" = GROUP ] && [ "$name" = "\"$VRRP_GROUP\"" ] || continue
            case "$state" in
                MASTER) role=master ;;
                BACKUP) role=backup ;;
                FAULT) role=fault ;;
                *) continue ;;
            esac
            "$NOTIFY_SCRIPT" "$role" "$ENV_FILE"
        done < "$FIFO"
    done
    exit 0
fi

log() {
    [ -n "$NOTIFY_LOG" ] && echo "$(date +%s.%N) $ROLE $*" >> "$NOTIFY_LOG"
    return 0
}

# step NAME COMMAND...: runs one step and logs "NAME rc=N"; a failed step does not stop the next one
step() {
    name=$1
    shift
    "$@" >/dev/null 2>&1
    rc=$?
    log "$name rc=$rc"
}

ctd() {
    step "conntrackd $1" conntrackd -C "$CONNTRACKD_CONF" "$1"
}

log start
case "$DAEMON:$ROLE" in
    hftfw:master)
        # shellcheck disable=SC2086  # HFTFW may be a command with arguments
        step "hftfw commit" $HFTFW commit --socket "$HFTFW_SOCKET" ;;
    hftfw:backup)
        # shellcheck disable=SC2086
        step "hftfw sync resync" $HFTFW sync resync --socket "$HFTFW_SOCKET" ;;
    hftfw:fault) ;;
    conntrackd:master)
        ctd -c
        ctd -f
        ctd -R
        ctd -B ;;
    conntrackd:backup)
        ctd -t
        ctd -n ;;
    conntrackd:fault)
        ctd -t ;;
    *)
        log "unknown DAEMON '$DAEMON' or role '$ROLE'"
        exit 1 ;;
esac
log done
exit 0
