package dev.anvillm.emacs;

import dev.anvillm.client.TestDaemon;
import dev.anvillm.ninep.cli.NinepCommand;
import dev.anvillm.srv.Anvilsrv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The Emacs mode's own tests, in {@code emacs --batch}: the lint (byte-compile with warnings as
 * errors, checkdoc, package-lint), the ERT tests that need no daemon, and the ERT tests against a
 * real daemon with the {@code quick} test agent. Each passes when Emacs exits 0; its output is the
 * failure message otherwise.
 */
class EmacsModeTest {
    static final Path EMACS_DIR = Path.of(System.getProperty("user.dir"));
    static final long EMACS_DEADLINE_S = 300;

    @Test
    void byteCompilesWithoutWarningsAndIsCheckdocAndPackageLintClean(@TempDir Path dir) throws Exception {
        Path packageLint = packageLintDir();
        emacs(Map.of(), dir, "-L", packageLint.toString(), "-l", "test/anvillm-lint.el", dir.resolve("lint").toString());
    }

    @Test
    void ertTestsOfTheProtocolAndParsers(@TempDir Path dir) throws Exception {
        emacs(Map.of(), dir, "-L", ".", "-l", "test/anvillm-9p-test.el", "-f", "ert-run-tests-batch-and-exit");
    }

    @Test
    void ertTestsAgainstARealDaemon(@TempDir Path dir) throws Exception {
        try (TestDaemon d = new TestDaemon(dir)) {
            Map<String, String> env = new HashMap<>(d.ns.env());
            env.put("ANVILLM_TEST_PROJECT", d.project.toString());
            env.put("ANVILLM_TEST_9P", java(NinepCommand.class.getName()));
            env.put("ANVILLM_TEST_ANVILSRV", java(Anvilsrv.class.getName()));
            emacs(env, dir, "-L", ".", "-l", "test/anvillm-test.el", "-f", "ert-run-tests-batch-and-exit");
        }
    }

    /** A command line running {@code mainClass} on this JVM's class path, as Emacs's split-string-and-unquote reads it. */
    static String java(String mainClass) {
        // anvillm.home as the launchers pass it (the daemon started again finds the test agent there)
        return Stream.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                        "-Danvillm.home=" + EMACS_DIR.getParent(), "-cp", System.getProperty("java.class.path"), mainClass)
                .map(w -> "\"" + w.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(" "));
    }

    /** Debian's elpa-package-lint. */
    static Path packageLintDir() throws IOException {
        Path elpa = Path.of("/usr/share/emacs/site-lisp/elpa");
        try (Stream<Path> dirs = Files.isDirectory(elpa) ? Files.list(elpa) : Stream.empty()) {
            Path found = dirs.filter(p -> p.getFileName().toString().startsWith("package-lint-")).findFirst().orElse(null);
            assertNotNull(found, "package-lint is missing: apt-get install elpa-package-lint (bin/test installs it)");
            return found;
        }
    }

    /** Runs {@code emacs --batch -Q args} in the mode's directory; fails with its output unless it exits 0. */
    static void emacs(Map<String, String> env, Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("emacs", "--batch", "-Q"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("emacs.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(EMACS_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        pb.environment().put("PATH", pathWithout9p(pb.environment().getOrDefault("PATH", "/usr/bin:/bin")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run emacs: apt-get install emacs-nox (bin/test installs it): " + e.getMessage());
        }
        if (!p.waitFor(EMACS_DEADLINE_S, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        System.out.println(output);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + output);
    }

    /** The tests must pass with no plan9port: PATH without any directory holding a 9p. */
    static String pathWithout9p(String path) {
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(d -> !d.isEmpty() && !Files.isExecutable(Path.of(d, "9p")))
                .collect(Collectors.joining(File.pathSeparator));
    }
}
