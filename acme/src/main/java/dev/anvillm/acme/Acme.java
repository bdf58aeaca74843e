package dev.anvillm.acme;

import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NinepClient;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Acme's own file server, acme(4), as plan9port posts it: the service {@code acme} in the name
 * space directory. One multiplexed connection serves every window Assist opens.
 */
public final class Acme implements AutoCloseable {
    private final NinepClient conn;

    private Acme(NinepClient conn) {
        this.conn = conn;
    }

    /** Dials the {@code acme} service of the name space that {@code env} names. */
    public static Acme connect(Map<String, String> env) throws IOException {
        Path socket = Namespace.resolve(env).socket("acme");
        try {
            return new Acme(NinepClient.connect(socket));
        } catch (IOException e) {
            throw new IOException("cannot reach acme on " + socket + " (" + e.getMessage() + "); run Assist from inside acme", e);
        }
    }

    NinepClient conn() {
        return conn;
    }

    /** A new window named {@code name}, its tag extended by {@code tag}. */
    public Win open(String name, String tag) throws IOException {
        return Win.create(this, name, tag);
    }

    @Override
    public void close() {
        conn.close();
    }
}
