package dev.anvillm.srv.host;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one place that speaks to tmux, against a real tmux server: everything goes through one
 * control-mode client, text reaches a pane byte for byte whatever it holds, a pane's output is
 * noticed without polling, and the client heals and leaves nothing behind.
 */
class TmuxTest {
    @TempDir
    Path dir;
    Tmux tmux;

    @BeforeEach
    void start() {
        tmux = new Tmux(dir.resolve("tmux"), Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"), "HOME", dir.toString()));
    }

    @AfterEach
    void stop() throws IOException {
        tmux.killServer();
    }

    @Test
    void pasteArrivesByteForByteWhateverItHolds() throws Exception {
        Path out = dir.resolve("pasted");
        tmux.start("paste01", dir, Map.of(), List.of("sh", "-c", "stty -echo; cat > " + out), 200, 50);
        StringBuilder text = new StringBuilder();
        String tricky = "a;b ; \"q\" 'q' \\ \\; $HOME ${X} ~ #{pane_pid} {} %end 1 2 1 é ✓ 😀\t|&<>`x`";
        // about 1 MiB in lines (a terminal's line holds 4 KiB): the command line carrying it is four times that
        while (text.length() < 1 << 20) text.append(text.length()).append(' ').append(tricky).append('\n');
        tmux.paste("paste01", text.toString());
        tmux.keys("paste01", "C-d");
        awaitTrue(() -> Files.exists(out) && size(out) >= text.toString().getBytes(StandardCharsets.UTF_8).length, "the paste written out");
        assertEquals(text.toString(), Files.readString(out));
    }

    @Test
    void aScreenShowingProtocolLinesIsReadAsTextAndLaterCommandsStillWork() throws Exception {
        tmux.start("proto01", dir, Map.of(), List.of("sh", "-c", "printf '%s\\n' '%begin 1 2 1' '%end 1 2 1' '%error 1 2 1' '%exit'; exec sleep 600"), 120, 40);
        awaitTrue(() -> capture("proto01").contains("%exit"), "the lines shown");
        String screen = capture("proto01");
        for (String l : List.of("%begin 1 2 1", "%end 1 2 1", "%error 1 2 1", "%exit")) assertTrue(screen.contains(l), screen);
        assertTrue(tmux.panePid("proto01") > 0);
        assertEquals(List.of("proto01"), tmux.panes().stream().map(Tmux.Pane::session).toList());
    }

    @Test
    void outputIsNoticedAndAQuietPaneRaisesNothing() throws Exception {
        Path go = dir.resolve("go");
        AtomicInteger noisy = new AtomicInteger(), quiet = new AtomicInteger();
        tmux.onOutput("noisy01", noisy::incrementAndGet);
        tmux.onOutput("quiet01", quiet::incrementAndGet);
        tmux.start("quiet01", dir, Map.of(), List.of("sh", "-c", "echo started; exec sleep 600"), 80, 24);
        tmux.start("noisy01", dir, Map.of(), List.of("sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.05; done; echo hello; exec sleep 600"), 80, 24);
        awaitTrue(() -> capture("quiet01").contains("started"), "the quiet pane's first line");
        awaitTrue(() -> quiet.get() > 0, "the quiet pane's first line noticed");
        int before = noisy.get();
        Files.createFile(go);
        awaitTrue(() -> noisy.get() > before, "the noisy pane's output noticed");
        int q = quiet.get();
        // the noisy pane said its line; the quiet one said nothing more, and no notice came for it
        awaitTrue(() -> capture("noisy01").contains("hello"), "hello shown");
        assertEquals(q, quiet.get());
    }

    @Test
    void theControlClientComesBackAfterItWasEndedAndTellsEveryoneToLook() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        tmux.onOutput("heal01", seen::incrementAndGet);
        tmux.start("heal01", dir, Map.of(), List.of("sh", "-c", "exec sleep 600"), 80, 24);
        outside("kill-session", "-t", "=" + Tmux.CONTROL); // its client exits with it
        awaitTrue(() -> !outside("list-sessions", "-F", "#{session_name}").contains(Tmux.CONTROL), "the control session gone");
        int before = seen.get();
        assertEquals(List.of("heal01"), tmux.panes().stream().map(Tmux.Pane::session).toList());
        assertTrue(seen.get() > before, "listeners told to look after the client came back");
        tmux.keys("heal01", "x");
        // the window is linked into the new control session again: its output is noticed
        int after = seen.get();
        tmux.respawn("heal01", dir, Map.of(), List.of("sh", "-c", "echo again; exec sleep 600"));
        awaitTrue(() -> seen.get() > after, "output noticed through the new client");
    }

    @Test
    void aPaneRestartedWhileItWritesLeavesTheServerAndEverySessionRunning() throws Exception {
        // tmux 3.3a ended its whole server when a pane was respawned with output not yet passed to
        // the control client (fatal: not enough data): every session went with it
        List<String> chatty = List.of("sh", "-c", "while :; do echo tick; done");
        tmux.start("busy01", dir, Map.of(), chatty, 80, 24);
        int bystander = tmux.start("other01", dir, Map.of(), List.of("sh", "-c", "exec sleep 600"), 80, 24);
        String server = outside("display-message", "-p", "#{pid}").strip();
        for (int i = 0; i < 40; i++) {
            int pid = tmux.respawn("busy01", dir, Map.of(), chatty);
            assertTrue(pid > 0, "round " + i);
        }
        assertEquals(server, outside("display-message", "-p", "#{pid}").strip(), "the same tmux server");
        assertEquals(bystander, tmux.panePid("other01"), "the other session's process untouched");
        AtomicInteger seen = new AtomicInteger();
        tmux.onOutput("busy01", seen::incrementAndGet);
        awaitTrue(() -> seen.get() > 0, "the restarted pane's output still noticed");
    }

    @Test
    void aCommandSentAsTheClientEndsIsRunOnTheNextOne() throws Exception {
        tmux.start("race01", dir, Map.of(), List.of("sh", "-c", "exec sleep 600"), 80, 24);
        for (int i = 0; i < 20; i++) {
            outside("kill-session", "-t", "=" + Tmux.CONTROL); // no waiting: the next command races the client's end
            assertEquals(List.of("race01"), tmux.panes().stream().map(Tmux.Pane::session).toList(), "round " + i);
        }
    }

    @Test
    void killLeavesNoWindowAndCloseLeavesSessionsButNoClient() throws Exception {
        int a = tmux.start("kill01", dir, Map.of(), List.of("sh", "-c", "exec sleep 600"), 80, 24);
        tmux.start("keep01", dir, Map.of(), List.of("sh", "-c", "exec sleep 600"), 80, 24);
        tmux.kill("kill01");
        awaitTrue(() -> !Files.exists(Path.of("/proc", Integer.toString(a))), "the killed pane's process gone");
        String windows = outside("list-windows", "-a", "-F", "#{session_name} #{pane_pid}");
        assertFalse(windows.contains(Integer.toString(a)), windows);
        tmux.close();
        String sessions = outside("list-sessions", "-F", "#{session_name}");
        assertEquals("keep01", sessions.strip());
        assertEquals("", outside("list-clients", "-F", "#{client_name}").strip());
        String socket = dir.resolve("tmux").toString();
        // the server forked from the first client keeps its command line: it is not a client
        long server = Long.parseLong(outside("display-message", "-p", "#{pid}").strip());
        awaitTrue(() -> ProcessHandle.allProcesses().filter(p -> p.pid() != server).noneMatch(p -> p.info().arguments().map(List::of)
                .filter(args -> args.contains(socket) && args.contains("-C")).isPresent()), "no control client process left");
    }

    private String capture(String name) {
        try {
            return tmux.capture(name, 0);
        } catch (IOException e) {
            return "";
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** A tmux command of its own, as a user at a terminal runs it. */
    private String outside(String... args) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", dir.resolve("tmux").toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitTrue(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) fail("not within 20 s: " + what);
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }
}
