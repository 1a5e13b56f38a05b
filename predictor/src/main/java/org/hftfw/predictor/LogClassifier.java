package org.hftfw.predictor;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps a kernel log message to a {@link LogEventClass}. The patterns follow the kernel's printk formats listed in
 * libraries.md §3 "Kernel log": {@code drivers/edac/edac_mc.c} ("EDAC MC0: 1 CE ..."/"UE"), {@code
 * arch/x86/kernel/cpu/mce/core.c} ("mce: [Hardware Error]: ..."), {@code drivers/pci/pcie/aer.c} ("AER: Corrected
 * error received", "PCIe Bus Error: severity=..."), {@code arch/x86/kernel/cpu/mce/therm_throt.c}, {@code
 * drivers/thermal}, and {@code net/sched/sch_generic.c} ("NETDEV WATCHDOG"). Order matters: the first match wins.
 */
final class LogClassifier {

    private record Rule(Pattern pattern, LogEventClass eventClass) {}

    private static final List<Rule> RULES = List.of(
            rule("EDAC\\b.*\\bUE\\b|EDAC\\b.*Uncorrect", LogEventClass.EDAC_UE),
            rule("EDAC\\b.*\\bCE\\b|EDAC\\b.*Correct", LogEventClass.EDAC_CE),
            rule("Bus Error: severity=Uncorrect(ed|able) \\(Fatal\\)|AER: Uncorrect(ed|able) \\(Fatal\\)",
                    LogEventClass.AER_FATAL),
            rule("Bus Error: severity=Uncorrect(ed|able) \\(Non-Fatal\\)|AER: Uncorrect(ed|able) \\(Non-Fatal\\)",
                    LogEventClass.AER_NONFATAL),
            rule("Bus Error: severity=Correct(ed|able)|AER: (Multiple )?Corrected error", LogEventClass.AER_CORRECTED),
            rule("CMCI storm detected", LogEventClass.CMCI_STORM),
            rule("\\[Hardware Error\\]:.*Deferred error", LogEventClass.MCE_DEFERRED),
            rule("\\[Hardware Error\\]:.*(Uncorrected error|Fatal|PANIC|Machine check from unknown source)",
                    LogEventClass.MCE_UNCORRECTED),
            rule("\\[Hardware Error\\]:.*Corrected error", LogEventClass.MCE_CORRECTED),
            rule("\\[Hardware Error\\]:.*Machine check events logged", LogEventClass.MCE_LOGGED),
            rule("critical temperature reached|[Cc]ritical temperature.*shutting down", LogEventClass.THERMAL_CRITICAL),
            rule("temperature above threshold, cpu clock throttled", LogEventClass.THERMAL_THROTTLE),
            rule("NETDEV WATCHDOG: .*timed out", LogEventClass.NIC_TX_TIMEOUT),
            rule("\\bLink is Down\\b|\\bNIC Link is Down\\b", LogEventClass.NIC_LINK_DOWN));

    private LogClassifier() {}

    private static Rule rule(String regex, LogEventClass c) {
        return new Rule(Pattern.compile(regex), c);
    }

    static Optional<LogEventClass> classify(String message) {
        for (Rule r : RULES) {
            if (r.pattern().matcher(message).find()) {
                return Optional.of(r.eventClass());
            }
        }
        return Optional.empty();
    }
}
