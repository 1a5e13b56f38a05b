package org.hftfw.ftfw;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only inbound handler of an {@link FtfwChannel}: hands each received datagram and its sender to the engine,
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
        if (engine != null) {
            engine.receive(packet.content(), packet.sender());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("FT-FW channel error", cause);
    }
}
