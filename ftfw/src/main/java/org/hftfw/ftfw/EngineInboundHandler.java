package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only inbound handler of an {@link FtfwChannel}'s datagram socket, and the way in for its TCP connections'
 * buffers ({@link #deliver}): hands each received datagram and its sender to the engine,
 * which drops it unless the sender is the peer, decodes it
 * with its {@link FtfwDecoder} and counts what it drops; the datagram is released when {@link #channelRead0}
 * returns ({@link SimpleChannelInboundHandler}'s auto-release). Runs on the channel's event loop, like the engine.
 */
final class EngineInboundHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger LOG = LoggerFactory.getLogger(EngineInboundHandler.class);

    private FtfwEngine engine;

    EngineInboundHandler() {
        super(DatagramPacket.class);
    }

    /**
     * Connects the engine; call on the event loop. The socket is bound before the engine exists (the engine sends
     * through it), so a datagram read in between is released unread, as if it had arrived before the bind.
     */
    void attach(FtfwEngine engine) {
        this.engine = engine;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        deliver(packet.content(), packet.sender());
    }

    /**
     * Hands one buffer of messages (not released) from {@code sender} to the engine; on the event loop. Returns
     * whether it was authenticated and bound to this start of ours (the sender holds the key; never without one).
     */
    boolean deliver(ByteBuf buffer, InetSocketAddress sender) {
        if (engine != null) {
            engine.receive(buffer, sender);
            return engine.lastBoundAuthentic();
        }
        return false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("FT-FW channel error", cause);
    }
}
