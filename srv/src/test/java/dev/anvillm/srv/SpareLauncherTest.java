package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.anvillm.srv.Faults.*;
import static dev.anvillm.srv.TestAgentSessionTest.expectedReply;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Spare sandbox launchers: a warm launcher waiting in the daemon's tmux becomes the next session
 * (or the next restart of one), and the session it becomes is the same as a cold launch makes:
 * its directory, its environment, its sandbox, its tmux session.
 */
class SpareLauncherTest extends DaemonFixture {
    @BeforeEach
    void daemon() throws Exception {
        startDaemon("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "20"]
                    env: {SPARE_PROBE: "from backends.yaml"}
                """);
        // a name a shell would act on: it must arrive as it is
        project = Files.createDirectories(tmp.resolve("pro ject $(touch pwned)"));
    }

    private Spare awaitReadySpare(long notPid) throws Exception {
        return Spare.awaitReady(ns, daemon, notPid);
    }

    private List<Spare> spares(boolean waitingOnly) throws Exception {
        return Spare.list(ns, waitingOnly);
    }

    private static String proc(long pid, String file) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)), StandardCharsets.UTF_8);
    }

    @Test
    void aNewSessionIsTheWarmSpareRunningTheBackendInItsDirectoryWithItsEnvironmentSandboxed() throws Exception {
        Spare spare = awaitReadySpare(-1);
        String id = a.create("quick '" + project + "'");
        a.awaitState(id, "idle");
        long pid = pid(a, id);
        assertEquals(spare.pid(), pid, "the session is the spare launcher, exec'd into the backend\n" + a.diagnosis(id));

        assertEquals(project.toRealPath(), Path.of("/proc", Long.toString(pid), "cwd").toRealPath());
        List<String> env = List.of(proc(pid, "environ").split("\0"));
        assertTrue(env.contains("SPARE_PROBE=from backends.yaml"), env.toString());
        assertTrue(env.contains("ANVILLM_SESSION=" + id), env.toString());
        assertTrue(env.stream().noneMatch(e -> e.startsWith("JAVA_TOOL_OPTIONS=")), env.toString());
        assertTrue(proc(pid, "status").contains("NoNewPrivs:\t1"), proc(pid, "status"));
        assertFalse(Files.exists(project.resolve("pwned")), "the directory's name ran as a command");

        String sessions = tmux(ns, "list-sessions", "-F", "#{session_name}");
        assertTrue(sessions.lines().anyMatch(id::equals), sessions);
        assertTrue(sessions.lines().noneMatch(spare.name()::equals), "the spare's tmux session became the session's\n" + sessions);
        assertEquals(project.toString(), a.read(id + "/cwd").strip());
        assertTrue(a.read(id + "/info").contains("sandbox\tlandlock"), a.read(id + "/info"));

        a.write(id + "/in", "from a spare\n");
        assertEquals(expectedReply("from a spare\n", 1) + "\n", reply(a, id));
        // and another one warms up for the next session
        Spare next = awaitReadySpare(spare.pid());
        // tmux keeps the dead pane of a session that was a spare, so its exit status is known
        a.write(id + "/in", "/crash 7\n");
        long restarted = awaitRestarted(a, id, pid);
        assertTrue(info(a, id, "last-exit").startsWith("exit status 7 "), a.diagnosis(id));
        assertEquals(next.pid(), restarted);
    }

    @Test
    void aShellFromASpareCannotWriteWhatItsSandboxForbids() throws Exception {
        Path forbidden = ns.locations().configDir().resolve("escaped");
        Spare spare = awaitReadySpare(-1);
        String id = a.create("sh '" + project + "'");
        assertEquals(spare.pid(), pid(a, id));
        a.awaitState(id, "idle");
        a.write(id + "/in", "touch '" + forbidden + "'; echo touch-exit-$?\n");
        a.awaitScreen(id, "touch-exit-1");
        assertTrue(a.screen(id).contains("Permission denied"), a.screen(id));
        assertFalse(a.screen(id).contains("Picked up"), "the launcher's JVM talks in the pane:\n" + a.screen(id));
        assertFalse(Files.exists(forbidden));

        // nor hand the next spare (not sandboxed yet) a launch request of its own
        Spare next = awaitReadySpare(spare.pid());
        Path fifo = ns.locations().stateDir().resolve("sandbox/spare").resolve(next.name());
        assertTrue(Files.exists(fifo), fifo.toString());
        // (the words are split in the command line, so only the shell's output can show them whole)
        a.write(id + "/in", "if printf 'anvillm-launch 1\\0/\\0/x\\0' > '" + fifo + "'; then echo 'fifo-wr''itten'; "
                + "else echo 'fifo-re''fused'; fi\n");
        await("the shell's write to the fifo to end", () -> a.screen(id).contains("fifo-refused") || a.screen(id).contains("fifo-written"),
                () -> a.screen(id));
        assertTrue(a.screen(id).contains("fifo-refused"), a.screen(id));
        assertEquals(List.of(next), spares(true), "the spare still waits for the daemon");
    }

    @Test
    void aCrashedBackendRestartsFromASpareInTheSameTmuxSession() throws Exception {
        String id = a.create("quick '" + project + "'");
        a.awaitState(id, "idle");
        long before = pid(a, id);
        Spare spare = awaitReadySpare(before);
        kill9(before);
        long after = awaitRestarted(a, id, before);
        assertEquals(spare.pid(), after, "the restart took the spare\n" + a.diagnosis(id));
        String sessions = tmux(ns, "list-sessions", "-F", "#{session_name}");
        assertTrue(sessions.lines().anyMatch(id::equals), sessions);
        assertTrue(sessions.lines().noneMatch(spare.name()::equals), "the spare's session, holding the dead pane, is gone\n" + sessions);
        assertEquals(project.toRealPath(), Path.of("/proc", Long.toString(after), "cwd").toRealPath());
        a.write(id + "/in", "after the crash\n");
        assertTrue(reply(a, id).startsWith("echo: after the crash "), a.diagnosis(id));
        // the pane swapped in is kept once dead too
        a.write(id + "/in", "/crash 9\n");
        awaitRestarted(a, id, after);
        assertTrue(info(a, id, "last-exit").startsWith("exit status 9 "), a.diagnosis(id));
    }

    @Test
    void theSpareOfAKilledDaemonExitsAndTheNextDaemonStartsItsOwn() throws Exception {
        Spare old = awaitReadySpare(-1);
        a.close();
        killDaemon(daemon);
        await("the orphaned spare " + old.pid() + " exits", () -> !alive(old.pid()), () -> proc(old.pid(), "status"));
        daemon = ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        Spare fresh = awaitReadySpare(old.pid());
        assertEquals(List.of(fresh), spares(false), "one spare, the new daemon's");
        String sessions = tmux(ns, "list-sessions", "-F", "#{session_name}");
        assertEquals(1, sessions.lines().filter(s -> s.startsWith("spare-")).count(), "the dead one was cleared\n" + sessions);
        assertEquals("", a.read("list"), "a spare is not a session");
    }
}
