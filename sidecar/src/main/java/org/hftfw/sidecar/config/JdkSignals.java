package org.hftfw.sidecar.config;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;

/**
 * JVM signal handlers through the JDK's {@code sun.misc.Signal} (module jdk.unsupported), as there is no public
 * API. The class is reached by reflection: javac warns on every compile-time reference to it ("internal proprietary
 * API"), a warning no {@code @SuppressWarnings} silences, and the build fails on warnings.
 */
public final class JdkSignals {
    private JdkSignals() {}

    /**
     * Runs {@code handler} on the JVM's signal thread each time signal {@code name} ("HUP", "TERM") arrives.
     *
     * @throws IllegalArgumentException if the JVM does not let the signal be handled (as sun.misc.Signal.handle)
     */
    public static void handle(String name, Runnable handler) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            MethodHandle run = MethodHandles.publicLookup()
                    .findVirtual(Runnable.class, "run", MethodType.methodType(void.class)).bindTo(handler);
            Object proxy = MethodHandleProxies.asInterfaceInstance(handlerType,
                    MethodHandles.dropArguments(run, 0, signal));
            signal.getMethod("handle", signal, handlerType)
                    .invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no sun.misc.Signal in this JDK", e);
        }
    }
}
