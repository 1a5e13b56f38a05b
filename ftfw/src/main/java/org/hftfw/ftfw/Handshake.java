package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Set;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one capability handshake between hFT-FW peers: each side sends a CAPS ({@link Ext}) when it starts, and
 * answers every CAPS that is not itself an answer; the capabilities used are those both offer.
 *
 * <p>Design note. A stock conntrackd drops a CAPS as a wrong protocol version before any state (see {@link Ext}),
 * so the handshake is tried {@link #TRIES} times, {@code retry} apart, and then the peer is taken for a stock one
 * ({@link State#STOCK}): no capability is used and the FT-FW link behaves exactly as without extensions. An hFT-FW
 * peer that starts later sends its own CAPS, which resolves it. When the peer restarts (its FT-FW HELLO) and no new
 * CAPS came with the restart, it is asked again: it may have come back as a stock conntrackd. Each side picks a
 * random nonce at start; CAPS carries it, and authenticated datagrams are bound to the receiver's nonce
 * ({@link DatagramAuth}). With a key, nothing but CAPS is sent until the handshake is resolved (at most
 * {@code TRIES * retry}, by default 1 s); a stock peer then gets plain FT-FW unless authentication is required.
 * With {@code require}, a peer that does not authenticate is refused loudly: nothing is sent to it and every
 * datagram from it is dropped and counted; without it, the first contact decides and an authenticated pair stays
 * authenticated until this node restarts (no downgrade by a forged unauthenticated datagram either way).
 */
final class Handshake {
    private static final Logger LOG = LoggerFactory.getLogger(Handshake.class);
    static final int TRIES = 4;
    /** With auth required and no answer: keep asking this often, nothing else can make the pair work. */
    static final long REQUIRED_RETRY_NANOS = 10_000_000_000L;

    enum State { PENDING, HFTFW, STOCK }

    /** Sends one datagram (CAPS) outside the FT-FW queues. */
    interface RawSink {
        void send(ByteBuf datagram);
    }

    private final Scheduler sched;
    private final ByteBufAllocator alloc;
    private final RawSink sink;
    private final DatagramAuth auth;
    private final boolean require;
    private final int offered;
    private final int required;
    private final long nonce;
    private final long retryNanos;
    private final Runnable onChange;
    private final LogLimiter refusalLog;

    private State state = State.PENDING;
    private int tries;
    private long peerNonce;
    private long peerNonceAtRestart;
    private int agreed;
    private boolean authActive;
    private long capsTx;
    private long capsRx;
    private Scheduler.Cancellable retry;
    private boolean closed;
    /** Silent in the start's warm-up: its two engines' handshake is not the peer's ({@link WarmUp.Rehearsal}). */
    private final Logger log;

    /**
     * @param offered  what this node can do ({@link Capability} bits); AUTH only when {@code auth} is set
     * @param onChange runs on every change of state or agreed capabilities (the engine re-checks its gate)
     */
    Handshake(Scheduler sched, ByteBufAllocator alloc, RawSink sink, DatagramAuth auth, boolean require,
              Set<Capability> offered, long nonce, long retryNanos, Runnable onChange) {
        this.sched = sched;
        this.alloc = alloc;
        this.sink = sink;
        this.auth = auth;
        this.require = require;
        this.offered = Capability.bits(offered);
        this.required = require ? Capability.AUTH.bit : 0;
        this.nonce = nonce;
        this.retryNanos = retryNanos;
        this.onChange = onChange;
        this.refusalLog = new LogLimiter(sched, 10_000_000_000L);
        this.authActive = require;
        this.log = sched instanceof WarmUp.Rehearsal ? org.slf4j.helpers.NOPLogger.NOP_LOGGER : LOG;
    }

    void start() {
        tries = 0;
        state = State.PENDING;
        attempt();
    }

    private void attempt() {
        retry = null;
        if (closed || state == State.HFTFW) {
            return;
        }
        if (state == State.PENDING && tries >= TRIES) {
            state = State.STOCK;
            if (require) {
                // the first node of a pair to start gets here too (its peer is not running yet): say so, and that
                // it keeps asking, or the operator reads a stock conntrackd into a normal start (docs/deploy.md)
                refuse("the peer has not answered the capability handshake (not started yet, unreachable, a stock "
                        + "conntrackd, or hFT-FW without sync.extensions; asked again every "
                        + REQUIRED_RETRY_NANOS / 1_000_000_000L + " s)");
            } else {
                log.info("no answer to the hFT-FW capability handshake: the peer is taken for a stock conntrackd, "
                        + "plain FT-FW is used");
            }
            onChange.run();
        }
        if (state == State.STOCK && !require) {
            return;
        }
        tries++;
        send(false);
        retry = sched.schedule(this::attempt, state == State.STOCK ? REQUIRED_RETRY_NANOS : retryNanos);
    }

    private void send(boolean reply) {
        ByteBuf d = alloc.buffer(Ext.CAPS_SIZE + Ext.AUTH_SIZE);
        Ext.writeCaps(d, reply, offered, required, nonce, peerNonce);
        if (auth != null) {
            auth.seal(d, peerNonce);
        }
        capsTx++;
        sink.send(d);
    }

    /** Answers the peer's CAPS (unless it answers ours) and takes its capabilities. */
    void onCaps(FtfwMessage.Caps c, boolean authenticated) {
        capsRx++;
        if (!c.reply()) {
            peerNonce = c.nonce();
            send(true);
        }
        peerNonce = c.nonce();
        int peerOffers = c.offered();
        if (!authenticated) {
            peerOffers &= ~Capability.AUTH.bit;     // an unauthenticated offer of AUTH is no proof of the key
        }
        if ((c.required() & Capability.AUTH.bit) != 0 && auth == null && refusalLog.due()) {
            log.error("the peer requires authentication (its sync.auth.require) and this node has no "
                    + "sync.auth.key-file: the peer drops everything this node sends");
        }
        boolean wasAuth = authActive;
        agreed = offered & peerOffers;
        authActive = authActive || (agreed & Capability.AUTH.bit) != 0;
        if (require && !authenticated) {
            refuse("the peer does not authenticate (no sync.auth.key-file there, or another key)");
        }
        if (authActive && !wasAuth) {
            log.info("sync link authenticated (HMAC-SHA-256) with the hFT-FW peer");
        }
        State before = state;
        state = State.HFTFW;
        if (retry != null) {
            retry.cancel();
            retry = null;
        }
        if (before != State.HFTFW) {
            log.info("hFT-FW peer: agreed capabilities {}", Capability.of(agreed));
        }
        onChange.run();
    }

    /**
     * The peer restarted (a new FT-FW HELLO series). If no CAPS came with the restart, it may be another program
     * now: ask again, and use nothing until it answers or the tries run out.
     */
    void onPeerRestart() {
        if (peerNonce != 0 && peerNonce != peerNonceAtRestart) {
            peerNonceAtRestart = peerNonce;             // its CAPS came with the restart
            return;
        }
        if (retry != null) {
            retry.cancel();
        }
        agreed = 0;
        start();
        onChange.run();
    }

    /** A datagram from the peer's address failed authentication: it may not know our nonce; tell it (rate-limited). */
    void onAuthFailure() {
        if (state == State.HFTFW && retry == null) {
            send(false);
            retry = sched.schedule(() -> retry = null, retryNanos);
        }
    }

    /** Unauthenticated datagrams arrive while authentication is in force. */
    void onUnauthenticated() {
        if (require && state != State.HFTFW) {
            refuse("plain FT-FW datagrams arrive from the peer (a stock conntrackd, or hFT-FW without the key)");
        }
    }

    private void refuse(String why) {
        if (refusalLog.due()) {
            log.error("sync.auth.require is set and {}: nothing is sent to the peer and its datagrams are dropped{}",
                    why, refusalLog.suppressed() > 0 ? " (" + refusalLog.suppressed() + " more since the last line)" : "");
        }
    }

    /** Whether the FT-FW queues may transmit: without a key always; with one, once resolved and allowed. */
    boolean canTransmit() {
        if (auth == null) {
            return true;
        }
        if (state == State.PENDING) {
            return false;
        }
        return !authActive || (peerNonce != 0 && (agreed & Capability.AUTH.bit) != 0);
    }

    boolean pending() {
        return state == State.PENDING;
    }

    boolean agreed(Capability c) {
        return state == State.HFTFW && (agreed & c.bit) != 0;
    }

    Set<Capability> agreed() {
        return state == State.HFTFW ? Capability.of(agreed) : Set.of();
    }

    State state() {
        return state;
    }

    boolean authActive() {
        return authActive;
    }

    long nonce() {
        return nonce;
    }

    long peerNonce() {
        return peerNonce;
    }

    long capsTx() {
        return capsTx;
    }

    long capsRx() {
        return capsRx;
    }

    void close() {
        closed = true;
        if (retry != null) {
            retry.cancel();
        }
    }
}
