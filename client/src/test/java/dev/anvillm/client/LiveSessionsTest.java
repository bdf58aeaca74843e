package dev.anvillm.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** The live table: created, changed and killed behind the client's back, and a daemon that dies and returns. */
class LiveSessionsTest {
    @TempDir Path tmp;
    TestDaemon d;
    final AtomicReference<LiveSessions.Snapshot> seen = new AtomicReference<>();
    LiveSessions live;

    @BeforeEach
    void daemon() throws Exception {
        d = new TestDaemon(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        if (live != null) live.close();
        if (d != null) d.close();
    }

    private void follow() {
        live = LiveSessions.start(d.ns.socket(), (now, cause) -> seen.set(now));
    }

    private void awaitSeen(String what, java.util.function.Predicate<LiveSessions.Snapshot> ok) throws InterruptedException {
        TestDaemon.await(what, () -> seen.get() != null && ok.test(seen.get()), () -> String.valueOf(seen.get()));
    }

    private static Session find(LiveSessions.Snapshot s, String id) {
        return s.sessions().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
    }

    @Test
    void theTableFollowsEveryChangeInListOrderWithBackends() throws Exception {
        String first = d.client.create("quick", d.project.toString(), "first");
        follow();
        awaitSeen("the first session with its backend", s -> s.connected() && find(s, first) != null && find(s, first).backend() != null);
        assertEquals("quick", find(seen.get(), first).backend());

        String second = d.client.create("slow", d.project.toString(), null);
        awaitSeen("the second, idle", s -> find(s, second) != null && find(s, second).state() == State.IDLE);
        assertEquals(List.of(first, second), seen.get().sessions().stream().map(Session::id).toList());
        assertEquals("slow", find(seen.get(), second).backend());
        assertTrue(find(seen.get(), second).pid() > 0);

        d.client.prompt(second, "work");
        awaitSeen("running", s -> find(s, second).state() == State.RUNNING);
        d.client.alias(second, "renamed");
        awaitSeen("the alias", s -> "renamed".equals(find(s, second).alias()));
        d.client.command(first, Command.KILL);
        awaitSeen("the kill", s -> find(s, first) == null);
        awaitSeen("idle again", s -> find(s, second).state() == State.IDLE);
    }

    @Test
    void aDaemonRestartIsSeenAndTheTableResyncs() throws Exception {
        String id = d.client.create("quick", d.project.toString(), "keep");
        follow();
        awaitSeen("the session", s -> find(s, id) != null && find(s, id).state() == State.IDLE);
        d.kill();
        awaitSeen("the outage", s -> !s.connected());
        assertTrue(seen.get().problem().contains("anvilsrv start"), seen.get().problem());
        assertNotNull(find(seen.get(), id), "rows stay while the daemon is away");
        d.start();
        awaitSeen("the daemon back", s -> s.connected() && find(s, id) != null && find(s, id).state() == State.IDLE);
        // and live again: a change after the restart shows
        d.client.alias(id, "back");
        awaitSeen("a change after the restart", s -> "back".equals(find(s, id).alias()));
    }

    @Test
    void aFollowerThatFellBehindResyncsFromList() throws Exception {
        String gone = d.client.create("quick", d.project.toString(), "gone");
        String kept = d.client.create("quick", d.project.toString(), "kept");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean hold = new java.util.concurrent.atomic.AtomicBoolean();
        live = LiveSessions.start(d.ns.socket(), (now, cause) -> {
            seen.set(now);
            if (hold.get()) {
                try {
                    release.await(); // a slow front-end: the events pile up on the daemon meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        d.awaitState(gone, State.IDLE);
        d.awaitState(kept, State.IDLE);
        awaitSeen("both idle", s -> find(s, gone) != null && find(s, kept) != null && find(s, kept).backend() != null
                && find(s, gone).state() == State.IDLE && find(s, kept).state() == State.IDLE);
        hold.set(true); // the next change holds the follower: quiet sessions, so it is the alias below
        d.client.alias(kept, "held");
        awaitSeen("the follower held", s -> "held".equals(find(s, kept).alias()));
        // more changes than the daemon keeps for a reader (1024 lines): the kill among them is lost to it
        d.client.command(gone, Command.KILL);
        for (int i = 1; i <= 1100; i++) d.client.alias(kept, "k" + i);
        hold.set(false);
        release.countDown();
        awaitSeen("the table as list gives it", s -> find(s, gone) == null && "k1100".equals(find(s, kept).alias()));
    }

    /**
     * On the client's connection: the events read, a followed log and calls share it (the daemon
     * sees one client); closing the follower and the log leaves it open, and an interrupted caller
     * does not close it for the others. After a daemon restart all three go on over one new one.
     */
    @Test
    void onTheClientsConnectionEventsLogsAndCallsShareOne() throws Exception {
        String id = d.client.create("quick", d.project.toString(), "shared");
        live = LiveSessions.start(d.client, (now, cause) -> seen.set(now));
        awaitSeen("the session idle", s -> s.connected() && find(s, id) != null && find(s, id).state() == State.IDLE);
        dev.anvillm.ninep.client.NinepClient conn = d.client.conn();
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
        LogStream ls = d.client.log(id, log::add, ended::add);
        TestDaemon.await("the log", () -> String.join("", log).contains("created (pid"), log::toString);
        d.client.alias(id, "renamed");
        awaitSeen("the alias, while the log and events reads wait", s -> "renamed".equals(find(s, id).alias()));
        assertSame(conn, d.client.conn(), "one connection for all three");

        Thread.currentThread().interrupt();
        try {
            d.client.list();
        } catch (ClientException expected) {
            // the interrupted call gives up
        } finally {
            Thread.interrupted();
        }
        assertFalse(conn.isClosed(), "an interrupted caller closed the connection the others share");

        d.kill();
        awaitSeen("the outage", s -> !s.connected());
        TestDaemon.await("the log told", () -> !ended.isEmpty(), log::toString);
        assertTrue(ended.getFirst().contains("anvilsrv start"), ended.toString());
        d.start();
        awaitSeen("the daemon back", s -> s.connected() && find(s, id) != null);
        dev.anvillm.ninep.client.NinepClient again = d.client.conn();
        assertNotSame(conn, again);
        log.clear();
        ended.clear();
        ls = d.client.log(id, log::add, ended::add);
        d.client.alias(id, "again");
        awaitSeen("a change after the restart", s -> "again".equals(find(s, id).alias()));
        TestDaemon.await("the log again", () -> String.join("", log).contains("adopted"), log::toString);
        assertSame(again, d.client.conn(), "one new connection for all three");

        ls.close();
        live.close();
        live = null;
        assertEquals(State.IDLE, d.client.state(id));
        assertSame(again, d.client.conn(), "closing them leaves the client's connection open");
        assertTrue(ended.isEmpty(), "no end after close: " + ended);
    }

    @Test
    void eventLinesParse() {
        assertEquals(new Event(0, "3f2a9b1c", "state", "idle"), Event.parse("state 3f2a9b1c idle"));
        Event e = Event.parse("1796162657322 3f2a9b1c restarted pid 4242");
        assertEquals(4242, e.pid());
        assertTrue(Event.parse("1796162657322 - overflow 17").isOverflow());
        assertEquals("bash /home/me/a dir", Event.parse("1 3f2a9b1c created bash /home/me/a dir").detail());
        assertNull(Event.parse("garbage"));
    }
}
