package dev.anvillm.srv.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs a command as a child process with exactly the environment given, within a deadline. */
record Child(long pid, int exit, String out, String err) {
    static final long DEADLINE_SECONDS = 60;

    /** The java that runs these tests, and the launcher from their class path. */
    static List<String> launcher(Path policy) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(BuiltInLauncher.JVM_FLAGS);
        argv.addAll(List.of("-Xlog:disable", "-cp", System.getProperty("java.class.path"), LandlockExec.class.getName(),
                policy.toString(), "--"));
        return argv;
    }

    static Child run(Path dir, Map<String, String> env, List<String> argv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("no exit within " + DEADLINE_SECONDS + " s: " + argv);
        }
        return new Child(p.pid(), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
