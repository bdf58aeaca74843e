package dev.anvillm.srv.access;

/** Who is at the other end of a connection, as far as rights go. */
public sealed interface Principal {
    /** The daemon's user, outside any session: every right. */
    record User(int pid) implements Principal {}

    /**
     * A process inside a session's sandbox (or descended from one). {@code session} is the
     * session it belongs to, or null when that cannot be told (it then owns no session's files).
     */
    record Agent(int pid, String session) implements Principal {}
}
