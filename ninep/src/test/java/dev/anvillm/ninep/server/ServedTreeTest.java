package dev.anvillm.ninep.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** A {@link TestTree} served on a socket in a temporary directory, and one raw client past the handshake. */
abstract class ServedTreeTest {
    @TempDir Path dir;
    TestTree tree;
    NinepServer server;
    RawClient c;

    @BeforeEach
    void serve() throws Exception {
        tree = new TestTree();
        server = tree.serve(dir.resolve("sock"));
        c = new RawClient(server.socket());
        c.handshake();
    }

    @AfterEach
    void closeAll() throws Exception {
        c.close();
        server.close();
    }
}
