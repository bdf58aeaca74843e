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
    final Path namespace;
    final Path home;
    final Process process;

    private Daemons(Path namespace, Path home, Process process) {
        this.namespace = namespace;
        this.home = home;
        this.process = process;
    }

    static Daemons start(Map<String, String> extraEnv) throws IOException, InterruptedException {
        return start(extraEnv, null);
    }

    /** With {@code backendsYaml} as the daemon's backends.yaml (or none). */
    static Daemons start(Map<String, String> extraEnv, String backendsYaml) throws IOException, InterruptedException {
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
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "@" + Path.of(System.getProperty("anvillm.home", "."), "bin/lib/anvilsrv.jvm"),
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.anvillm.srv.Anvilsrv", "fgstart"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NAMESPACE", ns.toString());
        pb.environment().put("XDG_STATE_HOME", tmp.resolve("state").toString());
        pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("config").toString());
        pb.environment().putAll(extraEnv);
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("daemon.log").toFile());
        Process p = pb.start();
        Path socket = ns.resolve("agent");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(socket)) {
            if (!p.isAlive()) throw new IOException("daemon exited: " + Files.readString(tmp.resolve("daemon.log")));
            if (System.nanoTime() > deadline) throw new IOException("daemon did not create its socket within 30 s");
            Thread.sleep(20);
        }
        return new Daemons(ns, home, p);
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
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
    }
}
