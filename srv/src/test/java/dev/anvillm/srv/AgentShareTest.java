package dev.anvillm.srv;

import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.srv.access.PeerCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An agent cannot starve its user: from inside a sandboxed session (real Landlock, real peer
 * credentials), a process opening hundreds of connections to the socket gets its session's share
 * and no more; another session's agent still gets in, and so do the user's own clients.
 */
class AgentShareTest {
    /**
     * Opens COUNT connections to SOCKET, sends a Tversion on each, and once none has answered
     * for a while writes how many did (an Rversion) to OUT; then holds them open.
     */
    private static final String HOG = """
            const net = require('net');
            const [socket, count, out] = process.argv.slice(2);
            let answered = 0, last = Date.now();
            const held = [];
            for (let i = 0; i < Number(count); i++) {
              const c = net.createConnection(socket);
              held.push(c);
              c.on('connect', () => {
                const v = Buffer.from('9P2000');
                const m = Buffer.alloc(4 + 1 + 2 + 4 + 2 + v.length);
                m.writeUInt32LE(m.length, 0); m.writeUInt8(100, 4); m.writeUInt16LE(0xffff, 5);
                m.writeUInt32LE(8192, 7); m.writeUInt16LE(v.length, 11); v.copy(m, 13);
                c.write(m);
              });
              c.once('data', d => { if (d.length > 4 && d.readUInt8(4) === 101) answered++; last = Date.now(); });
              c.on('error', () => { last = Date.now(); });
              c.on('close', () => { last = Date.now(); });
            }
            const done = setInterval(() => {
              if (Date.now() - last < 1500) return;
              clearInterval(done);
              require('fs').writeFileSync(out + '.tmp', String(answered));
              require('fs').renameSync(out + '.tmp', out);
              setInterval(() => {}, 1 << 30);
            }, 100);
            """;

    @TempDir Path tmp;
    private TestNamespace ns;
    private Agents a;
    private Path work;

    @BeforeEach
    void daemon() throws Exception {
        ns = new TestNamespace(tmp);
        ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("hog.js"), HOG);
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        ns.close();
    }

    @Test
    void aSessionOpeningHundredsOfConnectionsGetsItsShareAndNoOneElseIsStarved() throws Exception {
        String hog = a.create("sh " + work + " alias=hog");
        String other = a.create("sh " + work + " alias=other");
        a.awaitState(hog, "idle");
        a.awaitState(other, "idle");

        a.write(hog + "/in", "node hog.js '" + ns.socket() + "' 600 hog.count &\n");
        assertEquals(PeerCheck.PER_SESSION, awaitCount("hog.count"), "the hog got its session's share, no more");

        // while the hog holds its share: another session's agent gets in...
        a.write(other + "/in", "node hog.js '" + ns.socket() + "' 5 other.count &\n");
        assertEquals(5, awaitCount("other.count"), "another session's agent still gets in");

        // ...and so do the user's own clients, many of them
        List<NinepClient> mine = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) mine.add(NinepClient.connect(ns.socket()));
            for (NinepClient c : mine) assertTrue(new String(c.readAll("list")).contains(hog));
        } finally {
            for (NinepClient c : mine) c.close();
        }
        assertEquals("idle", a.state(hog), "the daemon is fine");
    }

    private int awaitCount(String file) throws Exception {
        Path f = work.resolve(file);
        long deadline = System.nanoTime() + Agents.DEADLINE.toNanos();
        while (!Files.exists(f)) {
            assertTrue(System.nanoTime() < deadline, file + " not written: the script in the session did not finish");
            Thread.sleep(50); // polling a condition, with a deadline
        }
        return Integer.parseInt(Files.readString(f).strip());
    }
}
