package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.sandbox.SessionPolicy.Access;
import dev.anvillm.srv.sandbox.SessionPolicy.Rule;
import dev.anvillm.srv.store.AtomicFiles;

import dev.anvillm.srv.supervise.Processes;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;

/**
 * The {@code 9p} an agent finds on its PATH (SPEC §9): plan9port's when the session can run it,
 * else the project's own client, {@code <state>/sandbox/9p/bin/9p}, a shell script that runs it
 * with the daemon's JDK. Its classes are copied out of the daemon's class path into a small jar
 * beside it, named by their hash; like the launcher's, they live in the state directory, where
 * no session can change the code another session runs. A training run against the daemon's
 * socket builds an AOT cache for it (JDK 25), which more than halves its whole-process time;
 * until it exists the script runs without one.
 */
final class NinepTool {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    static final String MAIN = "dev.anvillm.ninep.cli.NinepCommand";
    /** What {@code 9p} loads: the command, the client and the codec (no Netty: that is the server's). */
    private static final List<String> PACKAGES = List.of("dev/anvillm/ninep/cli/", "dev/anvillm/ninep/client/",
            "dev/anvillm/ninep/proto/");
    /** Short-lived: C1 only, serial GC, small, no hsperfdata in /tmp, no JVM chatter on the agent's terminal. */
    private static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-Xms8m", "-Xmx64m", "-Xss512k", "-Xlog:disable", "-Xlog:all=off");

    private final Path dir;
    private final Path java;
    private Path jar;

    /** @param dir where the jar, its AOT cache and {@code bin/9p} live (inside the state directory) */
    NinepTool(Path dir) {
        this.dir = dir;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** What must stay unwritable for the tool to be trusted, and readable for it to run: the JDK and its directory. */
    List<Path> paths() {
        return List.of(Path.of(System.getProperty("java.home")), dir);
    }

    Path bin() {
        return dir.resolve("bin");
    }

    /**
     * The session's PATH: plan9port's {@code 9p} when one on {@code path} can run under
     * {@code rules}, else this tool's directory first.
     */
    String sessionPath(String path, List<Rule> rules) {
        String p = path == null || path.isEmpty() ? "/usr/local/bin:/usr/bin:/bin" : path;
        String ours = bin().toString();
        for (String d : p.split(":")) {
            if (d.isEmpty() || d.equals(ours)) continue;
            Path c = Path.of(d, "9p");
            if (!Files.isExecutable(c) || Files.isDirectory(c)) continue;
            try {
                Path real = c.toRealPath();
                if (rules.stream().anyMatch(r -> r.access().executes() && real.startsWith(r.path()))) return p + ":" + ours;
            } catch (IOException e) {
                // a dangling link: not a 9p anyone can run
            }
            break; // the first 9p found is the one a shell runs, and it cannot run here
        }
        return ours + ":" + p;
    }

    /** Read and execute rules for the JDK and the tool, unless the session's rules already give them. */
    void addRules(List<Rule> rules) throws IOException {
        for (Path p : paths()) {
            Path real = p.toRealPath();
            if (rules.stream().noneMatch(r -> r.access().executes() && real.startsWith(r.path()))) {
                rules.add(new Rule(Access.ROX, real, "9p client"));
            }
        }
    }

    /** Writes the jar and {@code bin/9p} when missing; cheap when they are there. */
    synchronized void install() throws IOException {
        if (jar != null && Files.isRegularFile(jar) && Files.isExecutable(script())) return;
        List<ClassPath.Entry> classes = ClassPath.entries(PACKAGES);
        if (classes.stream().noneMatch(e -> e.name().equals(MAIN.replace('.', '/') + ".class"))) {
            throw new IOException("the 9p client is not on the daemon's class path");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        for (ClassPath.Entry e : classes) {
            sha.update(e.name().getBytes(StandardCharsets.UTF_8));
            sha.update(Long.toHexString(e.crc()).getBytes(StandardCharsets.UTF_8));
        }
        Path target = dir.resolve("9p-" + HexFormat.of().formatHex(sha.digest(), 0, 6) + ".jar");
        if (!Files.isRegularFile(target)) {
            Files.createDirectories(dir);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JarOutputStream j = new JarOutputStream(out)) {
                ClassPath.copy(classes, j);
            }
            AtomicFiles.write(target, out.toByteArray());
            // an earlier build's jar and cache: nothing runs them once bin/9p names the new one
            String stem = target.getFileName().toString().replace(".jar", "");
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : old.filter(p -> p.getFileName().toString().startsWith("9p-") && !p.getFileName().toString().startsWith(stem)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        jar = target;
        writeScript(Files.isRegularFile(cache(target)));
    }

    /**
     * Builds the AOT cache by running {@code 9p read agent/list} against the daemon in
     * {@code namespaceDir}, waiting at most {@code millis}; then {@code bin/9p} uses it.
     */
    void train(Path namespaceDir, long millis) throws IOException, InterruptedException {
        install();
        Path target;
        synchronized (this) {
            target = jar;
        }
        Path cache = cache(target);
        if (Files.isRegularFile(cache)) return;
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        try {
            List<String> cmd = new ArrayList<>(List.of(java.toString()));
            cmd.addAll(JVM_FLAGS);
            cmd.addAll(List.of("-XX:AOTCacheOutput=" + tmp, "-cp", target.toString(), MAIN, "read", "agent/list"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            for (String k : Sandbox.JVM_ENV) pb.environment().remove(k);
            pb.environment().put("NAMESPACE", namespaceDir.toString());
            Process p = pb.start();
            if (!Processes.awaitOrEnd(p, Duration.ofMillis(millis))) {
                LOG.log(System.Logger.Level.WARNING, "sandbox: the AOT training run of 9p timed out; sessions run it without the cache");
            } else if (p.exitValue() == 0 && Files.isRegularFile(tmp)) {
                Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                synchronized (this) {
                    writeScript(true);
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, "sandbox: the AOT training run of 9p failed (exit {0}); sessions run it without the cache",
                        p.exitValue());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private Path script() {
        return bin().resolve("9p");
    }

    private Path cache(Path jar) {
        String v = System.getProperty("java.vm.version", "jvm").replaceAll("[^A-Za-z0-9.+_-]", "_");
        return jar.resolveSibling(jar.getFileName().toString().replace(".jar", "-" + v + ".aot"));
    }

    private void writeScript(boolean withCache) throws IOException {
        StringBuilder b = new StringBuilder("#!/bin/sh\n# anvillm's 9p (plan9port's verbs read write ls stat rdwr), written by anvilsrv\nexec ");
        b.append(quote(java.toString()));
        for (String f : JVM_FLAGS) b.append(' ').append(f);
        if (withCache) b.append(' ').append(quote("-XX:AOTCache=" + cache(jar)));
        b.append(" -cp ").append(quote(jar.toString())).append(' ').append(MAIN).append(" \"$@\"\n");
        Files.createDirectories(bin());
        AtomicFiles.write(script(), b.toString().getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** One word for sh, whatever it holds. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Files of some packages on the daemon's class path (directories or jars), first one of a name wins, in a stable order. */
    private static final class ClassPath {
        /** @param crc its CRC-32 (a jar says it without inflating the entry) */
        record Entry(String name, long crc, Path source) {}

        /** Writes {@code entries} into {@code jar}, each source jar opened once. */
        static void copy(List<Entry> entries, JarOutputStream jar) throws IOException {
            Map<Path, ZipFile> open = new HashMap<>();
            try {
                for (Entry e : entries) {
                    JarEntry entry = new JarEntry(e.name());
                    entry.setTime(0);
                    jar.putNextEntry(entry);
                    if (Files.isDirectory(e.source())) {
                        jar.write(Files.readAllBytes(e.source().resolve(e.name())));
                    } else {
                        ZipFile z = open.get(e.source());
                        if (z == null) open.put(e.source(), z = new ZipFile(e.source().toFile()));
                        try (InputStream in = z.getInputStream(z.getEntry(e.name()))) {
                            in.transferTo(jar);
                        }
                    }
                    jar.closeEntry();
                }
            } finally {
                for (ZipFile z : open.values()) z.close();
            }
        }

        static List<Entry> entries(List<String> packages) throws IOException {
            Map<String, Entry> out = new TreeMap<>();
            for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (element.isEmpty()) continue;
                Path p = Path.of(element);
                if (Files.isDirectory(p)) {
                    for (String pkg : packages) {
                        if (!Files.isDirectory(p.resolve(pkg))) continue;
                        try (Stream<Path> files = Files.walk(p.resolve(pkg))) {
                            for (Path f : files.filter(Files::isRegularFile).toList()) {
                                CRC32 crc = new CRC32();
                                crc.update(Files.readAllBytes(f));
                                out.putIfAbsent(p.relativize(f).toString(), new Entry(p.relativize(f).toString(), crc.getValue(), p));
                            }
                        }
                    }
                } else if (Files.isRegularFile(p)) {
                    try (ZipFile z = new ZipFile(p.toFile())) {
                        z.stream().filter(e -> !e.isDirectory() && packages.stream().anyMatch(e.getName()::startsWith))
                                .forEach(e -> out.putIfAbsent(e.getName(), new Entry(e.getName(), e.getCrc(), p)));
                    }
                }
            }
            return List.copyOf(out.values());
        }
    }
}
