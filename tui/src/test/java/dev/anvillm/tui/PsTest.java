package dev.anvillm.tui;

import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code anvillm ps [--json]}, run as a user runs it, against the real daemon. */
class PsTest {
    @TempDir Path tmp;
    TestDaemon d;

    @BeforeEach
    void daemon() throws Exception {
        d = new TestDaemon(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        if (d != null) d.close();
    }

    record Run(int rc, String out, String err) {}

    private Run ps(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Ps.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException x) {
                return x.toString();
            }
        }, Thread::startVirtualThread);
        String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String e = err.get(TestDaemon.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertTrue(p.waitFor(TestDaemon.DEADLINE.toSeconds(), TimeUnit.SECONDS), "anvillm ps did not end");
        return new Run(p.exitValue(), o, e);
    }

    @Test
    void psPrintsATableOfEverySessionInListOrderAndJsonForScripts() throws Exception {
        String a = d.client.create("quick", d.project.toString(), "alpha");
        String b = d.client.create("quick", d.project.toString(), null);
        d.awaitState(a, State.IDLE);
        d.awaitState(b, State.IDLE);
        d.client.command(b, dev.anvillm.client.Command.STOP);
        d.awaitState(b, State.STOPPED);

        Run t = ps(d.ns.env());
        assertEquals(0, t.rc(), t.err());
        List<String> lines = t.out().lines().toList();
        assertEquals(3, lines.size(), t.out());
        assertTrue(Pattern.matches("ID +ALIAS +STATE +CPU% +MEM +UPTIME +RESTARTS +PORTS", lines.get(0)), lines.get(0));
        assertTrue(Pattern.matches(a + " +alpha +idle +\\d+(\\.\\d)? +\\d+(\\.\\d)?[KMG] +\\d+s +0 +-", lines.get(1)), t.out());
        assertTrue(Pattern.matches(b + " +- +stopped +- +- +- +0 +-", lines.get(2)), t.out());

        Run j = ps(d.ns.env(), "--json");
        assertEquals(0, j.rc(), j.err());
        String json = j.out().replaceAll("\\s", "");
        assertTrue(Pattern.matches("\\[\\{\"id\":\"" + a + "\",\"alias\":\"alpha\",\"state\":\"idle\",\"cpu\":\\d+\\.\\d,\"rss\":[1-9]\\d*,"
                + "\"pss\":(null|[1-9]\\d*),\"memory\":[1-9]\\d*,\"uptime\":\\d+,\"restarts\":0,\"processes\":[1-9]\\d*,\"ports\":\\[]},"
                + "\\{\"id\":\"" + b + "\",\"alias\":null,\"state\":\"stopped\",\"cpu\":0\\.0,\"rss\":0,\"pss\":null,\"memory\":0,"
                + "\"uptime\":0,\"restarts\":0,\"processes\":0,\"ports\":\\[]}]", json), j.out());
    }

    @Test
    void psSaysWhatIsWrongInOneLine() throws Exception {
        Run help = ps(d.ns.env(), "--help");
        assertEquals(0, help.rc());
        assertTrue(help.out().contains("--json") && help.out().startsWith("Usage: anvillm ps"), help.out());

        Run bad = ps(d.ns.env(), "--jsn");
        assertEquals(2, bad.rc());
        assertEquals(1, bad.err().lines().count(), bad.err());
        assertTrue(bad.err().startsWith("anvillm ps: Unknown option: '--jsn'") && bad.err().contains("anvillm ps --help"), bad.err());

        d.close();
        d = null;
        Run away = ps(Map.of("NAMESPACE", tmp.resolve("ns").toString()), "--json");
        assertEquals(1, away.rc());
        assertEquals(1, away.err().lines().count(), away.err());
        assertTrue(away.err().contains("anvilsrv start"), away.err());
        assertEquals("", away.out());
    }
}
