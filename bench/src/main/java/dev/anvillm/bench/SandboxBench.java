package dev.anvillm.bench;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.host.Native;
import dev.anvillm.srv.sandbox.LandlockExec;
import dev.anvillm.srv.sandbox.Sandbox;
import dev.anvillm.srv.sandbox.Spares;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the built-in sandbox launcher adds to a backend's start: from exec of the launcher to
 * exec of the backend, measured as the wall time of a sandboxed {@code /bin/true} minus a bare
 * one, with and without the launcher's AOT cache, and from a spare launcher already warm, beside
 * a bare JVM start as the floor.
 * Prints medians and minimums of {@code runs} runs (default 30).
 */
public final class SandboxBench {
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path home = Files.createTempDirectory("anvillm-sandbox-bench");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HOME", home.toString());
        env.remove("XDG_CONFIG_HOME");
        env.remove("XDG_STATE_HOME");
        Path state = home.resolve(".local/state/anvillm/bench");
        Path run = Files.createDirectories(state.resolve("run/bench"));
        Sandbox sandbox = new Sandbox(env, home.resolve(".config/anvillm"), state, Files.createDirectories(home.resolve("ns")));
        System.out.printf("Landlock ABI %d; %d runs each; preparing the launcher's AOT cache...%n", sandbox.abi(), runs);
        long t0 = System.nanoTime();
        sandbox.prepare(Duration.ofMinutes(2));
        System.out.printf("AOT training run: %.0f ms (once per launcher build and JDK)%n", (System.nanoTime() - t0) / 1e6);

        BackendSpec spec = new BackendSpec("true", "true", List.of("/bin/true"), List.of(), List.of(), Map.of(), false, false,
                null, null, null, Duration.ofSeconds(5), List.of(), "C-c", List.of(), null);
        Launcher.Plan plan = new Launcher.Plan(List.of("/bin/true"), Map.of("PATH", "/usr/bin:/bin", "HOME", home.toString()));
        Sandbox.Wrapped w = sandbox.wrap(plan, spec, "bench", home, run);
        List<String> withAot = w.plan().argv();
        List<String> withoutAot = withAot.stream().filter(a -> !a.startsWith("-XX:AOTCache=")).toList();
        if (withAot.size() == withoutAot.size()) System.out.println("warning: no AOT cache was built; both rows run without it");
        String java = withAot.getFirst();

        double[] bare = time(runs, List.of("/bin/true"), w.plan().env());
        double[] jvm = time(runs, List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-version"), w.plan().env());
        double[] plain = time(runs, withoutAot, w.plan().env());
        double[] aot = time(runs, withAot, w.plan().env());
        row("/bin/true (baseline)", bare, bare);
        row("JVM start, java -version (floor)", jvm, bare);
        row("sandboxed /bin/true, no AOT cache", plain, bare);
        row("sandboxed /bin/true, AOT cache", aot, bare);
        double[] warm = spare(runs, withAot, w, home);
        row("sandboxed /bin/true, spare launcher", warm, bare);
        System.out.printf("launcher overhead (median minus baseline): %.0f ms with the AOT cache, %.0f ms without, "
                        + "%.0f ms from a warm spare (request written -> /bin/true done)%n",
                median(aot) - median(bare), median(plain) - median(bare), median(warm) - median(bare));
    }

    /**
     * A spare launcher started as the daemon starts one (the cold argv with {@code --spare FIFO
     * PID} for its tail), timed from the moment it is ready (blocked opening its fifo) and the
     * request is written until the sandboxed command has run.
     */
    private static double[] spare(int runs, List<String> coldArgv, Sandbox.Wrapped w, Path dir) throws Exception {
        List<String> argv = new java.util.ArrayList<>(coldArgv.subList(0, coldArgv.indexOf(LandlockExec.class.getName()) + 1));
        Path fifo = dir.resolve("spare.fifo");
        argv.addAll(List.of("--spare", fifo.toString(), Long.toString(ProcessHandle.current().pid())));
        byte[] request = Spares.request(dir, w);
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            Files.deleteIfExists(fifo);
            if (Native.mkfifo(fifo) != 0) throw new IllegalStateException("mkfifo " + fifo);
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(new File("/dev/null"));
            pb.environment().clear();
            pb.environment().putAll(w.plan().env());
            Process p = pb.start();
            int fd;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while ((fd = Native.open(fifo, Native.O_WRONLY | Native.O_NONBLOCK | Native.O_CLOEXEC)) == -Native.ENXIO) {
                if (!p.isAlive() || System.nanoTime() > deadline) throw new IllegalStateException("the spare launcher never got ready");
                Thread.sleep(2);
            }
            long t = System.nanoTime();
            Native.blocking(fd);
            Native.writeAll(fd, request);
            Native.close(fd);
            int exit = p.waitFor();
            ms[i] = (System.nanoTime() - t) / 1e6;
            if (exit != 0) throw new IllegalStateException("the spare launcher exited " + exit);
        }
        return ms;
    }

    private static double[] time(int runs, List<String> argv, Map<String, String> env) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(new File("/dev/null"));
            pb.environment().clear();
            pb.environment().putAll(env);
            long t = System.nanoTime();
            int exit = pb.start().waitFor();
            ms[i] = (System.nanoTime() - t) / 1e6;
            if (exit != 0) throw new IllegalStateException(String.join(" ", argv) + " exited " + exit);
        }
        return ms;
    }

    private static void row(String what, double[] ms, double[] base) {
        System.out.printf("%-36s median %6.1f ms  min %6.1f ms  (%.0fx baseline)%n", what, median(ms),
                Arrays.stream(ms).min().orElse(0), median(ms) / Math.max(0.01, median(base)));
    }

    private static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
