package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.Event;
import dev.anvillm.client.LiveSessions;
import dev.anvillm.client.Session;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one {@code events} reader (a {@link LiveSessions} on the client's one connection) and its
 * fan-out to every open stream: a page gets the whole table when it connects, then each change as
 * the session that changed (or {@code gone}), every event line, and what the {@link SessionFeed}
 * of the session it watches says. A heartbeat every {@link #HEARTBEAT_MS} (system property
 * {@value #HEARTBEAT_PROPERTY}) lets a closed tab be noticed when nothing else is sent.
 */
final class Hub implements LiveSessions.Listener, AutoCloseable {
    static final long HEARTBEAT_MS = 10_000;
    static final String HEARTBEAT_PROPERTY = "anvilweb.heartbeat.ms";
    /** How often the screen of a watched session that is working is looked at again. */
    static final long SCREEN_MS = 1_000;
    /** How often agent/stats (CPU and memory of every session) is read while a page is open. */
    static final long STATS_MS = 3_000;

    private final AgentClient client;
    private final Set<Page> pages = ConcurrentHashMap.newKeySet();
    private final Map<String, SessionFeed> feeds = new HashMap<>(); // guarded by this
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("anvilweb timer").daemon().factory());
    private LiveSessions.Snapshot now = new LiveSessions.Snapshot(List.of(), false, "connecting to the daemon"); // guarded by this
    private String nowJson = Json.write(Json.Table.of(now)); // guarded by this
    private LiveSessions live;
    private String statsJson; // guarded by this; null until read
    private boolean statsReading; // guarded by this

    Hub(AgentClient client) {
        this.client = client;
    }

    void start() {
        live = LiveSessions.start(client, this);
        long heartbeat = Math.max(1, Long.getLong(HEARTBEAT_PROPERTY, HEARTBEAT_MS));
        timer.scheduleWithFixedDelay(() -> pages.forEach(Page::ping), heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::lookAtScreens, SCREEN_MS, SCREEN_MS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::readStats, 0, STATS_MS, TimeUnit.MILLISECONDS);
    }

    /** The table as the events reader knows it now. */
    synchronized LiveSessions.Snapshot snapshot() {
        return now;
    }

    int pageCount() {
        return pages.size();
    }

    /**
     * Opens a stream on {@code sse}: the table and its changes, every event, and the feed of
     * session {@code watch} when not null; {@code wants} limits the event names (null: all), and
     * the stream ends after event {@code last} (null: never).
     */
    synchronized void open(Sink sse, String watch, Set<String> wants, String last) {
        Page[] self = new Page[1];
        Page p = new Page(sse, wants, last, watch, () -> leave(self[0]));
        self[0] = p;
        pages.add(p);
        p.send("table", nowJson);
        if (statsJson != null) p.send("stats", statsJson);
        if (watch != null) {
            SessionFeed f = feeds.get(watch);
            if (f == null) {
                f = new SessionFeed(client, watch);
                feeds.put(watch, f);
                f.start();
            }
            f.join(p);
        }
    }

    private void leave(Page p) {
        SessionFeed closing = null;
        synchronized (this) {
            pages.remove(p);
            if (p.watch != null) {
                SessionFeed f = feeds.get(p.watch);
                if (f != null && f.leave(p)) {
                    feeds.remove(p.watch);
                    closing = f;
                }
            }
        }
        if (closing != null) closing.close();
    }

    @Override
    public void changed(LiveSessions.Snapshot s, Event cause) {
        List<SessionFeed> back = List.of();
        synchronized (this) {
            // the daemon answers again: feeds whose log broke with the connection follow it again
            if (s.connected() && !now.connected()) back = List.copyOf(feeds.values());
            fanOut(s, cause);
        }
        back.forEach(SessionFeed::reconnected);
    }

    private void fanOut(LiveSessions.Snapshot s, Event cause) {
        now = s;
        nowJson = Json.write(Json.Table.of(s));
        String event;
        String data;
        Session changed = cause == null ? null : s.sessions().stream().filter(x -> x.id().equals(cause.id())).findFirst().orElse(null);
        if (cause == null) {
            event = "table";
            data = nowJson;
        } else if (changed == null) {
            event = "gone";
            data = Json.write(Map.of("id", cause.id()));
        } else {
            event = "session";
            data = Json.write(Json.SessionView.of(changed));
        }
        for (Page p : pages) p.send(event, data);
    }

    @Override
    public void event(Event e) {
        String data = Json.write(Json.EventView.of(e));
        SessionFeed f;
        synchronized (this) {
            for (Page p : pages) p.send("event", data);
            f = feeds.get(e.id());
        }
        if (f != null) f.event(e);
    }

    /**
     * Reads agent/stats and sends it to every page, while there is one and the daemon answers;
     * one read at a time, off the timer's thread (a read may take ~0.3 s).
     */
    private void readStats() {
        synchronized (this) {
            if (pages.isEmpty() || !now.connected() || statsReading) return;
            statsReading = true;
        }
        Thread.startVirtualThread(() -> {
            String json = null;
            try {
                json = Json.write(client.stats().stream().map(Json.StatsView::of).toList());
            } catch (ClientException e) {
                // the table's problem says the daemon is away
            }
            synchronized (this) {
                statsReading = false;
                if (json == null || json.equals(statsJson)) return; // sent when it changed, not as a heartbeat
                statsJson = json;
                for (Page p : pages) p.send("stats", json);
            }
        });
    }

    private void lookAtScreens() {
        List<SessionFeed> busy;
        synchronized (this) {
            Set<String> working = new java.util.HashSet<>();
            for (Session s : now.sessions()) if (s.state().busy()) working.add(s.id());
            busy = feeds.values().stream().filter(f -> working.contains(f.id)).toList();
        }
        busy.forEach(SessionFeed::readScreen);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (live != null) live.close();
        List<SessionFeed> fs;
        synchronized (this) {
            fs = List.copyOf(feeds.values());
            feeds.clear();
        }
        fs.forEach(SessionFeed::close);
        pages.forEach(Page::close);
    }
}
