package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.File;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @TempDir Path dir;

    @Test
    void readsATextFileThroughTheSocket() throws Exception {
        Dir root = new Dir("/");
        root.add(File.text("hello", () -> "hello world\n"));
        try (NinepServer srv = NinepServer.start(dir.resolve("sock"), (p, u, a) -> root, Access.sameUser(0), ServerLimits.DEFAULT);
             RawClient c = new RawClient(dir.resolve("sock"))) {
            c.handshake();
            assertInstanceOf(Rwalk.class, c.rpc(new Twalk(0, 0, 1, List.of("hello"))));
            assertInstanceOf(Ropen.class, c.rpc(new Topen(0, 1, 0)));
            Rread r = (Rread) c.rpc(new Tread(0, 1, 0, 4096));
            assertEquals("hello world\n", new String(r.data(), StandardCharsets.UTF_8));
            assertEquals(0, ((Rread) c.rpc(new Tread(0, 1, 12, 4096))).data().length);
        }
    }
}
