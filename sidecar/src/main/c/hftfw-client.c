/*
 * hftfw-client: the control commands a cluster manager runs on a takeover, with no JVM.
 *
 * Issue 10 item 3 asks `hftfw commit`, `hftfw sync stats`, `hftfw migrate now` and `hftfw policy status` to reply
 * within 50 ms of process start. The lean Java client (FastClient, interpreter, AOT cache) still spends about 60 ms of
 * CPU starting a JVM, so the launchers (bin/hftfw, the package's /usr/bin/hftfw) try this program first. It takes
 * exactly what FastClient takes — the same commands, the same options, the same request lines, the same output and
 * exit codes — and hands everything else back with exit status 99 and no output; the launcher then starts the Java
 * client, and that in turn the full command line. FastClientTest and NativeClientTest hold the two to each other.
 *
 * Finding the socket: `--socket PATH`, or the daemon's own record of where it listens. A daemon links
 * ${HFTFW_RUNTIME_DIR:-/run/hftfw}/by-config/<the real path of the file its socket came from, escaped> to its control
 * socket (ControlSocketRegistry): its `--conntrackd-conf FILE` when given, else its `--config FILE`. This program
 * follows the link of `--conntrackd-conf FILE`, else of `-C FILE` (default /etc/hftfw/hftfw.conf); the two together
 * are the Java client's to combine. No link, or nobody answering on it, and it hands over: the Java client reads the
 * file itself and says what is wrong.
 *
 * The protocol (ControlProtocol): one request line, the write side shut, then "OK" or "ERROR", a newline and the
 * reply's text up to the end of the stream. The exit status is the daemon's verdict (0 for OK, 1 for ERROR or no
 * daemon), as in ControlClient: like the JVM, this program ignores SIGPIPE, and a reply that cannot be printed (stdout
 * closed early, e.g. `| head -1`) does not turn a done commit into a failure. There is no reply timeout, as in the Java
 * client and conntrackd's own: the daemon answers one request at a time, and a commit takes what it takes.
 *
 * Copyright (C) 2026 the hFT-FW authors. GPL-3.0-or-later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define HAND_OVER 99
#define MAX_REQUEST 256
#define MAX_REPLY (4 << 20)
#define DEFAULT_CONFIG "/etc/hftfw/hftfw.conf"
#define DEFAULT_RUNTIME_DIR "/run/hftfw"

/* What the command line asks for; NULL fields are unset. */
struct request {
    char line[MAX_REQUEST + 1];
    const char *socket;
    const char *config; /* the file whose daemon's record names the socket */
};

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The --why text with leading and trailing blanks removed, into out; 0 when it cannot ride on a one-line request
 * (a control character) or is not plain ASCII: Java's strip() knows Unicode blanks this program does not, so such a
 * text goes to the Java client, which strips it exactly.
 */
static int strip_why(const char *why, char *out, size_t size) {
    const char *s = why == NULL ? "" : why;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p >= 0x80 || (*p < 0x20 && !(*p >= 0x09 && *p <= 0x0d) && !(*p >= 0x1c && *p <= 0x1f))) {
            return 0;
        }
    }
    /* Java's strip() removes Character.isWhitespace: space, \t \n \v \f \r and 0x1c-0x1f */
    while (*s == ' ' || (*s >= 0x09 && *s <= 0x0d) || (*s >= 0x1c && *s <= 0x1f)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || (s[n - 1] >= 0x09 && s[n - 1] <= 0x0d) || (s[n - 1] >= 0x1c && s[n - 1] <= 0x1f))) {
        n--;
    }
    for (size_t k = 0; k < n; k++) {
        if ((unsigned char) s[k] < 0x20) {
            return 0; /* a control character inside the text */
        }
    }
    if (n >= size) {
        return 0;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return 1;
}

/* Parses argv as FastClient.parse does; 0 when the arguments are not exactly one of the fast commands. */
static int parse(int argc, char **argv, struct request *r) {
    if (argc < 2) {
        return 0;
    }
    const char *first = argv[1];
    const char *second = argc > 2 ? argv[2] : "";
    const char *line = NULL;
    int words, takes_why = 0, takes_command = 0;
    if (strcmp(first, "commit") == 0) {
        words = 1;
        line = "commit";
    } else if (strcmp(first, "sync") == 0) {
        words = 2;
        if (!strcmp(second, "stats") || !strcmp(second, "flush") || !strcmp(second, "resync") || !strcmp(second, "bulk")) {
            line = second;
        }
    } else if (strcmp(first, "migrate") == 0) {
        words = 2;
        line = strcmp(second, "now") == 0 ? "migrate now" : NULL;
        takes_why = 1;
    } else if (strcmp(first, "policy") == 0) {
        words = 2;
        if (strcmp(second, "status") == 0) {
            line = "policy status";
        } else if (strcmp(second, "manual") == 0) {
            line = "policy manual";
            takes_why = takes_command = 1;
        }
    } else {
        return 0;
    }
    if (line == NULL) {
        return 0;
    }
    const char *socket = NULL, *config = NULL, *conntrackd_conf = NULL, *why = NULL, *command = NULL;
    for (int k = 1 + words; k < argc; k++) {
        const char *a = argv[k];
        char name[32];
        const char *value = NULL;
        const char *eq = strchr(a, '=');
        snprintf(name, sizeof name, "%s", a);
        if (starts_with(a, "--") && eq != NULL && eq > a) {
            size_t n = (size_t) (eq - a);
            if (n >= sizeof name) {
                return 0;
            }
            memcpy(name, a, n);
            name[n] = '\0';
            value = eq + 1;
        } else if (starts_with(a, "-C") && strlen(a) > 2) {
            strcpy(name, "-C");
            value = a[2] == '=' ? a + 3 : a + 2;
        }
        if (a[0] != '-') {
            if (!takes_command || command != NULL || a[0] == '@') {
                return 0;
            }
            command = a;
            continue;
        }
        if (value == NULL) {
            if (k + 1 >= argc || argv[k + 1][0] == '-' || argv[k + 1][0] == '@') {
                return 0;
            }
            value = argv[++k];
        }
        if (strcmp(name, "--socket") == 0) {
            if (socket != NULL) {
                return 0;
            }
            socket = value;
        } else if (strcmp(name, "-C") == 0 || strcmp(name, "--config") == 0) {
            if (config != NULL) {
                return 0;
            }
            config = value;
        } else if (strcmp(name, "--conntrackd-conf") == 0) {
            if (conntrackd_conf != NULL) {
                return 0;
            }
            conntrackd_conf = value;
        } else if (strcmp(name, "--why") == 0) {
            if (!takes_why || why != NULL) {
                return 0;
            }
            why = value;
        } else {
            return 0;
        }
    }
    char w[MAX_REQUEST + 1];
    if (!strip_why(why, w, sizeof w) || (takes_command && command == NULL) || (socket != NULL && socket[0] == '\0')
            || (config != NULL && config[0] == '\0') || (conntrackd_conf != NULL && conntrackd_conf[0] == '\0')
            || (config != NULL && conntrackd_conf != NULL)) {
        return 0;
    }
    int n;
    if (takes_command) {
        n = snprintf(r->line, sizeof r->line, "%s %s%s%s", line, command, w[0] ? " " : "", w);
    } else {
        n = snprintf(r->line, sizeof r->line, "%s%s%s", line, w[0] ? " " : "", w);
    }
    if (n < 0 || (size_t) n >= MAX_REQUEST) {
        return 0; /* the daemon would refuse it as too long: the Java client says so */
    }
    r->socket = socket;
    r->config = conntrackd_conf != NULL ? conntrackd_conf : config != NULL ? config : DEFAULT_CONFIG;
    return 1;
}

/*
 * The socket the daemon started from `config` recorded, into out; 0 when there is no record. The name escapes the
 * config's real path as ControlSocketRegistry does: [A-Za-z0-9._-] kept, every other byte as %XX.
 */
static int registered_socket(const char *config, char *out, size_t size) {
    char real[PATH_MAX];
    if (realpath(config, real) == NULL) {
        return 0;
    }
    const char *dir = getenv("HFTFW_RUNTIME_DIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = DEFAULT_RUNTIME_DIR;
    }
    char link[PATH_MAX];
    int n = snprintf(link, sizeof link, "%s/by-config/", dir);
    if (n < 0 || (size_t) n >= sizeof link) {
        return 0;
    }
    size_t at = (size_t) n, start = at;
    for (const unsigned char *p = (const unsigned char *) real; *p; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.'
                || *p == '_' || *p == '-';
        if (at + 4 >= sizeof link) {
            return 0;
        }
        at += (size_t) (keep ? snprintf(link + at, 2, "%c", *p) : snprintf(link + at, 4, "%%%02X", *p));
    }
    if (at - start > NAME_MAX) {
        return 0; /* too long for one file name: the daemon records nothing either */
    }
    ssize_t len = readlink(link, out, size - 1);
    if (len <= 0 || (size_t) len >= size - 1) {
        return 0;
    }
    out[len] = '\0';
    return 1;
}

static int write_all(int fd, const char *b, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return 0;
        }
        b += w;
        n -= (size_t) w;
    }
    return 1;
}

/* Connects to a UNIX stream socket; -1 with errno set when nobody answers. */
static int connect_unix(const char *path) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int main(int argc, char **argv) {
    /* a daemon that closed early is an EPIPE to report, as the JVM reports it, not a silent death */
    signal(SIGPIPE, SIG_IGN);
    struct request r;
    if (!parse(argc, argv, &r)) {
        return HAND_OVER;
    }
    char registered[PATH_MAX];
    const char *socket = r.socket;
    if (socket == NULL) {
        if (!registered_socket(r.config, registered, sizeof registered)) {
            return HAND_OVER;
        }
        socket = registered;
    }
    struct stat st;
    if (r.socket != NULL && stat(socket, &st) < 0) {
        fprintf(stderr, "hftfw: the sync daemon is not running (no control socket at %s; start it with "
                "'hftfw sync primary|backup|both --config FILE')\n", socket);
        return 1;
    }
    if (strlen(socket) >= sizeof ((struct sockaddr_un *) NULL)->sun_path) {
        return HAND_OVER; /* longer than a socket address holds: the Java client words that error its own way */
    }
    int fd = connect_unix(socket);
    if (fd < 0) {
        if (r.socket == NULL) {
            return HAND_OVER; /* a record left by a daemon that is gone: the Java client reads the config */
        }
        fprintf(stderr, "hftfw: the sync daemon is not running (nobody answers on control socket %s: %s)\n", socket,
                strerror(errno));
        return 1;
    }
    size_t n = strlen(r.line);
    r.line[n] = '\n';
    /* an I/O error is printed as ControlClient prints the JVM's IOException: its message is the C library's text */
    if (!write_all(fd, r.line, n + 1) || shutdown(fd, SHUT_WR) < 0) {
        fprintf(stderr, "hftfw: %s\n", strerror(errno));
        close(fd);
        return 1;
    }
    char *reply = malloc(MAX_REPLY + 1);
    if (reply == NULL) {
        fprintf(stderr, "hftfw: out of memory\n");
        close(fd);
        return 1;
    }
    size_t got = 0;
    for (;;) {
        ssize_t k = read(fd, reply + got, MAX_REPLY + 1 - got);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            fprintf(stderr, "hftfw: %s\n", strerror(errno));
            close(fd);
            return 1;
        }
        if (k == 0) {
            break;
        }
        got += (size_t) k;
        if (got > MAX_REPLY) {
            fprintf(stderr, "hftfw: reply larger than %d bytes\n", MAX_REPLY);
            close(fd);
            return 1;
        }
    }
    close(fd);
    reply[got] = '\0';
    char *nl = memchr(reply, '\n', got);
    size_t head = nl == NULL ? got : (size_t) (nl - reply);
    const char *body = nl == NULL ? "" : nl + 1;
    size_t body_len = nl == NULL ? 0 : got - head - 1;
    if (head == 2 && memcmp(reply, "OK", 2) == 0) {
        write_all(STDOUT_FILENO, body, body_len); /* the verdict stands whether or not it could be printed */
        return 0;
    }
    if (head == 5 && memcmp(reply, "ERROR", 5) == 0) {
        write_all(STDERR_FILENO, "hftfw: ", 7);
        write_all(STDERR_FILENO, body, body_len);
        return 1;
    }
    reply[head] = '\0';
    fprintf(stderr, "hftfw: the daemon sent a malformed reply: %s\n", reply);
    return 1;
}
