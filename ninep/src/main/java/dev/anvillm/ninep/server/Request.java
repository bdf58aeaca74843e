package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Message;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request in flight. It is answered exactly once: by its handler (now or later, from any
 * thread), or by the framework when it is flushed, its fid clunked or the connection reset —
 * in which case the cancel action runs and later answers are dropped.
 */
public abstract sealed class Request permits ReadRequest, WriteRequest, ClunkRequest {
    private final Connection conn;
    private final int tag;
    private final Fid fid;
    private final AtomicBoolean done = new AtomicBoolean();
    private final AtomicBoolean cancelRan = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile Runnable onCancel;

    Request(Connection conn, int tag, Fid fid) {
        this.conn = conn;
        this.tag = tag;
        this.fid = fid;
    }

    public int tag() { return tag; }

    public Fid fid() { return fid; }

    public Peer peer() { return fid.peer(); }

    /** Answers with an error. */
    public void error(String ename) {
        finish(new Message.Rerror(tag, ename));
    }

    public void error(NinepException e) {
        error(e.getMessage());
    }

    /** True once answered or cancelled. */
    public boolean isDone() {
        return done.get();
    }

    /**
     * Runs {@code action} if the request is flushed or otherwise abandoned before its answer went
     * out — also when the handler was answering at that moment, whose answer is then dropped —
     * (at once if that has already happened). Blocking reads use it to unregister themselves,
     * streams to put back what the dropped answer carried.
     */
    public void onCancel(Runnable action) {
        this.onCancel = action;
        if (cancelled) runCancel();
    }

    private void runCancel() {
        Runnable r = onCancel;
        if (r != null && cancelRan.compareAndSet(false, true)) r.run();
    }

    void finish(Message.R reply) {
        if (done.compareAndSet(false, true)) conn.answer(this, reply);
    }

    /**
     * The framework abandons the request: it has taken it out of the connection's table, so no
     * answer goes out, even one the handler is giving at this moment. Whoever takes a request
     * out of that table decides its fate, so the cancel action runs even if the handler got to
     * {@link #finish} first: its answer is dropped and it must learn that.
     */
    void cancel() {
        done.set(true);
        cancelled = true;
        runCancel();
    }
}
