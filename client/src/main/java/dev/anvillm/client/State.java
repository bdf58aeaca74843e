package dev.anvillm.client;

import java.util.Locale;

/** A session's state word, as {@code agent/<id>/state} and {@code list} give it. */
public enum State {
    STARTING, IDLE, RUNNING, WAITING, STOPPED, ERROR, EXITED,
    /** Its processes ended while it was idle; a prompt or {@code start} wakes it (issue 17). */
    SLEEPING,
    /** A word this client does not know (a newer daemon); shown as it came. */
    UNKNOWN;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static State parse(String word) {
        for (State s : values()) {
            if (s != UNKNOWN && s.word().equals(word.strip())) return s;
        }
        return UNKNOWN;
    }

    /** A prompt written now waits in the queue (the turn in progress, or the start, ends first). */
    public boolean busy() {
        return this == STARTING || this == RUNNING || this == WAITING;
    }
}
