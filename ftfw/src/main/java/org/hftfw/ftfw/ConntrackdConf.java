package org.hftfw.ftfw;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A stock conntrackd's FTFW configuration (over UDP, multicast or TCP), for the labs and benchmarks that run conntrackd as the reference
 * peer. Follows conntrack-tools' doc/sync/ftfw/conntrackd.conf with the facts in the team's wire notes: a Port is
 * required (there is no default), an Interface is mandatory, and HashSize stays above 8192 (with a smaller table a
 * flush after a commit is silently refused). The log, lock file and UNIX socket go to {@code runDir}.
 *
 * @param name            file names: {@code runDir/name.conf}, {@code .log}, {@code .lock}, {@code .ctl}
 * @param self            our address on the sync link, IPv4 or IPv6 (the UDP section's IPv4_ or IPv6_ keys)
 * @param peer            the peer's address, of the same family
 * @param port            UDP port, the same on both ends
 * @param iface           the sync interface
 * @param netlinkBuffer   NetlinkBufferSize in bytes (it may double up to four times this on overruns)
 * @param protocols       Protocol Accept list (empty: every protocol)
 * @param ignoreAddresses Address Ignore list (IPv4 or IPv6, CIDR allowed): the sync link and the firewall's own
 * @param link            the sync link's section: UDP, Multicast (to the group, joined on {@code self}'s interface
 *                        for IPv4, on {@code iface} for IPv6; {@code port} is the Group) or TCP
 */
public record ConntrackdConf(Path runDir, String name, String self, String peer, int port, String iface,
                             int netlinkBuffer, List<String> protocols, List<String> ignoreAddresses,
                             SyncTransport link) {

    public ConntrackdConf {
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(link, "link");
        protocols = List.copyOf(protocols);
        ignoreAddresses = List.copyOf(ignoreAddresses);
    }

    /** A configuration of the UDP transport. */
    public ConntrackdConf(Path runDir, String name, String self, String peer, int port, String iface,
                          int netlinkBuffer, List<String> protocols, List<String> ignoreAddresses) {
        this(runDir, name, self, peer, port, iface, netlinkBuffer, protocols, ignoreAddresses, SyncTransport.udp());
    }

    /** Defaults for a lab pair: port 3780 on interface {@code sync}, 2 MiB netlink buffer, all protocols. */
    public static ConntrackdConf lab(Path runDir, String name, String self, String peer, List<String> ignoreAddresses) {
        return new ConntrackdConf(runDir, name, self, peer, 3780, "sync", 2 << 20, List.of(), ignoreAddresses);
    }

    public ConntrackdConf withNetlinkBuffer(int bytes) {
        return new ConntrackdConf(runDir, name, self, peer, port, iface, bytes, protocols, ignoreAddresses, link);
    }

    public ConntrackdConf withProtocols(List<String> accept) {
        return new ConntrackdConf(runDir, name, self, peer, port, iface, netlinkBuffer, accept, ignoreAddresses, link);
    }

    /** The same over another transport. */
    public ConntrackdConf withLink(SyncTransport l) {
        return new ConntrackdConf(runDir, name, self, peer, port, iface, netlinkBuffer, protocols, ignoreAddresses, l);
    }

    public Path file() {
        return runDir.resolve(name + ".conf");
    }

    public Path controlSocket() {
        return runDir.resolve(name + ".ctl");
    }

    public String render() {
        StringBuilder filter = new StringBuilder();
        if (!protocols.isEmpty()) {
            filter.append("\t\tProtocol Accept { ").append(String.join(" ", protocols)).append(" }\n");
        }
        filter.append("\t\tAddress Ignore {\n");
        for (String a : ignoreAddresses) {
            filter.append("\t\t\t").append(a.contains(":") ? "IPv6_address " : "IPv4_address ").append(a).append('\n');
        }
        filter.append("\t\t}\n");
        String dir = runDir.toString();
        boolean v6 = self.contains(":");
        String family = v6 ? "IPv6" : "IPv4";
        String section = switch (link) {
            case SyncTransport.Udp _ -> """
                    	UDP {
                    		%s_address %s
                    		%s_Destination_Address %s
                    		Port %d
                    """.formatted(family, self, family, peer, port);
            case SyncTransport.Tcp _ -> """
                    	TCP {
                    		%s_address %s
                    		%s_Destination_Address %s
                    		Port %d
                    """.formatted(family, self, family, peer, port);
            // conntrackd takes the IPv6 group's interface from Interface; IPv6_interface is ignored with a warning
            case SyncTransport.Multicast m -> """
                    	Multicast {
                    		%s_address %s
                    %s		Group %d
                    """.formatted(family, m.group().getHostAddress(), v6 ? "" : "\t\tIPv4_interface " + self + "\n",
                    port);
        };
        return """
                Sync {
                	Mode FTFW {
                		DisableExternalCache Off
                	}
                %s		Interface %s
                		SndSocketBuffer 4194304
                		RcvSocketBuffer 4194304
                		Checksum on
                	}
                }
                General {
                	HashSize 32768
                	HashLimit 262144
                	LogFile %s/%s.log
                	Syslog off
                	LockFile %s/%s.lock
                	UNIX { Path %s/%s.ctl }
                	NetlinkBufferSize %d
                	NetlinkBufferSizeMaxGrowth %d
                	Filter From Userspace {
                %s	}
                }
                """.formatted(section, iface, dir, name, dir, name, dir, name, netlinkBuffer, 4L * netlinkBuffer,
                filter);
    }

    /** Writes {@link #file()} and returns it. */
    public Path write() throws IOException {
        Files.createDirectories(runDir);
        return Files.writeString(file(), render());
    }
}
