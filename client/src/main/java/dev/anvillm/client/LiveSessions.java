package dev.anvillm.client;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.OpenMode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The session table kept live from {@code agent/events}: no polling. It reads over an
 * {@link AgentClient}'s one connection, beside that client's calls (9P multiplexes requests by tag,
 * and the daemon answers them while the events read waits), or over a connection of its own.
 * A (re)sync hands the listener the table as {@code list} gives it, then again once the backends
 * of sessions not seen before are read (a session's backend is null until then).
 * It opens {@code events} first and then reads {@code list}, so no change falls between the two;
 * after a daemon restart it dials again with backoff (the client's connection, made anew once for
 * every user of it) and resyncs from {@code list}, and an
 * {@code overflow} line (this reader fell behind) resyncs too. Every call of the listener comes
 * from one thread, in order.
 */
public final class LiveSessions implements AutoCloseable {
    /** The table as it is now; {@code problem} is non-null while the daemon cannot be reached. */
    public record Snapshot(List<Session> sessions, boolean connected, String problem) {}

    public interface Listener {
        /** The table changed ({@code cause} is the event behind it, or null after a (re)sync or an outage). */
        void changed(Snapshot now, Event cause);

        /** Every event as it came, table-changing or not (replies, queued prompts, errors...). */
        default void event(Event e) {}
    }

    static final long FIRST_RETRY_MS = 100;
    static final long MAX_RETRY_MS = 2000;

    private final AgentClient client;
    /** The client is this follower's own (made by {@link #start(Path, Listener)}): its connection is closed with it. */
    private final boolean own;
    private final Path socket;
    private final Listener listener;
    private final Thread thread;
    /** Counted down by {@link #close()}: ends the wait between dials. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean closed;
    /** The events read in flight; cancelled (a Tflush) by {@link #close()}. Never an interrupt: a write by an interrupted thread closes a socket channel, here the connection others share. */
    private volatile CompletableFuture<byte[]> reading;
    /** Backends never change; remembered across resyncs. Owned by the feed thread. */
    private final Map<String, String> backends = new HashMap<>();
    /** Owned by the feed thread. */
    private final LinkedHashMap<String, Session> table = new LinkedHashMap<>();
    /** Why the daemon cannot be reached, null while it can. Owned by the feed thread. */
    private String problem;

    private LiveSessions(AgentClient client, boolean own, Listener listener) {
        this.client = client;
        this.own = own;
        this.socket = client.socket();
        this.listener = listener;
        this.thread = Thread.ofVirtual().name("events " + socket).unstarted(this::run);
    }

    /**
     * Starts following the daemon on {@code socket} over a connection of its own, closed with
     * it; the listener hears the first table once it is read.
     */
    public static LiveSessions start(Path socket, Listener listener) {
        return begin(new LiveSessions(new AgentClient(socket), true, listener));
    }

    /**
     * Starts following the daemon over {@code client}'s connection, shared with its calls and
     * its {@link AgentClient#log log} streams: one connection for everything. Closing this
     * leaves the client open.
     */
    public static LiveSessions start(AgentClient client, Listener listener) {
        return begin(new LiveSessions(client, false, listener));
    }

    private static LiveSessions begin(LiveSessions l) {
        l.thread.start();
        return l;
    }

    private void run() {
        long retry = FIRST_RETRY_MS;
        while (!closed) {
            NinepClient c = null;
            try {
                c = client.conn();
                follow(c);
            } catch (Exception e) {
                if (closed) return;
                if (problem == null) retry = FIRST_RETRY_MS; // a new outage: try again soon
                String now = e instanceof ClientException ? e.getMessage() : AgentClient.notRunning(socket,
                        e instanceof java.io.IOException io ? io : new java.io.IOException(e.toString()));
                if (!now.equals(problem)) {
                    problem = now;
                    listener.changed(new Snapshot(List.copyOf(table.values()), false, problem), null);
                }
            } finally {
                // a connection of its own is made anew each round; a shared one is the client's to redial
                if (own && c != null) c.close();
            }
            if (closed) return;
            try {
                if (closing.await(retry, TimeUnit.MILLISECONDS)) return; // backoff between dials while the daemon is away
            } catch (InterruptedException e) {
                return;
            }
            retry = Math.min(MAX_RETRY_MS, retry * 2);
        }
    }

    /** Until the connection breaks: open events, read the table, then apply each change. */
    private void follow(NinepClient c) throws Exception {
        try (Fid events = c.open("events", OpenMode.OREAD)) {
            resync(c);
            Lines lines = new Lines();
            long offset = 0;
            while (!closed) {
                CompletableFuture<byte[]> r = events.readAsync(offset, AgentClient.MSIZE - Codec.IOHDRSZ);
                reading = r;
                if (closed) r.cancel(false);
                byte[] b = NinepClient.await(r);
                if (b.length == 0) throw new java.io.IOException("the daemon ended the events stream");
                offset += b.length;
                for (String line : lines.add(b).split("\n")) {
                    Event e = Event.parse(line);
                    if (e == null) continue;
                    if (e.isOverflow()) {
                        resync(c);
                        continue;
                    }
                    apply(c, e);
                }
            }
        }
    }

    private void resync(NinepClient c) throws Exception {
        List<Session> list = Session.parseList(new String(c.readAll("list"), StandardCharsets.UTF_8));
        table.clear();
        for (Session s : list) table.put(s.id(), s.withBackend(backends.get(s.id())));
        backends.keySet().retainAll(table.keySet());
        problem = null;
        // the table first (a front-end paints it at once), then the backends not known yet, all asked at once
        listener.changed(snapshot(), null);
        Map<String, CompletableFuture<byte[]>> asked = new HashMap<>();
        for (Session s : list) {
            if (!backends.containsKey(s.id())) asked.put(s.id(), readSmall(c, s.id() + "/backend"));
        }
        if (asked.isEmpty()) return;
        for (var e : asked.entrySet()) {
            try {
                String b = new String(NinepClient.await(e.getValue()), StandardCharsets.UTF_8).strip();
                backends.put(e.getKey(), b);
                table.computeIfPresent(e.getKey(), (id, s) -> s.withBackend(b));
            } catch (java.io.IOException gone) {
                // killed meanwhile: its event follows
            }
        }
        listener.changed(snapshot(), null);
    }

    /** walk, open, one read, clunk: pipelined, so many can be in flight at once. */
    private static CompletableFuture<byte[]> readSmall(NinepClient c, String path) {
        return c.root().walkAsync(path).thenCompose(f -> f.openAsync(OpenMode.OREAD)
                .thenCompose(o -> o.readAsync(0, 256))
                .whenComplete((v, t) -> f.clunkAsync().exceptionally(x -> null)));
    }

    private void apply(NinepClient c, Event e) throws Exception {
        listener.event(e);
        Session s = table.get(e.id());
        boolean changed = true;
        switch (e.kind()) {
            case "created" -> {
                if (s == null) fetch(c, e.id());
            }
            case "killed" -> changed = table.remove(e.id()) != null;
            case "state" -> {
                if (s == null) fetch(c, e.id());
                else table.put(s.id(), s.withState(State.parse(e.detail())));
            }
            case "alias" -> {
                if (s != null) table.put(s.id(), s.withAlias(e.detail().equals("-") || e.detail().isEmpty() ? null : e.detail()));
            }
            case "started", "restarted", "adopted" -> {
                if (s != null && e.pid() >= 0) table.put(s.id(), s.withPid(e.pid()));
            }
            default -> changed = false;
        }
        if (changed) listener.changed(snapshot(), e);
    }

    /** A session the table does not have yet: its info says everything. */
    private void fetch(NinepClient c, String id) {
        try {
            Session s = Info.parse(new String(c.readAll(id + "/info"), StandardCharsets.UTF_8)).session();
            if (s.id() == null) return;
            backends.put(id, s.backend());
            table.put(id, s);
        } catch (java.io.IOException gone) {
            // killed already: its `killed` event follows
        }
    }

    private Snapshot snapshot() {
        return new Snapshot(List.copyOf(new ArrayList<>(table.values())), true, null);
    }

    @Override
    public void close() {
        closed = true;
        closing.countDown();
        CompletableFuture<byte[]> r = reading;
        if (r != null) r.cancel(false);
        if (own) client.close();
    }
}
