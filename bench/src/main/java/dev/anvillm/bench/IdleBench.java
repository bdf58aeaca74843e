package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.srv.supervise.ProcessTree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What idle sessions cost: with 0, 50 and 200 idle sessions (half interactive {@code sh}, half
 * the test agent, both read off the screen), the CPU used over a window (30 s by default) by the
 * daemon and every process it started (they are its children, so their time is in its
 * children's counters), by its tmux server, and, apart, by the sessions' own agents; each as %
 * of one core. Goal: the daemon and tmux together at most 3 % of one core with 200 idle
 * sessions, and not growing with their number. In the same run, on the quiet daemon: new ->
 * idle and prompt -> reply medians of the test agent, to show they did not get worse.
 *
 * <p>{@code --before JAR} runs every figure on that build of anvilsrv too (an earlier commit's
 * {@code srv/target/anvillm.jar}), in the same run, row under row.
 */
public final class IdleBench {
    private static final long DEADLINE_NS = TimeUnit.MINUTES.toNanos(10);
    /** Clock ticks per second of /proc/<pid>/stat's times: 100 on Linux (USER_HZ). */
    private static final double HZ = 100.0;

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(List.of(argv));
        String before = null;
        int at = args.indexOf("--before");
        if (at >= 0 && at + 1 < args.size()) {
            before = args.get(at + 1);
            args.subList(at, at + 2).clear();
        }
        int seconds = args.size() > 0 ? Integer.parseInt(args.get(0)) : 30;
        int[] counts = args.size() > 1 ? Arrays.stream(args.get(1).split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {0, 50, 200};
        System.out.printf("CPU over %d s of idle sessions (half sh, half the test agent), %% of one core%n", seconds);
        System.out.printf("%6s %9s %10s %8s %12s %10s%n", "build", "sessions", "daemon+ch", "tmux", "daemon+tmux", "agents");
        List<String> builds = before == null ? List.of(System.getProperty("java.class.path"))
                : List.of(before, System.getProperty("java.class.path"));
        for (int n : counts) for (String build : builds) {
            String label = before == null ? "" : build.equals(before) ? "before" : "after";
            try (Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT, build)) {
                Path project = Files.createDirectories(d.home.resolve("project"));
                try (NinepClient c = NinepClient.connect(d.socket())) {
                    for (int i = 0; i < n; i++) create(c, (i % 2 == 0 ? "sh " : "bench ") + project);
                    awaitIdle(c, n);
                    if (n == 0) turns(c, project, label);
                    Thread.sleep(3000); // the pace of a user walking away, not a wait for a condition: the sessions settle
                    long server = n == 0 ? -1 : Long.parseLong(d.tmux("display-message", "-p", "#{pid}").strip());
                    List<Long> panes = n == 0 ? List.of() : d.tmux("list-panes", "-a", "-F", "#{pane_pid}").lines()
                            .filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.strip())).toList();
                    long d0 = ticks(d.process.pid(), true), t0 = server > 0 ? ticks(server, true) : 0, a0 = agents(panes);
                    long w0 = System.nanoTime();
                    Thread.sleep(seconds * 1000L); // the measured window itself
                    double wall = (System.nanoTime() - w0) / 1e9;
                    long d1 = ticks(d.process.pid(), true), t1 = server > 0 ? ticks(server, true) : 0, a1 = agents(panes);
                    double daemon = pct(d1 - d0, wall), tm = pct(t1 - t0, wall), ag = pct(a1 - a0, wall);
                    System.out.printf("%6s %9d %9.1f%% %7.1f%% %11.1f%% %9.1f%%  %s%n", label, n, daemon, tm, daemon + tm, ag,
                            n == 200 ? (daemon + tm <= 3 ? "ok (goal <= 3 %)" : "ABOVE GOAL (<= 3 %)") : "");
                    for (String line : new String(c.readAll("list"), StandardCharsets.UTF_8).split("\n")) {
                        if (line.isBlank()) continue;
                        c.writeAll(line.split("\t")[0] + "/ctl", "kill\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
    }

    /** new -> idle and prompt -> reply of the test agent, on a daemon with nothing else to do. */
    private static void turns(NinepClient c, Path project, String label) throws Exception {
        List<Double> start = new ArrayList<>(), turn = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread.sleep(500); // the pace of a user: the daemon's spare launcher is ready
            long t0 = System.nanoTime();
            String id = create(c, "bench " + project);
            while (!read(c, id + "/state").equals("idle")) {
                if (System.nanoTime() - t0 > DEADLINE_NS) throw new IOException(id + " not idle");
                Thread.sleep(2); // polling the state, with a deadline
            }
            start.add((System.nanoTime() - t0) / 1e6);
            ids.add(id);
        }
        String id = ids.getFirst();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            c.writeAll(id + "/in", ("prompt " + i + "\n").getBytes(StandardCharsets.UTF_8));
            String reply = read(c, id + "/reply");
            turn.add((System.nanoTime() - t0) / 1e6);
            if (!reply.startsWith("echo: prompt " + i + " ")) throw new IllegalStateException("unexpected reply: " + reply);
        }
        System.out.printf("%6s           new -> idle median %.0f ms, prompt -> reply median %.0f ms (test agent, quiet daemon)%n",
                label, median(start), median(turn));
        for (String x : ids) c.writeAll(x + "/ctl", "kill\n".getBytes(StandardCharsets.UTF_8));
    }

    private static String create(NinepClient c, String args) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new " + args + "\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            return new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
        }
    }

    private static String read(NinepClient c, String path) throws IOException {
        return new String(c.readAll(path), StandardCharsets.UTF_8).strip();
    }

    private static void awaitIdle(NinepClient c, int n) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NS;
        while (true) {
            String list = new String(c.readAll("list"), StandardCharsets.UTF_8);
            long idle = list.lines().filter(l -> l.split("\t").length > 2 && l.split("\t")[2].equals("idle")).count();
            if (idle == n) return;
            if (System.nanoTime() > deadline) throw new IOException("sessions not idle within 10 minutes:\n" + list);
            Thread.sleep(100); // polling a condition, with a deadline
        }
    }

    /** CPU ticks of every process of the panes' trees (the agents and what they started). */
    private static long agents(List<Long> panes) {
        long sum = 0;
        for (long p : panes) for (ProcessHandle h : ProcessTree.of((int) p)) sum += ticks(h.pid(), false);
        return sum;
    }

    /** utime + stime of {@code pid}, plus those of its reaped children when {@code children}. */
    private static long ticks(long pid, boolean children) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ppid ... utime(11) stime(12) cutime(13) cstime(14)
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (children) t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return t;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static double pct(long ticks, double seconds) {
        return ticks / HZ / seconds * 100;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
