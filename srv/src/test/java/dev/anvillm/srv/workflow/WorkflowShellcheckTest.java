package dev.anvillm.srv.workflow;

import dev.anvillm.srv.session.TestSessions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The workflow scripts pass shellcheck (bin/test installs it), following what they source; so do
 * bin/install and the runit service's scripts (services/runit).
 */
class WorkflowShellcheckTest {
    @Test
    void everyWorkflowScriptAndItsLibraryIsShellcheckClean() throws Exception {
        Path home = TestSessions.projectHome();
        List<String> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(home.resolve("scripts"))) {
            all.filter(Files::isRegularFile).map(p -> home.relativize(p).toString()).sorted().forEach(files::add);
        }
        assertTrue(files.containsAll(List.of("scripts/DevReview", "scripts/DevReviewQA", "scripts/Planning", "scripts/lib/workflow.sh")), files.toString());
        files.addAll(List.of("bin/install", "services/runit/anvilsrv/run", "services/runit/anvilsrv/finish", "services/runit/anvilsrv/log/run"));
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "-x"));
        cmd.addAll(files);
        Process p;
        try {
            // from the project's root, where the scripts' "shellcheck source=" paths start
            p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("shellcheck is not installed: apt-get install shellcheck (bin/test does)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "shellcheck did not finish");
        assertEquals(0, p.exitValue(), out);
    }
}
