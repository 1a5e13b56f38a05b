package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs an action on a fresh platform thread that has first joined a network namespace with setns(2). A socket
 * keeps the namespace it was created in, so a ctnetlink socket opened there serves that namespace from any
 * thread afterwards. The thread ends with the action, so no other code ever runs in the namespace.
 */
final class Netns {
    private Netns() {}

    static <T> T call(Path netnsFile, Callable<T> action) {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(netnsFile);
            return action.call();
        });
        Thread t = Thread.ofPlatform().name("netns-" + netnsFile.getFileName()).daemon(true).start(task);
        try {
            t.join();
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConntrackException("interrupted while working in network namespace " + netnsFile, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new ConntrackException("failed in network namespace " + netnsFile, e.getCause());
        }
    }

    /** Moves the calling thread into the network namespace named by {@code netnsFile}. */
    static void enter(Path netnsFile) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cap = Libc.newCapture(arena);
            int fd = Libc.open(cap, arena.allocateFrom(netnsFile.toString()), Libc.O_RDONLY | Libc.O_CLOEXEC);
            if (fd < 0) {
                throw new ConntrackException(Libc.errno(cap), "cannot open network namespace " + netnsFile + ": "
                        + Libc.errnoName(Libc.errno(cap)));
            }
            int rc = Libc.setns(cap, fd, Libc.CLONE_NEWNET);
            int errno = Libc.errno(cap);
            Libc.close(cap, fd);
            if (rc < 0) {
                if (errno == ConntrackException.EPERM) {
                    throw new ConntrackException.PermissionDeniedException(
                            "setns(" + netnsFile + "): needs CAP_SYS_ADMIN (EPERM)");
                }
                throw new ConntrackException(errno, "setns(" + netnsFile + "): " + Libc.errnoName(errno));
            }
        }
    }
}
