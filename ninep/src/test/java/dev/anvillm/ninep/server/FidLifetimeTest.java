package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Unknown fids, and fids released when their connection goes (SPEC §3). */
class FidLifetimeTest {
    @TempDir Path dir;
    TestTree tree;
    NinepServer server;

    @BeforeEach
    void start() throws Exception {
        tree = new TestTree();
        server = tree.serve(dir.resolve("sock"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    RawClient attached() throws Exception {
        RawClient c = new RawClient(server.socket());
        c.handshake();
        return c;
    }

    @Test
    void everyRequestOnAnUnknownFidIsBadFid() throws Exception {
        try (RawClient c = attached()) {
            List<Message> requests = List.of(
                    new Tstat(1, 42), new Topen(1, 42, 0), new Tread(1, 42, 0, 10),
                    new Twrite(1, 42, 0, new byte[1]), new Tclunk(1, 42), new Tremove(1, 42),
                    new Twstat(1, 42, Stat.dontTouch()), new Twalk(1, 42, 43, List.of()));
            for (Message t : requests) assertEquals("bad fid", c.error(t), t.toString());
            c.call(new Tstat(1, 0), Rstat.class);
        }
    }

    @Test
    void aClunkedFidIsBadFid() throws Exception {
        try (RawClient c = attached()) {
            c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
            c.call(new Tclunk(0, 1), Rclunk.class);
            assertEquals("bad fid", c.error(new Tstat(0, 1)));
            assertEquals("bad fid", c.error(new Tclunk(0, 1)));
            c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
        }
    }

    @Test
    void fidsBelongToTheirConnection() throws Exception {
        try (RawClient a = attached(); RawClient b = attached()) {
            a.call(new Twalk(0, 0, 1, List.of("d")), Rwalk.class);
            assertEquals("bad fid", b.error(new Tstat(0, 1)));
            b.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
            assertEquals("d", a.call(new Tstat(0, 1), Rstat.class).stat().name());
        }
    }

    @Test
    void disconnectingWithoutClunkCommitsAnOpenWholeContentFile() throws Exception {
        try (RawClient c = attached()) {
            c.call(new Twalk(0, 0, 1, List.of("in")), Rwalk.class);
            c.call(new Topen(0, 1, 0x11), Ropen.class);
            c.call(new Twrite(0, 1, 0, "hello ".getBytes(StandardCharsets.UTF_8)), Rwrite.class);
            c.call(new Twrite(0, 1, 6, "world\n".getBytes(StandardCharsets.UTF_8)), Rwrite.class);
            assertTrue(tree.commits.isEmpty(), "nothing commits before the fid goes");
        }
        assertEquals("hello world\n", tree.nextCommit());
        Await.until("the connection to be released", () -> server.connections() == 0);
    }

    @Test
    void disconnectingWithoutClunkRunsAnUnterminatedCommand() throws Exception {
        try (RawClient c = attached()) {
            c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
            c.call(new Topen(0, 1, 0x11), Ropen.class);
            c.call(new Twrite(0, 1, 0, "stop".getBytes(StandardCharsets.UTF_8)), Rwrite.class);
            assertTrue(tree.commands.isEmpty());
        }
        assertEquals("stop", tree.nextCommand());
    }

    @Test
    void disconnectingCancelsPendingReads() throws Exception {
        try (RawClient c = attached()) {
            c.call(new Twalk(0, 0, 1, List.of("events")), Rwalk.class);
            c.call(new Topen(0, 1, 0), Ropen.class);
            c.send(new Tread(3, 1, 0, 4096));
            Await.until("the read to block", () -> tree.events.waiting() == 1);
        }
        assertEquals(3, tree.events.nextCancelled());
        assertEquals(0, tree.events.waiting());
    }

    @Test
    void connectionsThatNeverClunkTheirRootDoNotLeak() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                RawClient c = attached();
                clients.add(c);
                c.call(new Twalk(0, 0, 1, List.of("events")), Rwalk.class);
                c.call(new Topen(0, 1, 0), Ropen.class);
                c.send(new Tread(0, 1, 0, 4096));
                c.call(new Twalk(1, 0, 2, List.of("d")), Rwalk.class);
            }
            Await.until("50 blocked reads", () -> tree.events.waiting() == 50);
            assertEquals(50, server.connections());
        } finally {
            for (RawClient c : clients) c.close();
        }
        Await.until("every connection to be released", () -> server.connections() == 0);
        Await.until("every read to be cancelled", () -> tree.events.cancelled.size() == 50);
        assertEquals(0, tree.events.waiting());
    }

    @Test
    void aFullConnectionTableEmptiesAsClientsLeave() throws Exception {
        server.close();
        server = tree.serve(dir.resolve("sock2"), new ServerLimits(ServerLimits.DEFAULT.maxMsize(), 16, 3, 16));
        for (int round = 0; round < 10; round++) {
            try (RawClient a = attached(); RawClient b = attached(); RawClient c = attached()) {
                for (RawClient x : List.of(a, b, c)) {
                    x.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
                    x.call(new Topen(0, 1, 0), Ropen.class);
                }
            }
            Await.until("round " + round + "'s connections to be released", () -> server.connections() == 0);
        }
    }
}
