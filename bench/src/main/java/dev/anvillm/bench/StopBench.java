package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.srv.supervise.ProcessTree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code anvilsrv stop --sessions} with N interactive {@code sh} sessions (which ignore SIGINT and
 * SIGTERM) and N test-agent sessions, all idle: the command's time from start to exit, as a
 * user waits for it, and what is left of the namespace afterwards (goal: no process: no backend,
 * child, tmux server or spare launcher). Baseline, in the same run: the same set of processes
 * (a second daemon's, with the same sessions) killed directly with one {@code kill -KILL} and
 * waited for. Goal: at most 3 s.
 */
public final class StopBench {
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(120);

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("stop of %d sh + %d test-agent sessions, all idle%n", n, n);

        double stopMs;
        List<String> left;
        try (Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT)) {
            Map<Long, String> procs = populate(d, n);
            System.out.printf("  %d processes in the namespace (backends, their children, tmux server, spare launchers, daemon)%n", procs.size());
            long t0 = System.nanoTime();
            Process stop = d.anvilsrv("stop", "--sessions").redirectOutput(d.dir.resolve("stop.out").toFile()).start();
            if (!stop.waitFor(120, TimeUnit.SECONDS)) throw new IOException("anvilsrv stop --sessions did not finish within 120 s");
            stopMs = (System.nanoTime() - t0) / 1e6;
            if (stop.exitValue() != 0) {
                throw new IOException("anvilsrv stop --sessions exited with " + stop.exitValue() + ": " + Files.readString(d.dir.resolve("stop.out")));
            }
            left = left(procs, d.dir);
        }

        double killMs;
        try (Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT)) {
            Map<Long, String> procs = populate(d, n);
            List<String> cmd = new ArrayList<>(List.of("kill", "-KILL"));
            procs.keySet().forEach(p -> cmd.add(Long.toString(p)));
            long t0 = System.nanoTime();
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            d.process.waitFor(); // the daemon is this JVM's child: reaped here
            awaitGone(procs.keySet());
            killMs = (System.nanoTime() - t0) / 1e6;
        }

        Process help = Daemons.helpCommand().start();
        long h0 = System.nanoTime();
        help.waitFor();
        double helpMs = (System.nanoTime() - h0) / 1e6;

        System.out.printf("anvilsrv stop --sessions  %7.0f ms  (goal <= 3000 ms) %s%n", stopMs, stopMs <= 3000 ? "ok" : "ABOVE GOAL");
        System.out.printf("kill -KILL of them all    %7.0f ms  (baseline: the same processes, killed directly and waited for)%n", killMs);
        System.out.printf("ratio                     %7.1fx  (of the command's time, %.0f ms is a JVM starting: anvilsrv --help)%n",
                stopMs / killMs, helpMs);
        List<String> running = left.stream().filter(l -> !l.endsWith("(Z)")).toList();
        List<String> zombies = left.stream().filter(l -> l.endsWith("(Z)")).toList();
        System.out.printf("left after stop           %7d processes running (goal: none) %s%n", running.size(), running.isEmpty() ? "ok" : "ABOVE GOAL");
        running.forEach(l -> System.out.println("  " + l));
        if (!zombies.isEmpty()) {
            System.out.printf("                          %7d exited, not yet reaped by their parent (pid 1 is %s)%n", zombies.size(), command(1));
            zombies.forEach(l -> System.out.println("  " + l));
        }
    }

    /** Starts {@code n} sh and {@code n} test-agent sessions, waits until all are idle; returns every process of the namespace. */
    private static Map<Long, String> populate(Daemons d, int n) throws Exception {
        Path project = Files.createDirectories(d.home.resolve("project"));
        try (NinepClient c = NinepClient.connect(d.socket())) {
            for (int i = 0; i < n; i++) {
                create(c, "sh " + project);
                create(c, "bench " + project);
            }
            long deadline = System.nanoTime() + DEADLINE_NS;
            while (true) {
                String list = new String(c.readAll("list"), StandardCharsets.UTF_8);
                long idle = list.lines().filter(l -> l.split("\t")[2].equals("idle")).count();
                if (idle == 2L * n) break;
                if (System.nanoTime() > deadline) throw new IOException("sessions not idle within 120 s:\n" + list);
                Thread.sleep(50); // polling a condition, with a deadline
            }
        }
        Map<Long, String> procs = new LinkedHashMap<>();
        procs.put(d.process.pid(), "anvilsrv");
        String server = d.tmux("display-message", "-p", "#{pid}").strip();
        procs.put(Long.parseLong(server), "tmux server");
        for (String pane : d.tmux("list-panes", "-a", "-F", "#{pane_pid}").split("\n")) {
            if (pane.isBlank()) continue;
            for (ProcessHandle h : ProcessTree.of(Integer.parseInt(pane.strip()))) procs.put(h.pid(), command(h.pid()));
        }
        return procs;
    }

    private static void create(NinepClient c, String args) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new " + args + "\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            f.read(0, 64);
        }
    }

    /** The processes of {@code procs} still present (zombies too), and any other naming the daemon's directory. */
    private static List<String> left(Map<Long, String> procs, Path dir) throws IOException {
        List<String> left = new ArrayList<>();
        procs.forEach((pid, what) -> {
            if (Files.exists(Path.of("/proc", Long.toString(pid)))) left.add(pid + " " + what + ", parent " + parent(pid) + " (" + state(pid) + ")");
        });
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : all) {
                long pid = Long.parseLong(p.getFileName().toString());
                String cmd = command(pid);
                if (!procs.containsKey(pid) && cmd.contains(dir.toString())) left.add(pid + " " + cmd + " (" + state(pid) + ")");
            }
        }
        return left;
    }

    private static void awaitGone(Iterable<Long> pids) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NS;
        for (long pid : pids) {
            while (Files.exists(Path.of("/proc", Long.toString(pid))) && !state(pid).equals("Z")) {
                if (System.nanoTime() > deadline) throw new IOException("process " + pid + " outlived kill -KILL");
                Thread.sleep(1); // polling the processes' end, with a deadline
            }
        }
    }

    private static String command(long pid) {
        try {
            String s = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
            return s.length() > 120 ? s.substring(0, 120) + "..." : s;
        } catch (IOException e) {
            return "?";
        }
    }

    private static String parent(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return s.substring(s.lastIndexOf(')') + 2).split(" ")[1];
        } catch (IOException | IndexOutOfBoundsException e) {
            return "?";
        }
    }

    private static String state(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return s.substring(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
        } catch (IOException | IndexOutOfBoundsException e) {
            return "gone";
        }
    }
}
