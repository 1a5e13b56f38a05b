package org.hftfw.conntrack;

/**
 * A conntrack operation failed. {@link #errno()} is the netlink error (positive errno), or 0 when the
 * failure is not an errno (e.g. a malformed reply). Use {@link #of} to get the typed subclass.
 */
public class ConntrackException extends RuntimeException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOBUFS = 105;
    public static final int EOPNOTSUPP = 95;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EAFNOSUPPORT = 97;

    private final int errno;

    public ConntrackException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public ConntrackException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    public int errno() {
        return errno;
    }

    /** The typed exception for a netlink errno. */
    public static ConntrackException of(int errno, String operation) {
        String what = operation + ": " + describe(errno);
        return switch (errno) {
            case EPERM -> new PermissionDeniedException(what);
            case ENOENT -> new NoSuchEntryException(what);
            case EEXIST -> new EntryExistsException(what);
            case EPROTONOSUPPORT, EAFNOSUPPORT, EOPNOTSUPP -> new ConntrackUnavailableException(errno, what);
            default -> new ConntrackException(errno, what);
        };
    }

    /** A short text for an errno, like strerror. */
    public static String describe(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted (EPERM; needs CAP_NET_ADMIN)";
            case ENOENT -> "no such conntrack entry (ENOENT)";
            case EEXIST -> "conntrack entry already exists (EEXIST)";
            case EINVAL -> "invalid argument (EINVAL)";
            case ENOBUFS -> "no buffer space, events lost (ENOBUFS)";
            case EOPNOTSUPP -> "operation not supported (EOPNOTSUPP)";
            case EPROTONOSUPPORT -> "protocol not supported: is nf_conntrack loaded? (EPROTONOSUPPORT)";
            case EAFNOSUPPORT -> "address family not supported (EAFNOSUPPORT)";
            default -> "errno " + errno;
        };
    }

    /** EPERM: the caller lacks CAP_NET_ADMIN in the network namespace. */
    public static final class PermissionDeniedException extends ConntrackException {
        public PermissionDeniedException(String message) { super(EPERM, message); }
    }

    /** ENOENT: no entry with that tuple. */
    public static final class NoSuchEntryException extends ConntrackException {
        public NoSuchEntryException(String message) { super(ENOENT, message); }
    }

    /** EEXIST: an entry with that tuple exists already. */
    public static final class EntryExistsException extends ConntrackException {
        public EntryExistsException(String message) { super(EEXIST, message); }
    }

    /** Conntrack or ctnetlink is not available in this kernel or namespace. */
    public static final class ConntrackUnavailableException extends ConntrackException {
        public ConntrackUnavailableException(int errno, String message) { super(errno, message); }
    }

    /** A message or attribute from the kernel (or a log) could not be decoded. */
    public static final class MalformedException extends ConntrackException {
        public MalformedException(String message) { super(0, message); }
    }
}
