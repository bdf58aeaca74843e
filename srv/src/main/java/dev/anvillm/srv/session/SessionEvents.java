package dev.anvillm.srv.session;

/** Where sessions report what happens to them (the events file, the daemon log). */
@FunctionalInterface
public interface SessionEvents {
    void event(String id, String event, String detail);
}
