package org.hftfw.models.lab;

/**
 * The application protocols the trace lab imitates, after the bot of the hFT-FW evaluation (HTTP sites,
 * POP3/IMAP polls, FTP downloads, SSH sessions) plus DNS over UDP. Each has the port it is served on and
 * a default weight in the traffic mix.
 */
enum Service {
    /** Short request/response; the server closes first (HTTP/1.0 style), so the server side sees FIN_WAIT. */
    HTTP(80, 50),
    /** Long interactive session: keystroke-sized exchanges seconds apart; the client closes. */
    SSH(22, 6),
    /** Mailbox poll: greeting, a few commands, QUIT; the server closes after QUIT. */
    POP3(110, 10),
    /** Mailbox poll, IMAP flavour: greeting, tagged commands, LOGOUT; the server closes. */
    IMAP(143, 8),
    /** Bulk download: control connection plus a passive data connection carrying the file. */
    FTP(21, 6),
    /** UDP request/response. */
    DNS(53, 20);

    final int port;
    final int defaultWeight;

    Service(int port, int defaultWeight) {
        this.port = port;
        this.defaultWeight = defaultWeight;
    }
}
