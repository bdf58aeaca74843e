package dev.anvillm.web;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One open Server-Sent Events stream (a browser page's one EventSource, or a script's). Its own
 * virtual thread writes what it is handed; handing never blocks, and a stream that falls
 * {@link #QUEUE} messages behind is closed, so a slow or gone browser never delays the others
 * (the browser's EventSource reconnects and starts again from a whole table).
 */
final class Page {
    static final int QUEUE = 1024;
    private record Message(String event, String data) {}

    private static final Message PING = new Message("", null);
    private static final Message END = new Message("", null);

    private final Sink sink;
    /** The event names this stream carries; null for all. */
    private final Set<String> wants;
    /** After this event the stream ends (a followed log that ended), or null. */
    private final String last;
    /** What this page follows besides the table: a session id, or null. */
    final String watch;
    private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Runnable gone;
    private volatile boolean closed;

    Page(Sink sink, Set<String> wants, String last, String watch, Runnable gone) {
        this.sink = sink;
        this.wants = wants;
        this.last = last;
        this.watch = watch;
        this.gone = gone;
        sink.onClose(this::close);
        Thread.ofVirtual().name("event stream").start(this::write);
    }

    private boolean wants(String event) {
        return wants == null || wants.contains(event);
    }

    /** Queues an event for this page, if it carries such events; never blocks. */
    void send(String event, String data) {
        if (closed || !wants(event)) return;
        if (!queue.offer(new Message(event, data))) close();
    }

    /** A comment line: a browser that went away is noticed when it cannot be written. */
    void ping() {
        if (!closed && !queue.offer(PING)) close();
    }

    private void write() {
        try {
            while (!closed) {
                Message m = queue.take();
                if (m == END) break;
                if (m == PING) sink.comment("ping");
                else sink.event(m.event, m.data);
                if (sink.broken() || m.event.equals(last)) break;
            }
        } catch (InterruptedException e) {
            // shutting down
        } finally {
            close();
        }
    }

    void close() {
        if (closed) return;
        closed = true;
        queue.clear();
        queue.offer(END);
        // never under the caller's locks (a hub or feed handing out an event)
        Thread.ofVirtual().name("sse close").start(() -> {
            sink.close();
            gone.run();
        });
    }
}
