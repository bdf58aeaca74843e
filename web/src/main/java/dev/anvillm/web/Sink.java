package dev.anvillm.web;

import io.javalin.http.sse.SseClient;

/** Where one event stream is written: a Server-Sent Events connection (tests give their own). */
interface Sink {
    /** Writes one event; may block as long as the peer does not read. */
    void event(String name, String data);

    /** Writes a comment line (a heartbeat). */
    void comment(String text);

    /** True once a write failed or the peer hung up. */
    boolean broken();

    void close();

    /** Runs {@code r} when the connection closes from its side. */
    void onClose(Runnable r);

    static Sink of(SseClient sse) {
        sse.keepAlive();
        return new Sink() {
            public void event(String name, String data) {
                sse.sendEvent(name, data);
            }

            public void comment(String text) {
                sse.sendComment(text);
            }

            public boolean broken() {
                return sse.terminated();
            }

            public void close() {
                sse.close();
            }

            public void onClose(Runnable r) {
                sse.onClose(r);
            }
        };
    }
}
