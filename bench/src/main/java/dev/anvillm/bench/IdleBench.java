package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.srv.sandbox.Spares;
import dev.anvillm.srv.supervise.ProcessTree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What idle sessions cost: with 0, 50 and 200 idle sessions (half interactive {@code sh}, whose
 * state is read off its screen; half the test agent, a hook backend whose idle screen is not read),
 * the CPU used over a window (30 s by default), as % of one core, by:
 * <ul>
 * <li>the daemon and everything it runs: the daemon, every live process under it (the tmux
 * control client, which relays every pane's output), what it reaped (its children's counters)
 * and the spare launchers waiting in its tmux server;
 * <li>its tmux server, whenever one runs (at 0 sessions the control session keeps it);
 * <li>apart, the sessions' own agents: the process trees of the agent sessions' panes only (not
 * the spares', not the control session's placeholder).
 * </ul>
 * Goal: the daemon and tmux together at most 3 % of one core with 200 idle sessions, and not
 * growing with their number. Then, at each count, with those sessions still idle: new -> idle
 * and prompt -> reply medians of the test agent (hooks) and of {@code sh} (its screen read: a
 * command written to {@code in} until it has run and the session is idle again), to show
 * detection does not get worse with many idle sessions.
 *
 * <p>{@code --before JAR} runs every figure on that build of anvilsrv too (an earlier commit's
 * {@code srv/target/anvillm.jar}), in the same run, row under row.
 */
public final class IdleBench {
    private static final long DEADLINE_NS = TimeUnit.MINUTES.toNanos(10);
    /** Clock ticks per second of /proc/<pid>/stat's times: 100 on Linux (USER_HZ). */
    private static final double HZ = 100.0;
    /** Sessions started for the new -> idle figure, per backend; prompts for prompt -> reply. */
    private static final int STARTS = 6, PROMPTS = 15;

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
        System.out.println("  daemon+ch: the daemon, every process under it (live or reaped: the tmux control client) and its spare launchers");
        System.out.println("  agents: the sessions' own agents (their panes' process trees); each window begins once the daemon's");
        System.out.println("  one-off training runs of a new state directory have ended");
        System.out.printf("%6s %9s %10s %8s %12s %10s%n", "build", "sessions", "daemon+ch", "tmux", "daemon+tmux", "agents");
        List<String> builds = before == null ? List.of(System.getProperty("java.class.path"))
                : List.of(before, System.getProperty("java.class.path"));
        List<String> latencies = new ArrayList<>();
        for (int n : counts) for (String build : builds) {
            String label = before == null ? "" : build.equals(before) ? "before" : "after";
            try (Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT, build)) {
                Path project = Files.createDirectories(d.home.resolve("project"));
                try (NinepClient c = NinepClient.connect(d.socket())) {
                    for (int i = 0; i < n; i++) create(c, (i % 2 == 0 ? "sh " : "bench ") + project);
                    awaitIdle(c, n);
                    d.awaitNoTraining(); // a new state directory's one-off work, not an idle daemon's
                    Thread.sleep(3000); // the pace of a user walking away, not a wait for a condition: the sessions settle
                    Set<String> ids = sessions(c);
                    Sample s0 = sample(d, ids);
                    long w0 = System.nanoTime();
                    Thread.sleep(seconds * 1000L); // the measured window itself
                    double wall = (System.nanoTime() - w0) / 1e9;
                    Sample s1 = sample(d, ids);
                    double daemon = pct(s1.daemon - s0.daemon, wall), ag = pct(s1.agents - s0.agents, wall);
                    // the server's counters when the same server ran at both ends; started meanwhile: all of it
                    double tm = s1.server < 0 ? 0 : pct(s1.server == s0.server ? s1.serverTicks - s0.serverTicks : s1.serverTicks, wall);
                    String tmux = s1.server < 0 ? "-" : String.format("%.1f%%", tm);
                    System.out.printf("%6s %9d %9.1f%% %8s %11.1f%% %9.1f%%  %s%n", label, n, daemon, tmux, daemon + tm, ag,
                            n == 200 ? (daemon + tm <= 3 ? "ok (goal <= 3 %)" : "ABOVE GOAL (<= 3 %)") : "");
                    latencies.add(turns(c, project, label, n));
                    for (String line : new String(c.readAll("list"), StandardCharsets.UTF_8).split("\n")) {
                        if (line.isBlank()) continue;
                        c.writeAll(line.split("\t")[0] + "/ctl", "kill\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        System.out.println();
        System.out.println("Medians, measured right after each window, beside those idle sessions");
        latencies.forEach(System.out::println);
    }

    /** CPU ticks, at one moment, of the daemon's processes, of its tmux server (pid, or -1 when none runs) and of the agents. */
    private record Sample(long daemon, long server, long serverTicks, long agents) {}

    private static Sample sample(Daemons d, Set<String> ids) throws InterruptedException {
        long server = -1;
        List<Long> spares = new ArrayList<>(), agents = new ArrayList<>();
        try {
            server = Long.parseLong(d.tmux("display-message", "-p", "#{pid}").strip());
            // each agent window is listed twice (its own session, and linked into the control session): by session
            for (String line : d.tmux("list-panes", "-a", "-F", "#{session_name}\t#{pane_pid}").split("\n")) {
                String[] f = line.split("\t");
                if (f.length != 2) continue;
                if (ids.contains(f[0])) agents.add(Long.parseLong(f[1].strip()));
                else if (f[0].startsWith(Spares.PREFIX)) spares.add(Long.parseLong(f[1].strip()));
            }
        } catch (IOException e) {
            // no tmux server runs
        }
        long daemon = ticks(d.process.pid());
        for (ProcessHandle h : d.process.descendants().toList()) daemon += ticks(h.pid());
        daemon += trees(spares);
        return new Sample(daemon, server, server > 0 ? ticks(server) : 0, trees(agents));
    }

    /** The sessions the daemon lists now. */
    private static Set<String> sessions(NinepClient c) throws IOException {
        Set<String> ids = new HashSet<>();
        for (String line : new String(c.readAll("list"), StandardCharsets.UTF_8).split("\n")) if (!line.isBlank()) ids.add(line.split("\t")[0]);
        return ids;
    }

    /**
     * new -> idle and prompt -> reply of the test agent and of sh, beside the idle sessions; one
     * line of medians.
     */
    private static String turns(NinepClient c, Path project, String label, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        StringBuilder line = new StringBuilder(String.format("%6s %9d  new -> idle", label, n));
        Map<String, String> first = new java.util.LinkedHashMap<>();
        for (String backend : List.of("bench", "sh")) {
            List<Double> start = new ArrayList<>();
            for (int i = 0; i < STARTS; i++) {
                Thread.sleep(500); // the pace of a user: the daemon's spare launcher is ready
                long t0 = System.nanoTime();
                String id = create(c, backend + " " + project);
                while (!read(c, id + "/state").equals("idle")) {
                    if (System.nanoTime() - t0 > DEADLINE_NS) throw new IOException(id + " not idle");
                    Thread.sleep(2); // polling the state, with a deadline
                }
                start.add((System.nanoTime() - t0) / 1e6);
                ids.add(id);
                first.putIfAbsent(backend, id);
            }
            line.append(String.format(" %s %.0f ms%s", name(backend), median(start), backend.equals("sh") ? ";" : ","));
        }
        line.append(" prompt -> reply");
        for (String backend : List.of("bench", "sh")) {
            String id = first.get(backend);
            List<Double> turn = new ArrayList<>();
            for (int i = 0; i < PROMPTS; i++) {
                long t0 = System.nanoTime();
                if (backend.equals("sh")) {
                    // a command, until it has run and the session is idle again: its screen shows the prompt
                    Path ran = project.resolve(id + "-" + i);
                    c.writeAll(id + "/in", ("echo " + i + " > " + ran + "\n").getBytes(StandardCharsets.UTF_8));
                    while (!Files.exists(ran) || !read(c, id + "/state").equals("idle")) {
                        if (System.nanoTime() - t0 > DEADLINE_NS) throw new IOException(id + " not idle after a command");
                        Thread.sleep(2); // polling the state, with a deadline
                    }
                    turn.add((System.nanoTime() - t0) / 1e6);
                } else {
                    c.writeAll(id + "/in", ("prompt " + i + "\n").getBytes(StandardCharsets.UTF_8));
                    String reply = read(c, id + "/reply");
                    turn.add((System.nanoTime() - t0) / 1e6);
                    if (!reply.startsWith("echo: prompt " + i + " ")) throw new IllegalStateException("unexpected reply: " + reply);
                }
            }
            line.append(String.format(" %s %.0f ms%s", name(backend), median(turn), backend.equals("sh") ? "" : ","));
        }
        for (String x : ids) c.writeAll(x + "/ctl", "kill\n".getBytes(StandardCharsets.UTF_8));
        return line.toString();
    }

    private static String name(String backend) {
        return backend.equals("sh") ? "sh (screen)" : "test agent (hooks)";
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

    /** CPU ticks of every process of the panes' trees (the agents, or the spares, and what they started). */
    private static long trees(List<Long> panes) {
        long sum = 0;
        for (long p : panes) for (ProcessHandle h : ProcessTree.of((int) p)) sum += ticks(h.pid());
        return sum;
    }

    /**
     * utime + stime of {@code pid}, plus those of its reaped children: summed over a set of live
     * processes at both ends of a window, what one of them reaped meanwhile is counted once.
     */
    private static long ticks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ppid ... utime(11) stime(12) cutime(13) cstime(14)
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
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
