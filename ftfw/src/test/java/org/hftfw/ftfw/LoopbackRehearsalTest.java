package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The start-up rehearsal of the sync socket's Netty code carries its datagrams over the loopback, either transport. */
class LoopbackRehearsalTest {
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyDatagramOfTheRehearsalArrivesAndTheSocketsAreClosedAfter(boolean epoll) throws Exception {
        boolean useEpoll = epoll && Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                useEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            int back = LoopbackRehearsal.run(group.next(), useEpoll, ByteBufAllocator.DEFAULT, 1_400, 300,
                    Duration.ofSeconds(30));
            assertEquals(300, back, "datagrams back over the loopback");
            // the loop has nothing of the rehearsal's left: both links closed, so a second one binds and runs alike
            assertEquals(10, LoopbackRehearsal.run(group.next(), useEpoll, ByteBufAllocator.DEFAULT, 100, 10,
                    Duration.ofSeconds(30)));
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
