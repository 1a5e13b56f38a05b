package org.hftfw.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The one entry point of the JMH benchmarks ({@code hftfw bench jmh [REGEX] [JMH options]}): JMH's own command line,
 * with defaults short enough for a shared 2-core machine (1 fork, 2 warm-up and 3 measured iterations of 1 s, one
 * thread: about 6 s per benchmark method). Any option given on the command line wins over these defaults, e.g.
 * {@code -f 3 -wi 5 -i 10} for figures worth quoting. Every benchmark class has its baseline as a
 * {@code baseline…} method, so JMH's table shows the two side by side. The forked JVMs run with the sidecar's log
 * level OFF unless {@code -jvmArgsAppend} says otherwise.
 */
public final class Jmh {
    private static final String LOG_LEVEL = "hftfw.log.level";

    private Jmh() {}

    /** Runs the benchmarks selected by JMH command-line {@code args}. */
    public static void run(String... args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        if (cli.shouldHelp()) {
            cli.showHelp();
            return;
        }
        if (cli.shouldList()) {
            new Runner(cli).list();
            return;
        }
        OptionsBuilder o = new OptionsBuilder();
        o.parent(cli);
        if (!cli.getForkCount().hasValue()) {
            o.forks(1);
        }
        if (!cli.getWarmupIterations().hasValue()) {
            o.warmupIterations(2);
        }
        if (!cli.getWarmupTime().hasValue()) {
            o.warmupTime(TimeValue.seconds(1));
        }
        if (!cli.getMeasurementIterations().hasValue()) {
            o.measurementIterations(3);
        }
        if (!cli.getMeasurementTime().hasValue()) {
            o.measurementTime(TimeValue.seconds(1));
        }
        if (!cli.getJvmArgsAppend().hasValue()) {
            // the components' log lines would interleave with JMH's report; the commands turn them off too
            o.jvmArgsAppend("-D" + LOG_LEVEL + "=" + System.getProperty(LOG_LEVEL, "OFF"));
        }
        new Runner(o.build()).run();
    }
}
