package dev.anvillm.srv;

import dev.anvillm.ninep.client.RerrorException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.anvillm.srv.Faults.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * SPEC §4 `stop` and `kill`, §7 `anvilsrv stop --sessions`: the whole process tree ends, an
 * interactive shell included (it ignores SIGINT and SIGTERM), and a daemon leaving with no
 * session running leaves no process behind: no tmux server, dead pane or spare launcher.
 */
class StopTest extends DaemonFixture {
    @BeforeEach
    void daemon() throws Exception {
        startDaemon("""
                backends:
                  stuck:
                    extends: testagent
                    args: [--never-ready]
                    startup_seconds: 1
                """);
    }

    /** The pids of running processes whose command line is {@code cmd} (arguments joined by spaces). */
    private static List<Long> running(String cmd) {
        List<Long> out = new ArrayList<>();
        for (Path p : procs()) {
            if (command(p).equals(cmd)) out.add(Long.parseLong(p.getFileName().toString()));
        }
        return out;
    }

    /** Running processes (zombies have no command line) whose command line names {@code path}. */
    private static List<String> naming(Path path) {
        List<String> out = new ArrayList<>();
        for (Path p : procs()) {
            String cmd = command(p);
            if (cmd.contains(path.toString())) out.add(p.getFileName() + " " + cmd);
        }
        return out;
    }

    private static List<Path> procs() {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            all.forEach(out::add);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static String command(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void stopEndsAnInteractiveShellOnTheHangupWithEverythingItStarted() throws Exception {
        String id = shell();
        long sh = pid(a, id);
        // a command in the foreground, and one double-forked away from the shell
        a.write(id + "/in", "( sleep 86411 & ); sleep 86412\n");
        await("the shell's commands running", () -> running("sleep 86411").size() == 1 && running("sleep 86412").size() == 1,
                () -> a.diagnosis(id));

        a.write(id + "/ctl", "stop\n");

        assertEquals("stopped", a.state(id));
        assertFalse(alive(sh), "the shell is gone once stop returns");
        assertEquals(List.of(), running("sleep 86411"), "what it started and left behind is gone too");
        assertEquals(List.of(), running("sleep 86412"));
        await("last-exit recorded", () -> !"-".equals(info(a, id, "last-exit")), () -> a.diagnosis(id));
        // the shell ignores SIGTERM: it was hung up on, not waited for and killed
        assertTrue(info(a, id, "last-exit").startsWith("ended on SIGHUP"), a.diagnosis(id));

        a.write(id + "/ctl", "start\n");
        a.awaitState(id, "idle");
    }

    @Test
    void killEndsTheShellAndItsWindow() throws Exception {
        String id = shell();
        long sh = pid(a, id);

        a.write(id + "/ctl", "kill\n");

        assertFalse(alive(sh));
        RerrorException gone = assertThrows(RerrorException.class, () -> a.read(id + "/state"));
        assertEquals("file does not exist", gone.getMessage());
        assertTrue(tmux(ns, "list-sessions", "-F", "#{session_name}").lines().noneMatch(id::equals), "no tmux window is left for it");
    }

    @Test
    void stopSessionsLeavesNoProcessTmuxServerOrSpareLauncherBehind() throws Exception {
        String sh = shell();
        String agent = a.create("testagent " + project);
        a.awaitState(agent, "idle");
        String stopped = a.create("testagent " + project);
        a.awaitState(stopped, "idle");
        a.write(stopped + "/ctl", "stop\n"); // its dead pane stays in tmux while the daemon runs
        String failed = a.create("stuck " + project);
        a.awaitState(failed, "error");
        List<Long> pids = List.of(pid(a, sh), pid(a, agent), Long.parseLong(tmux(ns, "display-message", "-p", "#{pid}").strip()));
        a.close();

        TestNamespace.Result r = ns.run("stop", "--sessions");
        assertEquals(0, r.exit(), r.err());
        TestNamespace.awaitExit(daemon);

        for (long pid : pids) assertFalse(alive(pid), "pid " + pid + " still runs");
        String noServer = tmux(ns, "list-sessions");
        assertTrue(noServer.startsWith("no server running") || noServer.startsWith("error connecting"), noServer);
        // backends, their children and spare launchers all name the test's directories on their command lines
        assertEquals(List.of(), naming(tmp));
    }
}
