package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.store.AtomicFiles;

import dev.anvillm.srv.supervise.Processes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Runs {@link LandlockExec} in a JVM of its own. Its classes are copied out of the daemon's jar
 * into a small jar under the state directory (which no session can write, so no session can
 * change the code that sandboxes the next one), named by their hash. A one-time training run
 * then builds an AOT cache for it (JDK 25, {@code -XX:AOTCacheOutput}), which roughly halves the
 * launcher's start-up; until it exists, launches go without it.
 */
final class BuiltInLauncher {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    /** Start-up flags: C1 only, serial GC, no hsperfdata file in /tmp, no JVM chatter in the pane. */
    static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-XX:-UsePerfData");
    /** The JDK's CDS archive when there is no AOT cache (-Xshare cannot go with -XX:AOTCache*). */
    static final String SHARE = "-Xshare:auto";
    /** JVM logging (a stale AOT cache, say) would land in the pane; the launcher's own errors do not go through it. */
    private static final List<String> QUIET = List.of("-Xlog:disable");

    private final Path dir;
    private final Path java;
    private final boolean aot;
    private Path jar;
    private Thread training;

    /**
     * @param dir  where the launcher jar and its AOT cache live (inside the state directory)
     * @param aot  build and use the AOT cache
     */
    BuiltInLauncher(Path dir, boolean aot) {
        this.dir = dir;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
        this.aot = aot;
    }

    /** What must stay unwritable for this launcher to be trusted: the JDK and its own directory. */
    List<Path> paths() {
        return List.of(Path.of(System.getProperty("java.home")), dir);
    }

    /** The argv that sandboxes {@code backend} under the policy in {@code policyFile}. */
    List<String> argv(Path policyFile, List<String> backend) throws IOException {
        Path jar = jar();
        List<String> argv = new ArrayList<>();
        argv.add(java.toString());
        argv.addAll(JVM_FLAGS);
        Path cache = cache(jar);
        argv.add(aot && Files.isRegularFile(cache) ? "-XX:AOTCache=" + cache : SHARE);
        argv.addAll(QUIET);
        argv.addAll(List.of("-cp", jar.toString(), LandlockExec.class.getName(), policyFile.toString(), "--"));
        argv.addAll(backend);
        return argv;
    }

    /** The argv of a spare launcher reading its request from {@code fifo}; it exits when process {@code daemonPid} is gone. */
    List<String> spareArgv(Path fifo, long daemonPid) throws IOException {
        List<String> argv = new ArrayList<>(argv(Path.of("-"), List.of()));
        int at = argv.indexOf(LandlockExec.class.getName());
        argv.subList(at + 1, argv.size()).clear();
        argv.addAll(List.of("--spare", fifo.toString(), Long.toString(daemonPid)));
        return argv;
    }

    /** The launcher jar, written on first use. */
    synchronized Path jar() throws IOException {
        if (jar != null && Files.isRegularFile(jar)) return jar;
        List<Class<?>> classes = List.of(LandlockExec.class.getNestMembers());
        List<byte[]> bytes = new ArrayList<>();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        for (Class<?> c : classes) {
            byte[] b = classBytes(c);
            bytes.add(b);
            sha.update(b);
        }
        Path target = dir.resolve("launcher-" + HexFormat.of().formatHex(sha.digest(), 0, 6) + ".jar");
        if (!Files.isRegularFile(target)) {
            Files.createDirectories(dir);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JarOutputStream j = new JarOutputStream(out)) {
                for (int i = 0; i < classes.size(); i++) {
                    JarEntry e = new JarEntry(classes.get(i).getName().replace('.', '/') + ".class");
                    e.setTime(0);
                    j.putNextEntry(e);
                    j.write(bytes.get(i));
                    j.closeEntry();
                }
            }
            AtomicFiles.write(target, out.toByteArray());
        }
        jar = target;
        if (aot && !Files.isRegularFile(cache(target)) && training == null) {
            training = Thread.ofVirtual().name("sandbox-aot").start(() -> train(target));
        }
        return target;
    }

    /** Installs the jar and waits up to {@code millis} for its AOT cache. */
    void prepare(long millis) throws IOException, InterruptedException {
        jar();
        Thread t;
        synchronized (this) {
            t = training;
        }
        if (t != null) t.join(millis);
    }

    private Path cache(Path jar) {
        String v = System.getProperty("java.vm.version", "jvm").replaceAll("[^A-Za-z0-9.+_-]", "_");
        return jar.resolveSibling(jar.getFileName().toString().replace(".jar", "-" + v + ".aot"));
    }

    private void train(Path jar) {
        Path cache = cache(jar);
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        Path policy = dir.resolve("train.policy");
        try {
            String sample = LandlockExec.HEADER + "\nlog_level error\nrox /usr\nro /etc\nrw " + dir + "\nnetwork restricted\n"
                    + "connect_tcp 443\nenv PATH\nenv LC_*\n";
            AtomicFiles.write(policy, sample.getBytes(StandardCharsets.UTF_8));
            List<String> cmd = new ArrayList<>(List.of(java.toString()));
            cmd.addAll(JVM_FLAGS);
            cmd.addAll(List.of("-XX:AOTCacheOutput=" + tmp, "-cp", jar.toString(), LandlockExec.class.getName(), "--train", policy.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!Processes.awaitOrEnd(p, Duration.ofSeconds(120))) {
                LOG.log(System.Logger.Level.WARNING, "sandbox: the AOT training run of the launcher timed out; launches go without the cache");
            } else if (p.exitValue() == 0 && Files.isRegularFile(tmp)) {
                Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                LOG.log(System.Logger.Level.WARNING, "sandbox: the AOT training run of the launcher failed (exit {0}); launches go without the cache",
                        p.exitValue());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "sandbox: cannot build the AOT cache of the launcher: {0}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(policy);
            } catch (IOException e) {
                // left for the next run to overwrite
            }
        }
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        String name = c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class";
        try (InputStream in = c.getResourceAsStream(name)) {
            if (in == null) throw new IOException("the launcher class " + c.getName() + " is not on the daemon's class path");
            return in.readAllBytes();
        }
    }
}
