package org.hftfw.sync;

import java.util.concurrent.Callable;

/**
 * Where the node's sockets live: the sync socket is opened, the sync interface's MTU and the firewall's own addresses
 * are read inside it. The caller's namespace by default; a process that runs the node in another one (labs, tests:
 * {@code hftfw sync --netns NAME}) supplies a runner that enters it.
 */
@FunctionalInterface
public interface Namespace {

    /** Runs {@code action} inside the namespace; an action's checked exception comes back unchecked. */
    <T> T call(Callable<T> action) throws InterruptedException;

    /** The calling thread's namespace. */
    static Namespace current() {
        return Namespace::here;
    }

    private static <T> T here(Callable<T> action) throws InterruptedException {
        try {
            return action.call();
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
