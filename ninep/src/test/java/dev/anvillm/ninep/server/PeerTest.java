package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.File;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** Peer credentials and the Access decision (SPEC §3, §8.4). */
class PeerTest {
    @TempDir Path dir;
    /** What the server's Access does with the next connection: admit with this principal, or throw. */
    final AtomicReference<Object> decision = new AtomicReference<>("user");
    final AtomicReference<Peer> admitted = new AtomicReference<>();
    NinepServer server;

    @BeforeEach
    void start() throws Exception {
        Dir root = new Dir("/");
        root.add(new File("whoami", 0444, new File.Behavior() {
            @Override
            public void read(Fid fid, ReadRequest r) {
                r.respondFrom(r.peer().pid() + " " + r.peer().uid() + " " + fid.principal() + "\n");
            }
        }));
        Access access = peer -> {
            admitted.set(peer);
            Object d = decision.get();
            if (d instanceof NinepException e) throw e;
            if (d instanceof RuntimeException e) throw e;
            return d;
        };
        server = NinepServer.start(dir.resolve("sock"), (principal, uname, aname) -> root, access, ServerLimits.DEFAULT);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    String readWhoami(RawClient c) throws Exception {
        c.handshake();
        c.call(new Twalk(0, 0, 1, List.of("whoami")), Rwalk.class);
        c.call(new Topen(0, 1, 0), Ropen.class);
        return new String(c.call(new Tread(0, 1, 0, 4096), Rread.class).data(), StandardCharsets.UTF_8);
    }

    @Test
    void aHandlerSeesThePeersPidUidAndPrincipal() throws Exception {
        int myUid = (Integer) Files.getAttribute(dir, "unix:uid");
        try (RawClient c = new RawClient(server.socket())) {
            assertEquals(ProcessHandle.current().pid() + " " + myUid + " user\n", readWhoami(c));
        }
        assertEquals(ProcessHandle.current().pid(), admitted.get().pid());
        assertEquals(myUid, admitted.get().uid());
    }

    @Test
    void anAccessThatRefusesClosesTheConnection() throws Exception {
        decision.set(new NinepException("connection refused: not you"));
        try (RawClient c = new RawClient(server.socket())) {
            c.trySendBytes(dev.anvillm.ninep.proto.Codec.encode(new Tversion(0xffff, 8192, "9P2000")));
            c.awaitClosed();
        }
        decision.set("again");
        try (RawClient c = new RawClient(server.socket())) {
            assertTrue(readWhoami(c).endsWith(" again\n"), "the server still admits the next peer");
        }
    }

    @Test
    void anAccessThatFailsClosesTheConnection() throws Exception {
        decision.set(new IllegalStateException("bug in the access check"));
        try (RawClient c = new RawClient(server.socket())) {
            c.awaitClosed();
        }
        Await.until("no connection to be counted", () -> server.connections() == 0);
        decision.set("user");
        try (RawClient c = new RawClient(server.socket())) {
            assertTrue(readWhoami(c).endsWith(" user\n"));
        }
    }

    @Test
    void sameUserAdmitsTheServersUserAndRootOnly() throws Exception {
        Access same = Access.sameUser(1000);
        assertNotNull(same.admit(new Peer(10, 1000, 1000)));
        assertNotNull(same.admit(new Peer(10, 0, 0)));
        NinepException e = assertThrows(NinepException.class, () -> same.admit(new Peer(10, 1001, 1001)));
        assertTrue(e.getMessage().length() < 128);
    }
}
