package dev.anvillm.tui;

import dev.anvillm.client.TestDaemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The TUI as a person meets it: {@code anvillm} running in a real terminal (a pane of a tmux
 * server of the test's own), typed at with {@code send-keys} and read with {@code capture-pane}.
 * When the TUI exits, the pane's shell prints its exit status and the terminal's settings.
 */
final class TuiPane implements AutoCloseable {
    private final Path socket;

    TuiPane(Path dir, Map<String, String> env, Path cwd, int width, int height) throws Exception {
        this.socket = dir.resolve("tui-tmux");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the shell line is the test's own constant; what follows the TUI shows how it left the terminal
        String script = "\"$@\"; echo \"anvillm exited $?\"; stty -a | tr ' ' '\\n' | grep -x -e '-*icanon' -e '-*echo'; sleep 600";
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null", "new-session", "-d",
                "-x", Integer.toString(width), "-y", Integer.toString(height), "-c", cwd.toString()));
        for (var e : env.entrySet()) cmd.addAll(List.of("-e", e.getKey() + "=" + e.getValue()));
        cmd.addAll(List.of("sh", "-c", script, "sh", java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        run(cmd);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd.subList(0, 6)) + ": " + out);
        return out;
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Key names as tmux knows them (j, Enter, C-d, Up, Escape). */
    void keys(String... keys) throws Exception {
        List<String> a = new ArrayList<>(List.of("send-keys", "-t", target()));
        a.addAll(List.of(keys));
        tmux(a.toArray(String[]::new));
    }

    /** Text typed literally. */
    void type(String text) throws Exception {
        tmux("send-keys", "-t", target(), "-l", text);
    }

    private String target() throws IOException, InterruptedException {
        return tmux("list-panes", "-a", "-F", "#{pane_id}").lines().findFirst().orElseThrow();
    }

    String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", target());
    }

    /** The anvillm process (the child of the pane's shell). */
    ProcessHandle program() throws Exception {
        long sh = Long.parseLong(tmux("list-panes", "-a", "-F", "#{pane_pid}").lines().findFirst().orElseThrow().strip());
        return ProcessHandle.of(sh).orElseThrow().children().findFirst().orElseThrow();
    }

    void resize(int width, int height) throws Exception {
        tmux("resize-window", "-t", target(), "-x", Integer.toString(width), "-y", Integer.toString(height));
    }

    /** Waits until the screen satisfies {@code ok}; returns that screen. */
    String await(String what, Predicate<String> ok) throws Exception {
        long end = System.nanoTime() + TestDaemon.DEADLINE.toNanos();
        String s = screen();
        while (!ok.test(s)) {
            if (System.nanoTime() > end) throw new AssertionError("the TUI never showed " + what + "; its screen:\n" + s);
            Thread.sleep(20); // polling a condition, with a deadline
            s = screen();
        }
        return s;
    }

    String await(String text) throws Exception {
        return await("'" + text + "'", s -> s.contains(text));
    }

    /** The table row of session {@code id} (its line on the screen), or null. */
    static String row(String screen, String id) {
        return screen.lines().filter(l -> l.length() > 10 && l.substring(1).startsWith(id + " ")).findFirst().orElse(null);
    }

    /** The id in the row under the cursor (marked '›'), or null. */
    static String cursor(String screen) {
        return screen.lines().filter(l -> l.startsWith("›") && l.length() > 9).map(l -> l.substring(1, 9)).findFirst().orElse(null);
    }

    /** The backend chosen in the new-session form (the name after '› '), or null. */
    static String chosen(String screen) {
        var m = java.util.regex.Pattern.compile("› (\\S+)").matcher(screen);
        return m.find() ? m.group(1) : null;
    }

    /** The last line of the screen: the status line. */
    static String status(String screen) {
        List<String> lines = screen.lines().toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    @Override
    public void close() throws Exception {
        new ProcessBuilder("tmux", "-S", socket.toString(), "kill-server").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
    }
}
