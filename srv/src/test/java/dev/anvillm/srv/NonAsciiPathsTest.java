package dev.anvillm.srv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.anvillm.srv.Faults.pid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A user whose home is not ASCII (José), running the daemon from somewhere with no locale at all
 * (cron, a bare systemd unit): Java can only name such paths in a UTF-8 locale, which the
 * launch scripts supply.
 */
class NonAsciiPathsTest {
    @TempDir Path tmp;
    private TestNamespace ns;
    private Agents a;

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (ns != null) ns.close();
    }

    @Test
    void withNoLocaleADaemonUnderANonAsciiHomeRunsSessionsInNonAsciiDirectories() throws Exception {
        assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")),
                "this JVM cannot name the test's paths itself (bin/test runs the suites in a UTF-8 locale)");
        Path home = Files.createDirectories(tmp.resolve("José"));
        ns = new TestNamespace(home);
        Process daemon = ns.fgstartWithoutLocale();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        Path project = Files.createDirectories(home.resolve("projet été"));
        // the first from a spare launcher, the second cold (the spare was just taken)
        Spare spare = Spare.awaitReady(ns, daemon, -1);
        String warm = a.create("sh '" + project + "'");
        String cold = a.create("sh '" + project + "'");
        assertEquals(spare.pid(), pid(a, warm), a.diagnosis(warm));
        for (String id : List.of(warm, cold)) {
            a.awaitState(id, "idle");
            assertEquals(project.toString(), a.read(id + "/cwd").strip());
            assertEquals(project.toRealPath(), Path.of("/proc", Long.toString(pid(a, id)), "cwd").toRealPath());
            a.write(id + "/in", "echo \"ça marche: $(basename \"$PWD\")\"\n");
            a.awaitScreen(id, "ça marche: projet été");
            assertFalse(a.screen(id).contains("Picked up"), "the launcher's JVM talks in the pane:\n" + a.screen(id));
        }
    }
}
