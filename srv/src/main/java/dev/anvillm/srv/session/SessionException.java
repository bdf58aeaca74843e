package dev.anvillm.srv.session;

/** A request a session refuses; the message is the one line the user sees. */
public final class SessionException extends Exception {
    public SessionException(String message) {
        super(message, null, false, false);
    }
}
