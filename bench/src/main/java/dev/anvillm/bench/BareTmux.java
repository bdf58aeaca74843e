package dev.anvillm.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of the session figures: the same agent run bare in a tmux window, with no daemon,
 * no sandbox and no 9P, driven the quickest way tmux allows: one control-mode client sends the
 * commands and reads each pane's output as it comes (no process per poll). What the daemon adds
 * is the figure divided by this.
 */
final class BareTmux implements AutoCloseable {
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(60);
    private final Path socket;
    private final Process client;
    private final OutputStream in;
    /** Everything each pane has written, escapes undone. */
    private final Map<String, StringBuilder> output = new ConcurrentHashMap<>();
    private int windows;

    BareTmux(Path dir) throws IOException {
        socket = dir.resolve("bare-tmux");
        client = new ProcessBuilder("tmux", "-S", socket.toString(), "-f", "/dev/null", "-u", "-C",
                "new-session", "-A", "-s", "bare", "-x", "200", "-y", "50", "sleep", "1000000")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        in = client.getOutputStream();
        Thread.ofPlatform().daemon().start(this::read);
    }

    /** Starts {@code argv} in a new window and returns the time its output first matched {@code ready}. */
    long start(List<String> argv, String ready) throws Exception {
        String pane = "%" + (++windows); // pane %0 is the session's own; each window adds one
        StringBuilder line = new StringBuilder("new-window -d");
        for (String a : argv) line.append(" '").append(a).append('\'');
        send(line.toString());
        return await(pane, ready, 0);
    }

    /** Types {@code text} and Enter into the newest window; returns when its output shows {@code reply}. */
    void roundTrip(String text, String reply) throws Exception {
        String pane = "%" + windows;
        int from = output.computeIfAbsent(pane, k -> new StringBuilder()).length();
        send("send-keys -t " + pane + " -l '" + text + "' ; send-keys -t " + pane + " Enter");
        await(pane, reply, from);
    }

    /**
     * The same round trip the way the issue words it and a script does it: tmux's own commands, a
     * process each -- send-keys, then capture-pane until the reply shows.
     */
    void roundTripByCommands(String text, String reply) throws Exception {
        String pane = "%" + windows;
        command("send-keys", "-t", pane, "-l", text);
        command("send-keys", "-t", pane, "Enter");
        long end = System.nanoTime() + DEADLINE_NS;
        while (!command("capture-pane", "-p", "-t", pane).contains(reply)) {
            if (System.nanoTime() > end) throw new IOException("bare tmux: " + pane + " never showed " + reply);
        }
    }

    private String command(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + ": " + out.strip());
        return out;
    }

    private long await(String pane, String text, int from) throws Exception {
        long end = System.nanoTime() + DEADLINE_NS;
        while (true) {
            StringBuilder b = output.computeIfAbsent(pane, k -> new StringBuilder());
            synchronized (b) {
                if (b.indexOf(text, from) >= 0) return System.nanoTime();
                b.wait(50); // woken by the reader as output arrives
            }
            if (System.nanoTime() > end) throw new IOException("bare tmux: " + pane + " never showed " + text);
        }
    }

    private void send(String line) throws IOException {
        synchronized (in) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }
    }

    private void read() {
        try (InputStream s = client.getInputStream()) {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = s.read()) >= 0) {
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                String l = line.toString();
                line.setLength(0);
                if (!l.startsWith("%output ")) continue;
                int sp = l.indexOf(' ', 8);
                if (sp < 0) continue;
                StringBuilder b = output.computeIfAbsent(l.substring(8, sp), k -> new StringBuilder());
                String data = unescape(l.substring(sp + 1));
                synchronized (b) {
                    b.append(data);
                    b.notifyAll();
                }
            }
        } catch (IOException e) {
            // the client ended
        }
    }

    /** tmux writes bytes below 32 and the backslash as \ooo. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 3 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        List<String> kill = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "kill-server"));
        new ProcessBuilder(kill).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        client.destroy();
        client.waitFor();
    }
}
