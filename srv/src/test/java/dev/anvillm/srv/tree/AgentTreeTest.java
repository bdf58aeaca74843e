package dev.anvillm.srv.tree;

import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.server.Access;
import dev.anvillm.ninep.server.NinepServer;
import dev.anvillm.ninep.server.RawClient;
import dev.anvillm.ninep.server.ServerLimits;
import dev.anvillm.srv.session.TestSessions;
import dev.anvillm.srv.session.EventBus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The root files through a real server and socket, in process, so the test can publish events. */
class AgentTreeTest {
    @TempDir Path tmp;
    private TestSessions fixture;
    private EventBus bus;
    private String id;
    private NinepServer server;
    private RawClient client;

    @BeforeEach
    void serve() throws Exception {
        fixture = new TestSessions(java.nio.file.Files.createDirectories(tmp.resolve("fx")));
        bus = fixture.events;
        id = fixture.sessions.create("sh", tmp, "dev").id();
        AgentTree tree = new AgentTree(fixture.sessions, bus, tmp, fixture.tmux.socket());
        server = NinepServer.start(tmp.resolve("agent"), (p, u, a) -> tree.root(), Access.sameUser(0), ServerLimits.DEFAULT);
        client = new RawClient(tmp.resolve("agent"));
        client.handshake();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        server.close();
        fixture.close();
    }

    private void open(int fid, String name, int mode) throws Exception {
        assertInstanceOf(Rwalk.class, client.rpc(new Twalk(0, 0, fid, List.of(name))));
        assertInstanceOf(Ropen.class, client.rpc(new Topen(0, fid, mode)));
    }

    private static String text(Object reply) {
        return new String(assertInstanceOf(Rread.class, reply).data(), StandardCharsets.UTF_8);
    }

    @Test
    void eventsStartsWithTheLiveStatesThenBlocksUntilSomethingIsPublished() throws Exception {
        open(1, "events", OpenMode.OREAD);
        String preamble = text(client.rpc(new Tread(1, 1, 0, 8192)));
        assertTrue(preamble.startsWith("state " + id + " "), preamble);

        client.send(new Tread(2, 1, 0, 8192));
        // The blocked read must not hold up the connection: another request is answered first.
        assertTrue(readFile("list").matches(id + "\tdev\t\\w+\t\\d+\t" + tmp + "\n"));
        bus.publish("0badf00d", "state", "running");
        Rread r = assertInstanceOf(Rread.class, client.receive());
        assertEquals(2, r.tag());
        assertTrue(new String(r.data(), StandardCharsets.UTF_8).matches("\\d{13} 0badf00d state running\n"));
    }

    @Test
    void flushEndsABlockedReadAndTheStreamGoesOnFromWhereItWas() throws Exception {
        open(1, "events", OpenMode.OREAD);
        drain(1); // the preamble and whatever the session did meanwhile
        client.send(new Tread(2, 1, 0, 8192));
        assertEquals(new Rflush(3), client.rpc(new Tflush(3, 2)));
        bus.publish("0badf00d", "alias", "dev");
        assertTrue(text(client.rpc(new Tread(4, 1, 0, 8192))).endsWith(" 0badf00d alias dev\n"));
    }

    @Test
    void clunkEndsABlockedReadAndTheReader() throws Exception {
        open(1, "events", OpenMode.OREAD);
        drain(1);
        client.send(new Tread(2, 1, 0, 8192));
        assertEquals(1, bus.readers());
        client.send(new Tclunk(3, 1));
        // the framework answers the abandoned read with an error, then the clunk
        assertEquals(new Rerror(2, "fid clunked"), client.receive());
        assertEquals(new Rclunk(3), client.receive());
        assertEquals(0, bus.readers());
    }

    @Test
    void twoOpensReadTheSameStreamEachFromWhenItOpened() throws Exception {
        open(1, "events", OpenMode.OREAD);
        drain(1);
        bus.publish("0badf00d", "state", "running");
        open(2, "events", OpenMode.OREAD);
        drain(2);
        bus.publish("0badf00d", "state", "idle");
        String first = text(client.rpc(new Tread(0, 1, 0, 8192)));
        String second = text(client.rpc(new Tread(0, 2, 0, 8192)));
        assertTrue(first.matches("(?s)\\d+ 0badf00d state running\n.*\\d+ 0badf00d state idle\n"), first);
        assertTrue(second.matches("\\d+ 0badf00d state idle\n"), second);
    }

    /** Reads everything published so far, once the session has settled (its own state events came first). */
    private void drain(int fid) throws Exception {
        long deadline = System.nanoTime() + dev.anvillm.srv.TestNamespace.DEADLINE.toNanos();
        while (fixture.sessions.list().getFirst().state() != dev.anvillm.srv.session.State.IDLE) {
            if (System.nanoTime() > deadline) fail("the sh session did not become idle");
            Thread.sleep(10); // polling a condition, with a deadline
        }
        client.rpc(new Tread(77, fid, 0, 8192));
    }

    @Test
    void aReadOfCtlAfterNewGivesTheNewId() throws Exception {
        open(1, "ctl", OpenMode.ORDWR);
        assertEquals(new Rwrite(0, 20), client.rpc(new Twrite(0, 1, 0, "new sh /tmp alias=x\n".getBytes(StandardCharsets.UTF_8))));
        String newId = text(client.rpc(new Tread(0, 1, 0, 100)));
        assertTrue(newId.matches("[0-9a-f]{8}\n") && !newId.equals(id + "\n"), newId);
    }

    @Test
    void backendsAndListAreReadOnly() throws Exception {
        String backends = readFile("backends");
        assertTrue(backends.startsWith("claude\t") && backends.contains("\nsh\tok\t"), backends);
        for (String name : List.of("list", "backends", "events")) {
            assertInstanceOf(Rwalk.class, client.rpc(new Twalk(0, 0, 9, List.of(name))));
            assertEquals(new Rerror(0, "permission denied"), client.rpc(new Topen(0, 9, OpenMode.OWRITE)), name);
            client.rpc(new Tclunk(0, 9));
        }
    }

    private String readFile(String name) throws Exception {
        open(50, name, OpenMode.OREAD);
        String s = text(client.rpc(new Tread(0, 50, 0, 8192)));
        client.rpc(new Tclunk(0, 50));
        return s;
    }
}
