package dev.anvillm.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-up of the installed commands, whole process, as a user's shell runs them: the floor (a
 * JVM printing "hello" with the installed anvillm's JVM options, its AOT cache aside: that cache
 * is for another class path), {@code anvillm 9p read agent/list}, {@code anvilsrv start} until
 * its socket answers, {@code anvillm} (the TUI) until its first paint, {@code anvilweb} until it
 * listens. Goals: the 9p read ≤ 2× the floor and ≤ 200 ms; anvilsrv start ≤ 700 ms. Without
 * {@code --prefix} it installs into a temporary prefix first (bin/install) and removes it after.
 * The machine's load average is printed with the figures: they are only as quiet as it is.
 */
public final class StartBench {
    private static final int SESSIONS = 3;

    public static void main(String[] args) throws Exception {
        int rounds = 11;
        Path prefix = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--prefix") && i + 1 < args.length) prefix = Path.of(args[++i]).toAbsolutePath();
            else if (args[i].matches("\\d+")) rounds = Integer.parseInt(args[i]);
            else {
                System.err.println("bin/bench start: unexpected argument '" + args[i] + "'; usage: bin/bench start [rounds] [--prefix DIR]");
                System.exit(2);
            }
        }
        Path home = Path.of(System.getProperty("anvillm.home", "."));
        Path cache = Path.of(System.getProperty("user.home"), ".cache");
        Files.createDirectories(cache);
        Path tmp = Files.createTempDirectory(cache, "anvillm-bench-start");
        boolean ownPrefix = prefix == null;
        String loadBefore = load();
        try {
            if (ownPrefix) {
                prefix = tmp.resolve("prefix");
                System.out.println("installing into " + prefix + " (bin/install)…");
                Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"), "HOME", Files.createDirectories(tmp.resolve("install-home")).toString());
                String out = run(List.of(home.resolve("bin/install").toString(), "--prefix", prefix.toString()), env, 900);
                if (!out.contains("anvillm installed")) throw new IOException("bin/install failed:\n" + out);
            }
            Path bin = prefix.resolve("bin");
            if (!Files.isExecutable(bin.resolve("anvillm"))) throw new IOException("no anvillm installed in " + prefix + "; run bin/install --prefix " + prefix);
            measure(bin, tmp, rounds, loadBefore);
        } finally {
            try (var all = Files.walk(tmp)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void measure(Path bin, Path tmp, int rounds, String loadBefore) throws Exception {
        Path ns = tmp.resolve("ns");
        Files.createDirectory(ns, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Map<String, String> env = new HashMap<>(Map.of("NAMESPACE", ns.toString(), "XDG_STATE_HOME", tmp.resolve("state").toString(),
                "XDG_CONFIG_HOME", tmp.resolve("config").toString(), "HOME", Files.createDirectories(tmp.resolve("home")).toString(),
                "PATH", bin + ":/usr/local/bin:/usr/bin:/bin", "LC_ALL", "C.UTF-8"));
        String anvilsrv = bin.resolve("anvilsrv").toString();
        String anvillm = bin.resolve("anvillm").toString();
        List<String> floorCmd = floorCommand(bin.resolve("anvillm").toRealPath());
        try {
            // anvilsrv start -> answering, then stop (sessions, once there, stay and are re-adopted).
            // The first start in a new state directory is timed apart: it has no sandbox launcher
            // or 9p cache yet (it trains them once it answers, which it is left to finish), and
            // every later start is the one users meet
            double first = time(List.of(anvilsrv, "start"), env);
            Path project = Files.createDirectories(tmp.resolve("project"));
            for (int s = 0; s < SESSIONS; s++) run(List.of(anvillm, "9p", "write", "agent/ctl"), env, 60, "new sh " + project + "\n");
            awaitNoTraining(ns.resolve("anvilsrv.pid"));
            run(List.of(anvilsrv, "stop"), env, 60);
            List<Double> start = new ArrayList<>();
            for (int i = 0; i < Math.max(3, rounds / 2); i++) {
                start.add(time(List.of(anvilsrv, "start"), env));
                run(List.of(anvilsrv, "stop"), env, 60);
            }
            run(List.of(anvilsrv, "start"), env, 60);
            awaitNoTraining(ns.resolve("anvilsrv.pid")); // and its spare launcher started

            List<Double> floor = new ArrayList<>();
            List<Double> read = new ArrayList<>();
            // interleaved, so that both see the same machine
            for (int i = 0; i < rounds; i++) {
                floor.add(time(floorCmd, env));
                read.add(time(List.of(anvillm, "9p", "read", "agent/list"), env));
            }
            String list = run(List.of(anvillm, "9p", "read", "agent/list"), env, 60);

            List<Double> paint = new ArrayList<>();
            for (int i = 0; i < Math.max(3, rounds / 2); i++) paint.add(firstPaint(tmp.resolve("tui-" + i), anvillm, env));

            List<Double> web = new ArrayList<>();
            for (int i = 0; i < Math.max(3, rounds / 2); i++) web.add(listening(bin.resolve("anvilweb").toString(), env));

            double f = TuiBench.median(floor), r = TuiBench.median(read), s = TuiBench.median(start);
            System.out.printf("load average before %s, after %s (2 cores here: above 2, the figures are the machine's)%n", loadBefore, load());
            System.out.printf("java hello, same JVM options (the floor)   median %6.1f ms  (min %.1f)%n", f, Collections.min(floor));
            System.out.printf("anvillm 9p read agent/list (%d sessions)    median %6.1f ms  (min %.1f)  %.2fx the floor   goal <= 2x and <= 200 ms: %s%n",
                    list.lines().count(), r, Collections.min(read), r / f, r <= 2 * f && r <= 200 ? "met" : "NOT met");
            System.out.printf("anvilsrv start -> socket answering          median %6.1f ms  (min %.1f)  %.2fx the floor   goal <= 700 ms: %s%n",
                    s, Collections.min(start), s / f, s <= 700 ? "met" : "NOT met");
            System.out.printf("  the first start in a new state directory  %6.1f ms  (no session yet; its caches made after it answers)%n", first);
            System.out.printf("anvillm (TUI) start -> first paint          median %6.1f ms  (min %.1f)  %.2fx the floor%n",
                    TuiBench.median(paint), Collections.min(paint), TuiBench.median(paint) / f);
            System.out.printf("anvilweb start -> listening                 median %6.1f ms  (min %.1f)  %.2fx the floor%n",
                    TuiBench.median(web), Collections.min(web), TuiBench.median(web) / f);
        } finally {
            try {
                run(List.of(anvilsrv, "stop", "--sessions"), env, 60);
            } finally {
                // the sessions outlive their daemon by design; a benchmark's must not
                new ProcessBuilder("tmux", "-S", ns.resolve("tmux").toString(), "kill-server").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The installed anvillm's java and JVM options (from its exec line), its AOT cache aside, running Hello. */
    static List<String> floorCommand(Path launcher) throws IOException {
        String exec = Files.readAllLines(launcher).stream().filter(l -> l.strip().startsWith("exec '")).findFirst()
                .orElseThrow(() -> new IOException("no exec line in " + launcher));
        List<String> cmd = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'").matcher(exec.substring(0, exec.indexOf(" -cp ")));
        while (m.find()) {
            if (!m.group(1).startsWith("-XX:AOTCache=")) cmd.add(m.group(1));
        }
        cmd.addAll(List.of("-cp", Hello.class.getProtectionDomain().getCodeSource().getLocation().getPath(), Hello.class.getName()));
        return cmd;
    }

    /** Waits (two minutes at most) until the daemon named by {@code pidFile} runs no JVM of its own (a training run). */
    private static void awaitNoTraining(Path pidFile) throws Exception {
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        Daemons.awaitNoTraining(ProcessHandle.of(pid).orElseThrow(() -> new IOException("no daemon with pid " + pid)));
    }

    /** Whole-process time of {@code cmd}, in ms; it must succeed. */
    private static double time(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + new String(out, StandardCharsets.UTF_8));
        return ms;
    }

    /** anvillm in an 80×24 tmux pane until its status line counts the sessions; then q. */
    private static double firstPaint(Path tmux, String anvillm, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", tmux.toString(), "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24"));
        for (var e : env.entrySet()) cmd.addAll(List.of("-e", e.getKey() + "=" + e.getValue()));
        cmd.addAll(List.of("-e", "TERM=xterm-256color", anvillm));
        String want = SESSIONS + " sessions";
        long t0 = System.nanoTime();
        run(cmd, Map.of(), 30);
        long end = t0 + 30_000_000_000L;
        String screen = "";
        while (System.nanoTime() < end) {
            screen = run(List.of("tmux", "-S", tmux.toString(), "capture-pane", "-p"), Map.of(), 10);
            List<String> lines = screen.lines().toList();
            if (!lines.isEmpty() && lines.getLast().contains(want)) break;
            Thread.sleep(5); // each look is a tmux process: looking without a pause would take the CPU from what is measured
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (System.nanoTime() >= end) throw new IOException("the TUI never painted '" + want + "'; its screen:\n" + screen);
        new ProcessBuilder("tmux", "-S", tmux.toString(), "send-keys", "q").start().waitFor(10, TimeUnit.SECONDS);
        new ProcessBuilder("tmux", "-S", tmux.toString(), "kill-server").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        return ms;
    }

    /** anvilweb on a free port until a connection to the URL it prints is accepted; then SIGTERM. */
    private static double listening(String anvilweb, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(anvilweb, "--addr", "127.0.0.1:0").redirectErrorStream(true);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                Matcher m = Pattern.compile("http://[^\\s]+").matcher(line);
                if (!m.find()) continue;
                URI u = URI.create(m.group());
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
                }
                return (System.nanoTime() - t0) / 1e6;
            }
            throw new IOException("anvilweb printed no URL (exit " + p.waitFor() + ")");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static String run(List<String> cmd, Map<String, String> env, int seconds) throws Exception {
        return run(cmd, env, seconds, null);
    }

    private static String run(List<String> cmd, Map<String, String> env, int seconds, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (stdin != null) {
            try (var o = p.getOutputStream()) {
                o.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish within " + seconds + " s");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
        return out;
    }

    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** The floor: a JVM that prints hello. */
    public static final class Hello {
        public static void main(String[] args) {
            System.out.println("hello");
        }
    }
}
