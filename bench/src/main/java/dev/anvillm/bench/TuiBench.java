package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The terminal UI as a person sees it, in a real 80×24 tmux pane: {@code anvillm} started until
 * its first full paint of COUNT sessions (the status line counts them), against {@code java
 * -version} with the same JVM options timed in the same run; a change on the daemon (an alias
 * written) until the pane shows it; the TUI's resident memory with COUNT sessions. Goals: first
 * paint ≤ 800 ms, event → visible ≤ 100 ms at the median. The sessions are the project's test
 * agent; the benchmark kills them when it ends.
 */
public final class TuiBench {
    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path home = Path.of(System.getProperty("anvillm.home", "."));
        Path jar = home.resolve("tui/target/anvillm-tui.jar");
        Path jvmOptions = home.resolve("bin/lib/anvillm.jvm");
        if (!Files.exists(jar)) throw new IOException("no " + jar + "; build first (mvn -DskipTests package)");
        Daemons d = Daemons.start(Map.of(), YAML);
        try (NinepClient c = NinepClient.connect(d.socket())) {
            Path dir = Files.createDirectories(d.home.resolve("project"));
            System.out.printf("starting %d test-agent sessions…%n", count);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) ids.add(create(c, dir));
            Path tmuxDir = d.namespace.getParent();
            List<String> java = List.of(Daemons.javaBin(), "@" + jvmOptions);
            // as bin/anvillm runs it (bin/lib/jdk.sh): with the class archive its first run leaves
            String jsa = jar.toString().replaceFirst("\\.jar$", "") + "-Main-" + Files.getLastModifiedTime(jar).toMillis() / 1000 + "-" + Files.size(jar) + ".jsa";
            List<String> tuiJava = List.of(Daemons.javaBin(), "@" + jvmOptions, "-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + jsa);

            List<Double> floor = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                List<String> cmd = new ArrayList<>(java);
                cmd.add("-version");
                long t0 = System.nanoTime();
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                floor.add((System.nanoTime() - t0) / 1e6);
            }

            List<Double> paint = new ArrayList<>();
            String want = count + " sessions";
            for (int i = 0; i < rounds; i++) {
                // a server of its own each round: a killed server's socket can still be going away
                Path tmux = tmuxDir.resolve("tui-tmux-" + i);
                long t0 = System.nanoTime();
                pane(tmux, d.namespace, tuiJava, jar);
                await(tmux, s -> last(s).contains(want) && s.contains(ids.getFirst()), 30_000);
                paint.add((System.nanoTime() - t0) / 1e6);
                quit(tmux);
            }

            Path tmux = tmuxDir.resolve("tui-tmux");
            pane(tmux, d.namespace, tuiJava, jar);
            await(tmux, s -> last(s).contains(want), 30_000);
            String first = ids.getFirst();
            List<Double> visible = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String alias = "seen" + i;
                long t0 = System.nanoTime();
                try (Fid f = c.open(first + "/alias", OpenMode.OWRITE | OpenMode.OTRUNC)) {
                    f.write(alias.getBytes(StandardCharsets.UTF_8));
                }
                await(tmux, s -> s.contains(" " + alias + " "), 10_000);
                visible.add((System.nanoTime() - t0) / 1e6);
            }
            long pid = Long.parseLong(tmux(tmux, "list-panes", "-F", "#{pane_pid}").strip());
            long rss = rssKb(pid);
            quit(tmux);

            System.out.printf("java -version (the floor)       median %7.1f ms  (min %.1f)%n", median(floor), Collections.min(floor));
            System.out.printf("anvillm start -> first paint    median %7.1f ms  (min %.1f)  %.2fx the floor   goal <= 800 ms, %d sessions%n",
                    median(paint), Collections.min(paint), median(paint) / median(floor), count);
            System.out.printf("event -> visible on the screen  median %7.1f ms  (p90 %.1f, max %.1f)   goal <= 100 ms%n",
                    median(visible), pct(visible, 0.9), Collections.max(visible));
            System.out.printf("TUI resident memory             %7.1f MB with %d sessions%n", rss / 1024.0, count);
        } finally {
            d.close(); // the daemon, its sessions' tmux server, its directory
        }
    }

    /** The test agent (hooks, no screen to poll), answering at once. */
    private static final String YAML = """
            backends:
              bench:
                extends: testagent
                args: [--work-ms, "0"]
            """;

    private static void pane(Path tmux, Path ns, List<String> java, Path jar) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", tmux.toString(), "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24",
                "-e", "NAMESPACE=" + ns, "-e", "TERM=xterm-256color", "-e", "LC_ALL=C.UTF-8"));
        cmd.addAll(java);
        cmd.addAll(List.of("-cp", jar.toString(), "dev.anvillm.tui.Main"));
        try {
            run(cmd);
        } catch (IOException e) {
            throw new IOException(String.join(" ", cmd) + ": " + e.getMessage());
        }
    }

    /**
     * Quits the TUI as a user does (q), so that its JVM exits normally and leaves its class
     * archive for the next start (bin/lib/jdk.sh), then waits for the pane's server to go.
     */
    private static void quit(Path tmux) throws Exception {
        tmux(tmux, "send-keys", "q");
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            try {
                tmux(tmux, "has-session");
            } catch (IOException gone) {
                return;
            }
            Thread.sleep(10); // waiting for the TUI to exit, with a deadline
        }
        tmux(tmux, "kill-server");
    }

    private static String create(NinepClient c, Path dir) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new bench '" + dir + "'\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            return new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
        }
    }

    private static String last(String screen) {
        List<String> l = screen.lines().toList();
        return l.isEmpty() ? "" : l.getLast();
    }

    private static void await(Path tmux, Predicate<String> ok, long ms) throws Exception {
        long end = System.nanoTime() + ms * 1_000_000;
        String s = "";
        while (System.nanoTime() < end) {
            try {
                s = tmux(tmux, "capture-pane", "-p");
            } catch (IOException e) {
                s = e.getMessage(); // the pane is not there yet
            }
            if (ok.test(s)) return;
            Thread.sleep(5); // each look is a tmux process: looking without a pause would take the CPU from what is measured
        }
        throw new IOException("the TUI never showed what was awaited; its screen:\n" + s);
    }

    private static String tmux(Path socket, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(out);
        return out;
    }

    /** Resident memory of process {@code pid}, from /proc (also used by WebBench). */
    static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return -1;
    }

    static double median(List<Double> v) {
        return pct(v, 0.5);
    }

    static double pct(List<Double> v, double p) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.floor(p * s.size())));
    }
}
