package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.Event;
import dev.anvillm.client.LogStream;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the pages watching one session see besides the table: its log as it is written, its last
 * reply (read again after each {@code reply} event), its screen (looked at again while it works).
 * One feed per watched session, shared by every page watching it: one log reader, whatever the
 * number of browsers, on the client's one connection. A page that joins gets the log's tail, the
 * reply and the screen at once. A log that broke with the connection (the daemon restarted) is
 * followed again from its start once the daemon answers.
 */
final class SessionFeed {
    /** How much of the log's end a page that joins is given. */
    static final int TAIL = 256 * 1024;

    final String id;
    private final AgentClient client;
    private final Set<Page> pages = new HashSet<>(); // guarded by this
    private final StringBuilder tail = new StringBuilder(); // guarded by this
    private String reply; // guarded by this
    private String screen; // guarded by this
    private String ended; // guarded by this
    private CompletableFuture<String> replyRead; // guarded by this
    private boolean screenRead; // guarded by this
    private boolean closed; // guarded by this
    private LogStream log; // guarded by this
    /** Which log reader's pieces are wanted: those of an earlier one (before a reconnect) are dropped. Guarded by this. */
    private int generation;

    SessionFeed(AgentClient client, String id) {
        this.client = client;
        this.id = id;
    }

    void start() {
        follow();
        readReply();
        readScreen();
    }

    private synchronized void follow() {
        int g = ++generation;
        log = client.log(id, chunk -> lines(g, chunk), why -> ended(g, why));
    }

    /**
     * The daemon answers again after an outage: a log that broke with the connection is read again
     * from its start (the pages told to start over), the reply and the screen looked at again.
     */
    void reconnected() {
        synchronized (this) {
            if (closed || ended == null || ended.equals(LogStream.END_OF_LOG)) return;
            ended = null;
            tail.setLength(0);
            send("log", Json.write(new Json.Text(id, "", true)));
            follow();
        }
        readReply();
        readScreen();
    }

    synchronized void join(Page p) {
        pages.add(p);
        p.send("log", Json.write(new Json.Text(id, tail.toString(), true)));
        if (reply != null) p.send("reply", Json.write(new Json.Text(id, reply, true)));
        if (screen != null) p.send("screen", Json.write(new Json.Text(id, screen, true)));
        if (ended != null) p.send("end", Json.error(id, ended));
    }

    /** True when no page is left (the feed should close). */
    synchronized boolean leave(Page p) {
        pages.remove(p);
        return pages.isEmpty();
    }

    private synchronized void lines(int g, String chunk) {
        if (g != generation) return;
        tail.append(chunk);
        if (tail.length() > TAIL) {
            int cut = tail.indexOf("\n", tail.length() - TAIL);
            tail.delete(0, cut < 0 ? tail.length() - TAIL : cut + 1);
        }
        send("log", Json.write(new Json.Text(id, chunk, false)));
    }

    private synchronized void ended(int g, String why) {
        if (g != generation) return;
        ended = why;
        send("end", Json.error(id, why));
    }

    /** An event of this session, from the one events reader. */
    void event(Event e) {
        switch (e.kind()) {
            case "reply" -> readReply();
            case "state" -> readScreen();
            default -> { }
        }
    }

    /** The last reply; a read in flight (waiting for a turn to end) already brings the newest one. */
    private synchronized void readReply() {
        if (closed || (replyRead != null && !replyRead.isDone())) return;
        CompletableFuture<String> r = client.reply(id);
        replyRead = r;
        r.whenComplete((text, t) -> {
            synchronized (this) {
                if (r.isCancelled() || closed) return;
                if (t == null) {
                    reply = text;
                    send("reply", Json.write(new Json.Text(id, text, true)));
                } else {
                    send("reply", Json.error(id, message(t)));
                }
            }
        });
    }

    /** The screen now, unless a look is already under way; sent when it changed. */
    synchronized void readScreen() {
        if (closed || screenRead) return;
        screenRead = true;
        Thread.ofVirtual().name("screen " + id).start(() -> {
            String text = null;
            String error = null;
            try {
                text = client.screen(id);
            } catch (ClientException e) {
                error = e.getMessage();
            }
            synchronized (this) {
                screenRead = false;
                if (closed) return;
                if (text != null && !text.equals(screen)) {
                    screen = text;
                    send("screen", Json.write(new Json.Text(id, text, true)));
                } else if (error != null && ended == null) {
                    send("screen", Json.error(id, error));
                }
            }
        });
    }

    private void send(String event, String data) {
        for (Page p : pages) p.send(event, data);
    }

    private static String message(Throwable t) {
        while (t.getCause() != null && !(t instanceof ClientException)) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    void close() {
        LogStream l;
        synchronized (this) {
            closed = true;
            if (replyRead != null) replyRead.cancel(false);
            l = log;
        }
        if (l != null) l.close();
    }
}
