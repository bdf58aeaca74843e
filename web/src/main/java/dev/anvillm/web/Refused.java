package dev.anvillm.web;

/**
 * A request answered with {@code status} and one line, before or instead of its handler
 * (a security rule, a bad body, a daemon error); {@code location}, when set, redirects.
 */
final class Refused extends RuntimeException {
    final int status;
    final String location;

    Refused(int status, String message) {
        this(status, message, null);
    }

    Refused(int status, String message, String location) {
        super(message, null, false, false);
        this.status = status;
        this.location = location;
    }
}
