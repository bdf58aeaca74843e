package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * agent/<id>/stats and agent/stats measure a session's whole process tree: a child that burns
 * CPU, children that listen on TCP ports (the one beyond loopback marked), memory, restarts.
 */
class StatsTest extends DaemonFixture {
    /** A loop that never sleeps uses a whole CPU when it gets one; the machine may be shared. */
    static final double BUSY = 15;
    int loopbackPort, exposedPort;

    @BeforeEach
    void start() throws Exception {
        startDaemon("");
        loopbackPort = freePort();
        exposedPort = freePort();
        // the default sandbox lets no server bind: these two ports only
        Files.writeString(ns.locations().configDir().resolve("sandbox.yaml"),
                "network:\n  bind_tcp: [" + loopbackPort + ", " + exposedPort + "]\n");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The stats file as key to value. */
    private Map<String, String> stats(String id) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : a.read(id + "/stats").split("\n")) {
            String[] kv = line.split("\t", 2);
            assertEquals(2, kv.length, "key TAB value: " + line);
            assertNull(m.put(kv[0], kv[1]), "a key appears once: " + kv[0]);
        }
        return m;
    }

    private static String listen(int port, String host) {
        return "node -e \"require('net').createServer().listen(" + port + ", '" + host + "')\" &";
    }

    @Test
    void statsMeasureTheWholeTreeCpuMemoryAndPortsWithTheExposedOnesMarked() throws Exception {
        String sh = shell();
        Map<String, String> before = stats(sh);
        assertEquals(List.of("id", "state", "pid", "processes", "cpu", "cpu-window-ms", "rss", "pss", "uptime", "restarts", "ports"),
                List.copyOf(before.keySet()), "the keys, in order");
        assertEquals("-", before.get("ports"));
        int restarts = Integer.parseInt(before.get("restarts"));

        a.write(sh + "/in", "sh -c 'while :; do :; done' & " + listen(loopbackPort, "127.0.0.1") + " " + listen(exposedPort, "0.0.0.0") + "\n");
        String loopback = "127.0.0.1:" + loopbackPort, exposed = "0.0.0.0:" + exposedPort + "!";
        String want = loopbackPort < exposedPort ? loopback + " " + exposed : exposed + " " + loopback; // by port
        Map<String, String> now = before;
        long deadline = System.nanoTime() + Agents.DEADLINE.toNanos();
        while (!(now.get("ports").equals(want) && Double.parseDouble(now.get("cpu")) > BUSY)) {
            if (System.nanoTime() > deadline) fail("stats never showed the listeners and the busy child: " + now + "\n" + a.diagnosis(sh));
            Thread.sleep(100); // polling a condition, with a deadline
            now = stats(sh);
        }
        assertTrue(Integer.parseInt(now.get("processes")) >= 4, "sh, the loop and two servers: " + now);
        assertTrue(Long.parseLong(now.get("rss")) > 10_000_000, "two node processes take more than 10 MB: " + now);
        assertTrue(now.get("pss").equals("-") || Long.parseLong(now.get("pss")) > 0, now.toString());
        assertEquals(a.read(sh + "/pid").strip(), now.get("pid"));
        assertTrue(Long.parseLong(now.get("cpu-window-ms")) >= 250, now.toString());

        // all sessions in one read: id first, list order, the same facts
        String other = shell();
        String[] lines = a.read("stats").split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        String[] f = lines[0].split("\t");
        assertEquals(10, f.length, lines[0]);
        assertEquals(List.of(sh, "-", "idle"), List.of(f[0], f[1], f[2]));
        assertTrue(Double.parseDouble(f[3]) > BUSY, "the loop still burns: " + lines[0]);
        assertTrue(Long.parseLong(f[4]) > 10_000_000, lines[0]);
        assertEquals(Integer.toString(restarts), f[7]);
        assertEquals(want, f[9]);
        assertTrue(lines[1].startsWith(other + "\t-\tidle\t"), lines[1]);
        assertTrue(lines[1].endsWith("\t-"), "no ports: " + lines[1]);

        // a restart ends the tree and counts
        a.write(sh + "/ctl", "restart\n");
        a.awaitState(sh, "idle");
        Map<String, String> after = stats(sh);
        assertEquals(Integer.toString(restarts + 1), after.get("restarts"), after.toString());
        assertEquals("-", after.get("ports"), "the servers ended with the tree: " + after);
        assertTrue(Double.parseDouble(after.get("cpu")) < BUSY, "the loop ended with the tree: " + after);

        // a stopped session uses nothing
        a.write(sh + "/ctl", "stop\n");
        a.awaitState(sh, "stopped");
        Map<String, String> stopped = stats(sh);
        assertEquals(List.of("0", "0", "0.0", "0", "-"), List.of(stopped.get("pid"), stopped.get("processes"), stopped.get("cpu"),
                stopped.get("uptime"), stopped.get("ports")), stopped.toString());
    }
}
