package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.Event;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fan-out of the one events reader to the pages' streams: a page that stops reading (its
 * writes block, as on a browser that froze) is dropped once it falls a queue behind, one whose
 * connection broke is dropped at the next write, and the others get every event meanwhile.
 */
class WebStreamsTest {
    @TempDir Path tmp;
    Hub hub;

    /** A page that reads everything it is sent. */
    static final class Reading implements Sink {
        final List<String> got = Collections.synchronizedList(new ArrayList<>());

        public void event(String name, String data) {
            got.add(name + " " + data);
        }

        public void comment(String text) {}

        public boolean broken() {
            return false;
        }

        public void close() {}

        public void onClose(Runnable r) {}
    }

    /** A page that takes the first write and then never reads again. */
    static final class Frozen implements Sink {
        final CountDownLatch released = new CountDownLatch(1);
        volatile boolean closed;

        public void event(String name, String data) {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public void comment(String text) {}

        public boolean broken() {
            return closed;
        }

        public void close() {
            closed = true;
            released.countDown();
        }

        public void onClose(Runnable r) {}
    }

    /** A tab that was closed: its first write finds the connection gone. */
    static final class Closed implements Sink {
        volatile boolean written;
        volatile boolean closed;

        public void event(String name, String data) {
            written = true;
        }

        public void comment(String text) {
            written = true;
        }

        public boolean broken() {
            return written;
        }

        public void close() {
            closed = true;
        }

        public void onClose(Runnable r) {}
    }

    @AfterEach
    void stop() throws Exception {
        if (hub != null) hub.close();
        if (web != null) web.close();
        if (d != null) d.close();
    }

    TestDaemon d;
    WebServer web;

    /**
     * A tab closed (here: the socket of a real HTTP stream, closed once it had the table) while
     * nothing changes in the daemon (no session, so nothing to send): only the heartbeat can
     * notice it, and it does. Its interval is set short for the test.
     */
    @Test
    void aClosedTabIsNoticedByTheHeartbeatWhenNothingElseIsSent() throws Exception {
        d = new TestDaemon(tmp);
        String token = Guard.newToken();
        System.setProperty(Hub.HEARTBEAT_PROPERTY, "200");
        try {
            web = WebServer.start("127.0.0.1", 0, token, false, new AgentClient(d.ns.socket()));
        } finally {
            System.clearProperty(Hub.HEARTBEAT_PROPERTY);
        }
        StringBuilder got = new StringBuilder();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), web.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:" + web.port() + "\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            // the table of a daemon that answers, and the first (empty) stats: after that nothing changes
            while (!(got.indexOf("\"connected\":true") >= 0 && got.indexOf("event: stats") >= 0)) {
                int n = in.read(buf);
                assertTrue(n > 0, "the stream ended early: " + got);
                got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertTrue(got.toString().startsWith("HTTP/1.1 200"), got.toString());
            assertEquals(1, web.streams());
        }
        // the tab is closed: nothing is sent but the heartbeat, and it finds the stream gone
        TestDaemon.await("the closed stream forgotten", () -> web.streams() == 0, () -> web.streams() + " streams");
        assertTrue(d.client.list().isEmpty(), "nothing happened in the daemon");
    }

    @Test
    void aFrozenPageIsDroppedAndAClosedTabForgottenWhileTheOthersGetEveryEvent() throws Exception {
        hub = new Hub(new AgentClient(tmp.resolve("no-daemon")));
        Frozen frozen = new Frozen();
        Reading reading = new Reading();
        Closed closed = new Closed();
        hub.open(frozen, null, null, null);
        hub.open(reading, null, null, null);
        hub.open(closed, null, null, null);
        TestDaemon.await("the closed tab forgotten after its first write", () -> closed.closed && hub.pageCount() == 2, () -> hub.pageCount() + " pages");

        int n = Page.QUEUE + 10;
        for (int i = 1; i <= n; i++) hub.event(new Event(i, "0123abcd", "alias", "a" + i));
        TestDaemon.await("the frozen page dropped", () -> frozen.closed && hub.pageCount() == 1, () -> hub.pageCount() + " pages");
        TestDaemon.await("every event on the page that reads", () -> reading.got.size() == n + 1, () -> reading.got.size() + " messages");
        assertTrue(reading.got.getFirst().startsWith("table {\"connected\":false"), reading.got.getFirst());
        assertTrue(reading.got.getLast().contains("\"detail\":\"a" + n + "\""), reading.got.getLast());
    }
}
