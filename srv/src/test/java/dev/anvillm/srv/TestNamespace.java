package dev.anvillm.srv;

import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.server.RawClient;
import dev.anvillm.srv.namespace.DaemonProcess;
import dev.anvillm.srv.namespace.Locations;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A namespace of its own for running anvilsrv as users do: real processes with NAMESPACE,
 * XDG_STATE_HOME, XDG_CONFIG_HOME and HOME under a temp dir. Closing it kills whatever it started,
 * including a daemon that {@code start} put in the background.
 */
public final class TestNamespace implements AutoCloseable {
    public static final Duration DEADLINE = Duration.ofSeconds(60);

    public record Result(int exit, String out, String err) {}

    private final Path dir;
    private final Map<String, String> env = new HashMap<>();
    private final Locations locations;
    private final List<Process> started = new ArrayList<>();
    /** Which run{n}.out/.err files hold a process's output. */
    private final Map<Process, Integer> outputs = new ConcurrentHashMap<>();
    private int runs;

    public TestNamespace(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("home"));
        env.put("NAMESPACE", dir.resolve("ns").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put("HOME", dir.resolve("home").toString());
        locations = Locations.from(env);
    }

    public Locations locations() { return locations; }

    public Path socket() { return locations.socket(); }

    public Map<String, String> env() { return env; }

    /** Starts {@code anvilsrv <args>} with this namespace's environment; its stdout and stderr go to files. */
    public Process spawn(String... args) throws IOException {
        return spawn(false, args);
    }

    /**
     * {@code anvilsrv fgstart} with no locale at all in its environment (as from cron), started
     * through the locale setting of bin/lib/jdk.sh as bin/anvilsrv starts the daemon.
     */
    public Process fgstartWithoutLocale() throws Exception {
        Process p = spawn(true, "fgstart");
        awaitAnswering(p);
        return p;
    }

    private synchronized Process spawn(boolean noLocale, String... args) throws IOException {
        int n = ++runs;
        // anvillm.home as the launchers pass it: a module tested alone (-pl emacs) has srv's jar from
        // ~/.m2 on its class path, and a home found from that jar's place has no test agent
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Danvillm.home=" + dev.anvillm.srv.session.TestSessions.projectHome(),
                "-cp", System.getProperty("java.class.path"), "dev.anvillm.srv.Anvilsrv"));
        cmd.addAll(List.of(args));
        if (noLocale) {
            Path jdkSh = dev.anvillm.srv.session.TestSessions.projectHome().resolve("bin/lib/jdk.sh");
            cmd.addAll(0, List.of("bash", "-c", "source \"$0\" && utf8_locale && exec \"$@\"", jdkSh.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("run" + n + ".out").toFile())
                .redirectError(dir.resolve("run" + n + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (noLocale) {
            pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.equals("LANGUAGE") || k.startsWith("LC_"));
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        outputs.put(p, n);
        return p;
    }

    public String stderrOf(Process p) throws IOException {
        return Files.readString(dir.resolve("run" + outputs.get(p) + ".err"), StandardCharsets.UTF_8);
    }

    public String stdoutOf(Process p) throws IOException {
        return Files.readString(dir.resolve("run" + outputs.get(p) + ".out"), StandardCharsets.UTF_8);
    }

    /** Runs {@code anvilsrv <args>} to completion. */
    public Result run(String... args) throws Exception {
        Process p = spawn(args);
        if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("anvilsrv " + String.join(" ", args) + " did not finish within " + DEADLINE);
        }
        return new Result(p.exitValue(), stdoutOf(p), stderrOf(p));
    }

    /** {@code anvilsrv fgstart}, returned once its socket answers a Tversion. */
    public Process fgstart() throws Exception {
        Process p = spawn("fgstart");
        awaitAnswering(p);
        return p;
    }

    /** Waits until the socket answers a Tversion; fails if {@code p} exits first or the deadline passes. */
    public void awaitAnswering(Process p) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!answers()) {
            if (p.waitFor(50, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("anvilsrv exited with " + p.exitValue() + " before answering: " + stderrOf(p));
            }
            if (System.nanoTime() > deadline) throw new AssertionError("anvilsrv did not answer within " + DEADLINE + ": " + stderrOf(p));
        }
    }

    /** True when the socket answers a Tversion right now. */
    public boolean answers() {
        if (!Files.exists(socket())) return false;
        try (RawClient c = new RawClient(socket())) {
            return c.rpc(new Message.Tversion(Message.NOTAG, 8192, "9P2000")) instanceof Message.Rversion;
        } catch (Exception | AssertionError e) {
            return false; // not yet (a daemon starting on a loaded machine may take seconds to answer): asked again until the deadline
        }
    }

    /** Waits for {@code p} to exit and returns its status. */
    public static int awaitExit(Process p) throws InterruptedException {
        if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("process " + p.pid() + " still running after " + DEADLINE);
        return p.exitValue();
    }

    @Override
    public void close() throws IOException {
        List<ProcessHandle> all = new ArrayList<>();
        synchronized (this) {
            for (Process p : started) all.add(p.toHandle());
        }
        DaemonProcess.find(locations).ifPresent(all::add);
        for (ProcessHandle h : all) {
            // the daemon first, then what it had started: killed the other way round, a daemon still
            // alive for a moment replaces its tmux control client, and that one, orphaned, can
            // make a tmux server of its own once the kill-server below has run
            List<ProcessHandle> children = h.descendants().toList();
            h.destroyForcibly();
            try {
                h.onExit().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // killed with SIGKILL: it is gone, or the kill below of what names the socket is the remedy
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
        // sessions outlive their daemon by design; a test's must not outlive the test, nor write
        // into its temporary directory while JUnit deletes it
        try {
            List<ProcessHandle> panes = new ArrayList<>();
            Process list = new ProcessBuilder("tmux", "-S", tmuxSocket().toString(), "list-panes", "-a", "-F", "#{pane_pid}")
                    .redirectErrorStream(true).start();
            for (String pid : new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!pid.matches("\\d+")) continue;
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
                    panes.addAll(h.descendants().toList());
                    panes.add(h);
                });
            }
            new ProcessBuilder("tmux", "-S", tmuxSocket().toString(), "kill-server")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
            panes.forEach(ProcessHandle::destroyForcibly);
            // anything left that names this namespace's tmux socket: a control client orphaned by
            // its daemon's death, a server such a client made
            String socket = tmuxSocket().toString();
            ProcessHandle.allProcesses()
                    .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains(socket)).orElse(false))
                    .forEach(h -> {
                        panes.add(h);
                        h.destroyForcibly();
                    });
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (panes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling a condition, with a deadline
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The daemon's own tmux server. */
    public Path tmuxSocket() {
        return locations.namespaceDir().resolve("tmux");
    }

    /** Writes backends.yaml into this namespace's config directory (before the daemon starts). */
    public void backendsYaml(String yaml) throws IOException {
        Files.createDirectories(locations.configDir());
        Files.writeString(locations.configDir().resolve("backends.yaml"), yaml);
    }
}
