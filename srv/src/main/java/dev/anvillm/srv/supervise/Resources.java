package dev.anvillm.srv.supervise;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a backend's process tree ({@link ProcessTree#of}: the backend, its descendants, what
 * detached from them) uses: CPU, memory, listening TCP ports, from /proc, measured when someone
 * asks and never otherwise (no timer). CPU % is the tree's CPU time between two samples over
 * the wall time between them: the previous read's sample when it is between
 * {@link #MIN_WINDOW} and {@link #MAX_WINDOW} old, else two samples {@link #FRESH_WINDOW} apart
 * taken now (one wait for every session measured in the same call). A read less than
 * {@link #MIN_WINDOW} after the last one gets that one's figure again.
 */
public final class Resources {
    public static final Duration MIN_WINDOW = Duration.ofMillis(250);
    public static final Duration MAX_WINDOW = Duration.ofSeconds(10);
    public static final Duration FRESH_WINDOW = Duration.ofMillis(300);
    /** USER_HZ: the unit of /proc's CPU times, 100 on every Linux ABI (sysconf(_SC_CLK_TCK)). */
    private static final long TICKS_PER_SECOND = 100;
    private static final Path PROC = Path.of("/proc");

    /** A listening TCP socket; {@code exposed}: bound beyond loopback (reachable from other hosts). */
    public record Port(String address, int port, boolean exposed) {
        /** {@code 127.0.0.1:8080}, {@code [::]:3000!}: a {@code !} marks an exposed one. */
        public String text() {
            return address + ":" + port + (exposed ? "!" : "");
        }
    }

    /**
     * One tree's use. {@code cpu} in percent of one CPU (a tree busy on two CPUs reads 200);
     * {@code rss} the sum of its processes' resident sets (shared pages counted in each);
     * {@code pss} the proportional share, -1 when the kernel does not give it; bytes both;
     * {@code uptime} since the root process started.
     */
    public record Usage(int pid, int processes, double cpu, Duration window, long rss, long pss, Duration uptime, List<Port> ports) {
        public static final Usage NONE = new Usage(0, 0, 0, Duration.ZERO, 0, -1, Duration.ZERO, List.of());
    }

    private record Sample(int root, long nanos, long ticks) {}

    private record Last(Sample sample, double cpu, Duration window) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Last> last = new HashMap<>(); // guarded by lock

    /**
     * Measures each tree of {@code roots} (a key, a session id say, to its root pid; 0: nothing
     * runs), in their order. Blocks up to {@link #FRESH_WINDOW} when a tree has no recent sample.
     */
    public Map<String, Usage> measure(Map<String, Integer> roots) throws InterruptedException {
        lock.lock();
        try {
            Map<String, Usage> out = new LinkedHashMap<>();
            Map<String, Tree> fresh = new LinkedHashMap<>();
            for (var e : roots.entrySet()) {
                int root = e.getValue();
                Tree t = root > 0 ? Tree.of(root) : null;
                if (t == null) {
                    last.remove(e.getKey());
                    out.put(e.getKey(), Usage.NONE);
                    continue;
                }
                Last before = last.get(e.getKey());
                long age = before == null ? Long.MAX_VALUE : t.sample.nanos - before.sample.nanos;
                if (before == null || before.sample.root != root || age > MAX_WINDOW.toNanos()) {
                    fresh.put(e.getKey(), t);
                    out.put(e.getKey(), null); // its place in the order
                } else if (age < MIN_WINDOW.toNanos()) {
                    out.put(e.getKey(), t.usage(before.cpu, before.window));
                } else {
                    Last now = between(before.sample, t.sample);
                    last.put(e.getKey(), now);
                    out.put(e.getKey(), t.usage(now.cpu, now.window));
                }
            }
            if (!fresh.isEmpty()) {
                Thread.sleep(FRESH_WINDOW.toMillis()); // the second of two samples; no sample exists to compare with
                for (var e : fresh.entrySet()) {
                    Tree first = e.getValue();
                    Sample second = Tree.ticks(first.sample.root, first.pids);
                    Last now = between(first.sample, second);
                    last.put(e.getKey(), now);
                    out.put(e.getKey(), first.usage(now.cpu, now.window));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the samples of every tree but those of {@code keys} (sessions that are gone). */
    public void keepOnly(Set<String> keys) {
        lock.lock();
        try {
            last.keySet().retainAll(keys);
        } finally {
            lock.unlock();
        }
    }

    private static Last between(Sample a, Sample b) {
        long nanos = Math.max(1, b.nanos - a.nanos);
        // a process reaped by someone outside the tree takes its time with it: never below zero
        double cpu = Math.max(0, (b.ticks - a.ticks) * 1e9 / TICKS_PER_SECOND / nanos * 100);
        return new Last(b, cpu, Duration.ofNanos(nanos));
    }

    /** One look at a tree: its processes, their CPU time, memory and listeners. */
    private record Tree(Sample sample, List<Long> pids, long rss, long pss, Duration uptime, List<Port> ports) {
        static Tree of(int root) {
            List<ProcessHandle> handles = ProcessTree.of(root);
            if (handles.isEmpty()) return null;
            List<Long> pids = handles.stream().map(ProcessHandle::pid).toList();
            Sample s = ticks(root, pids);
            long rss = 0, pss = 0;
            boolean pssKnown = true;
            List<Long> sockets = new ArrayList<>();
            for (long pid : pids) {
                long[] m = memory(pid);
                rss += m[0];
                if (m[1] < 0) pssKnown = false;
                else pss += m[1];
                sockets.addAll(sockets(pid));
            }
            Duration up = ProcessHandle.of(root).flatMap(h -> h.info().startInstant())
                    .map(t -> Duration.between(t, Instant.now())).orElse(Duration.ZERO);
            Map<Long, Port> listening = sockets.isEmpty() ? Map.of() : Listeners.of(root);
            List<Port> ports = sockets.stream().distinct().map(listening::get).filter(p -> p != null).distinct()
                    .sorted(Comparator.comparingInt(Port::port).thenComparing(Port::address)).toList();
            return new Tree(s, pids, rss, pssKnown ? pss : -1, up.isNegative() ? Duration.ZERO : up, ports);
        }

        /**
         * The CPU time of {@code pids} now: their own and that of the children they reaped, so
         * that a test runner's short-lived children count once they are gone.
         */
        static Sample ticks(int root, List<Long> pids) {
            long ticks = 0;
            for (long pid : pids) {
                long[] t = Processes.stat(pid, Processes.UTIME, Processes.STIME, Processes.CUTIME, Processes.CSTIME);
                if (t != null) ticks += t[0] + t[1] + t[2] + t[3];
            }
            return new Sample(root, System.nanoTime(), ticks);
        }

        Usage usage(double cpu, Duration window) {
            return new Usage(sample.root, pids.size(), cpu, window, rss, pss, uptime, ports);
        }
    }

    /**
     * {Rss, Pss} of {@code pid} in bytes, from smaps_rollup; when that cannot be read, Rss from
     * status and Pss -1.
     */
    static long[] memory(long pid) {
        Path dir = PROC.resolve(Long.toString(pid));
        long rss = -1, pss = -1;
        try {
            for (String line : Files.readAllLines(dir.resolve("smaps_rollup"))) {
                if (line.startsWith("Rss:")) rss = kib(line);
                else if (line.startsWith("Pss:")) pss = kib(line);
            }
        } catch (IOException | RuntimeException e) {
            rss = pss = -1;
        }
        if (rss < 0) {
            try {
                for (String line : Files.readAllLines(dir.resolve("status"))) if (line.startsWith("VmRSS:")) rss = kib(line);
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        }
        return new long[]{Math.max(0, rss), pss};
    }

    /** {@code Name:   1234 kB} in bytes. */
    private static long kib(String line) {
        String[] f = line.substring(line.indexOf(':') + 1).strip().split("\\s+");
        return Long.parseLong(f[0]) * 1024;
    }

    /** The inodes of the sockets {@code pid} holds (its fd links read {@code socket:[N]}). */
    private static Set<Long> sockets(long pid) {
        Set<Long> out = new java.util.HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve(pid + "/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    try {
                        out.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    } catch (NumberFormatException e) {
                        // not the kernel's format: not a socket we can match
                    }
                }
            }
        } catch (IOException e) {
            // gone, or not ours to look at
        }
        return out;
    }
}
