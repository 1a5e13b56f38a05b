#!/bin/sh
# keepalived notify script of an hFT-FW (or stock conntrackd) firewall node, on the sync group:
#   hftfw-notify.sh master|backup|fault [ENV_FILE [VIP]]
# master: the node has just taken the VIPs. Put the peer's replicated flows into the kernel table now
#         (hftfw commit; conntrackd: -c, then -f, -R, -B as conntrack-tools' primary-backup.sh does).
#         keepalived runs this after moving the VIPs, so until the commit returns the flows' packets are INVALID.
#         A proactive handover has committed before the demotion; this second commit then updates in place.
# backup: ask the peer for its whole table (hftfw sync resync; conntrackd: -t, -n).
# fault:  nothing for hftfw; conntrackd: -t (shorten the kernel timers of this node's entries).
# Settings come from ENV_FILE (see hftfw-keepalived.env). Every step is logged to NOTIFY_LOG when set.
#
# Transitions in order. keepalived starts notify scripts without waiting for one another, so on a node that comes
# back (FAULT, BACKUP, MASTER within a second) the BACKUP step's resync could reach the daemon after the MASTER
# step's commit and make the new master stand by again. So one step runs at a time (a lock), and each acts on what
# the node is when its turn comes, not on what it was when keepalived started it: keepalived adds the VIPs before
# it runs notify_master and removes them before notify_backup/notify_fault, so a backup step that finds VIP on this
# node skips its resync (a later MASTER step commits), and a master step that does not find it skips its commit (a
# later BACKUP step follows). Without VIP only the lock applies. (keepalived's vrrp_notify_fifo orders transitions
# too, but through one long-lived reader that keepalived never restarts, in a folder that must exist at its start.)
ROLE=$1
ENV_FILE=${2:-/etc/hftfw/keepalived/hftfw-keepalived.env}
VIP=${3%%/*}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DAEMON=hftfw HFTFW=hftfw HFTFW_SOCKET=/run/hftfw/sync.ctl
CONNTRACKD_CONF=/etc/conntrackd/conntrackd.conf NOTIFY_LOG= NOTIFY_LOCK=/run/hftfw-notify.lock NOTIFY_LOCK_WAIT=60
# shellcheck disable=SC1090
[ -r "$ENV_FILE" ] && . "$ENV_FILE"

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

# has_vip: the VIP is on one of this node's interfaces now
has_vip() {
    [ -n "$(ip -o addr show to "$VIP" 2>/dev/null)" ]
}

log start
exec 9>>"$NOTIFY_LOCK"
# a step that hangs must not hold back every later transition: after NOTIFY_LOCK_WAIT seconds this one runs anyway
flock -w "$NOTIFY_LOCK_WAIT" 9 || log "lock $NOTIFY_LOCK not free after ${NOTIFY_LOCK_WAIT}s: running anyway"
if [ -n "$VIP" ]; then
    case "$ROLE" in
        master) has_vip || { log "skipped: $VIP is no longer here (a later transition follows)"; exit 0; } ;;
        backup|fault) has_vip && { log "skipped: $VIP is here again (a later master step commits)"; exit 0; } ;;
    esac
fi
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
