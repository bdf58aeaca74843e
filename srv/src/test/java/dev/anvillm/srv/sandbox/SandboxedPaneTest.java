package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.host.Tmux;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A wrapped backend in a real tmux pane, as the daemon runs it: the pane's pid is the sandboxed backend. */
class SandboxedPaneTest {
    @TempDir
    Path tmp;
    Tmux tmux;

    @AfterEach
    void stop() throws IOException {
        if (tmux != null) tmux.killServer();
    }

    @Test
    void thePanePidIsTheSandboxedInteractiveShell() throws Exception {
        int abi = LandlockExec.abi();
        assumeTrue(abi >= 4, "needs Landlock ABI 4 (found " + abi + ")");
        assumeTrue(Sandbox.which(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"), "tmux") != null, "needs tmux");
        Path root = tmp.toRealPath();
        Path home = Files.createDirectories(root.resolve("home"));
        Path config = Files.createDirectories(home.resolve(".config/anvillm"));
        Path state = Files.createDirectories(home.resolve(".local/state/anvillm/ns"));
        Path run = Files.createDirectories(state.resolve("run/pane0001"));
        Path cwd = Files.createDirectories(home.resolve("project"));
        Map<String, String> env = Map.of("HOME", home.toString(), "PATH", "/usr/bin:/bin", "TMPDIR", root.toString());
        Path ns = Files.createDirectories(root.resolve("ns")); // the daemon's: it holds the sessions' temporary directories
        Sandbox sandbox = new Sandbox(env, config, state, ns, abi, null, false);

        BackendSpec sh = new BackendSpec("sh", "shell", List.of("sh", "-i"), List.of(), List.of(), Map.of("PS1", "$ "), false, false,
                null, null, null, Duration.ofSeconds(10), List.of(), "C-c", List.of(), null);
        Launcher.Plan plan = new Launcher(env, ns, false).plan(sh, "pane0001", cwd, run, "c", false);
        Sandbox.Wrapped w = sandbox.wrap(plan, sh, "pane0001", cwd, run);

        tmux = new Tmux(root.resolve("tmux.sock"), Map.of("PATH", "/usr/bin:/bin", "HOME", home.toString()));
        int pid = tmux.start("pane0001", cwd, w.plan().env(), w.plan().argv(), 120, 40);
        Path status = Path.of("/proc", Integer.toString(pid), "status");
        waitFor(Duration.ofSeconds(30), () -> read(status).contains("Name:\tsh\n"), "pane " + pid + " to become sh: " + read(status));
        assertTrue(read(status).contains("NoNewPrivs:\t1"), read(status));
        assertEquals(pid, tmux.panePid("pane0001"));

        tmux.paste("pane0001", "echo ok > made-here; echo x > '" + config + "/sandbox.yaml'; echo done > finished\n");
        waitFor(Duration.ofSeconds(30), () -> Files.exists(cwd.resolve("finished")), "the shell to run the line; screen: " + screen());
        assertEquals("ok\n", Files.readString(cwd.resolve("made-here")));
        assertFalse(Files.exists(config.resolve("sandbox.yaml")));
        assertTrue(screen().contains("Permission denied"), screen());
    }

    private String screen() {
        try {
            return tmux.capture("pane0001", 0);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static void waitFor(Duration max, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("waited " + max.toSeconds() + " s for " + what);
            Thread.sleep(20);
        }
    }
}
