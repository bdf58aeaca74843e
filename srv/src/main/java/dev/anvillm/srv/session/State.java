package dev.anvillm.srv.session;

import java.util.Locale;

/** The state word of a session, as `state` and `list` show it. */
public enum State {
    STARTING, IDLE, RUNNING, WAITING, STOPPED, ERROR, EXITED,
    /** Idle for its backend's idle_sleep_seconds: its processes ended, its conversation kept; a prompt wakes it. */
    SLEEPING;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A backend process is meant to be alive. */
    public boolean live() {
        return this == STARTING || this == IDLE || this == RUNNING || this == WAITING;
    }

    public static State parse(String word) {
        return valueOf(word.trim().toUpperCase(Locale.ROOT));
    }
}
