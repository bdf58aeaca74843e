package dev.anvillm.client;

import java.util.Locale;

/** A session's state word, as {@code agent/<id>/state} and {@code list} give it. */
public enum State {
    STARTING, IDLE, RUNNING, WAITING, STOPPED, ERROR, EXITED,
    /** Put to sleep after its backend's idle_sleep_seconds: no process; a prompt wakes it. */
    SLEEPING,
    /** A word this client does not know (a newer daemon's): shown as "unknown". */
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
