package dev.anvillm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a real anvilsrv (fgstart) in a private namespace and state directory, for a benchmark. */
final class Daemons implements AutoCloseable {
    /** backends.yaml with backend {@code bench}: the test agent taking no time per turn, so what is measured is anvillm. */
    static final String BENCH_AGENT = """
            backends:
              bench:
                extends: testagent
                args: [--work-ms, "0"]
            """;
    final Path namespace;
    final Path home;
    final Process process;
    /** What the daemon was started with beyond the bench's own environment: NAMESPACE, XDG_*. */
    final Map<String, String> env;
    /** Everything of this daemon's on disk: namespace, state, config, log. */
    final Path dir;

    private Daemons(Path namespace, Path home, Process process, Map<String, String> env, Path dir) {
        this.namespace = namespace;
        this.home = home;
        this.process = process;
        this.env = Map.copyOf(env);
        this.dir = dir;
    }

    static Daemons start(Map<String, String> extraEnv) throws IOException, InterruptedException {
        return start(extraEnv, null);
    }

    /** With {@code backendsYaml} as the daemon's backends.yaml (or none). */
    static Daemons start(Map<String, String> extraEnv, String backendsYaml) throws IOException, InterruptedException {
        return start(extraEnv, backendsYaml, System.getProperty("java.class.path"));
    }

    /** The daemon of {@code classpath}: another build of anvilsrv, to compare with in the same run. */
    static Daemons start(Map<String, String> extraEnv, String backendsYaml, String classpath) throws IOException, InterruptedException {
        // under the user's cache, not /tmp: like a real install, the state directory is then not
        // inside the sessions' temporary directory (which the sandbox would have to carve around)
        Path cache = Path.of(System.getProperty("user.home"), ".cache");
        Files.createDirectories(cache);
        Path tmp = Files.createTempDirectory(cache, "anvillm-bench");
        if (backendsYaml != null) {
            Files.createDirectories(tmp.resolve("config/anvillm"));
            Files.writeString(tmp.resolve("config/anvillm/backends.yaml"), backendsYaml);
        }
        Path ns = tmp.resolve("ns");
        Files.createDirectory(ns, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        String project = System.getProperty("anvillm.home", ".");
        // anvillm.home as bin/anvilsrv passes it (earlier builds, compared with --before, need it)
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "@" + Path.of(project, "bin/lib/anvilsrv.jvm"),
                "-Danvillm.home=" + Path.of(project).toAbsolutePath(), "--enable-native-access=ALL-UNNAMED",
                "-cp", classpath, "dev.anvillm.srv.Anvilsrv", "fgstart"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = new java.util.HashMap<>(Map.of("NAMESPACE", ns.toString(),
                "XDG_STATE_HOME", tmp.resolve("state").toString(), "XDG_CONFIG_HOME", tmp.resolve("config").toString()));
        env.putAll(extraEnv);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("daemon.log").toFile());
        Daemons d = new Daemons(ns, home, pb.start(), env, tmp);
        Path socket = ns.resolve("agent");
        long deadline = System.nanoTime() + 30_000_000_000L;
        try {
            while (!Files.exists(socket)) {
                if (!d.process.isAlive()) throw new IOException("daemon exited: " + Files.readString(tmp.resolve("daemon.log")));
                if (System.nanoTime() > deadline) throw new IOException("daemon did not create its socket within 30 s");
                Thread.sleep(20); // polling the daemon's start, with a deadline
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            d.close(); // a daemon that did not come up leaves nothing behind either
            throw e;
        }
        return d;
    }

    /** {@code anvilsrv args...} on this daemon's namespace, as a user runs it; its output is discarded. */
    ProcessBuilder anvilsrv(String... args) {
        ProcessBuilder pb = command(args);
        pb.environment().putAll(env);
        return pb;
    }

    /** {@code anvilsrv --help}: what any anvilsrv command costs before it does anything. */
    static ProcessBuilder helpCommand() {
        return command("--help");
    }

    private static ProcessBuilder command(String... args) {
        String project = System.getProperty("anvillm.home", ".");
        // anvillm.home as bin/anvilsrv passes it (earlier builds, compared with --before, need it)
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "@" + Path.of(project, "bin/lib/anvilsrv.jvm"),
                "-Danvillm.home=" + Path.of(project).toAbsolutePath(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.anvillm.srv.Anvilsrv"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code tmux args...} on this daemon's tmux server, as a user at a terminal runs it; its output. */
    String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", namespace.resolve("tmux").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException("tmux " + args[0] + ": " + out.strip());
        return out;
    }

    /** Waits (two minutes at most) until this daemon runs no JVM of its own (a training run of a new state directory). */
    void awaitNoTraining() throws IOException, InterruptedException {
        awaitNoTraining(process.toHandle());
    }

    /** Waits (two minutes at most) until {@code daemon} runs no JVM of its own (a training run). */
    static void awaitNoTraining(ProcessHandle daemon) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
        Thread.sleep(500); // its preparation begins a moment after it answers
        while (daemon.descendants().anyMatch(h -> h.info().command().orElse("").endsWith("/java"))) {
            if (System.nanoTime() > deadline) throw new IOException("the daemon's training runs did not end within two minutes");
            Thread.sleep(100); // polling a condition, with a deadline
        }
    }

    Path socket() {
        return namespace.resolve("agent");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // sessions outlive their daemon by design; a benchmark's, left by one cut short, must not
        try {
            tmux("kill-server");
        } catch (IOException e) {
            // no server runs: the benchmark killed its sessions, and the server went with its daemon
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // a benchmark leaves nothing behind: its namespace, state and logs go with it
        try (var all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("bench: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
