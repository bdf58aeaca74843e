package dev.anvillm.acme;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.DaemonFacts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The daemon as Assist sees it: started when not running, and the {@code +Daemon} window (status; Start Stop Restart). */
final class Daemon {
    static final long WAIT_SECONDS = 90;

    private Daemon() {}

    /** Starts anvilsrv when nothing answers; returns why that failed, or null. */
    static String ensureRunning(AgentClient client, String anvilsrv, Map<String, String> env) {
        try {
            client.list();
            return null;
        } catch (ClientException notRunning) {
            return run(anvilsrv, env, "start");
        }
    }

    /** Runs {@code anvilsrv <verb>}; returns its failure as one line, or null. */
    static String run(String anvilsrv, Map<String, String> env, String verb) {
        List<String> argv = List.of(anvilsrv, verb);
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes(); // ends when anvilsrv exits (start returns once the socket answers)
            if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "anvilsrv " + verb + " did not finish within " + WAIT_SECONDS + "s";
            }
            if (p.exitValue() == 0) return null;
            String said = new String(out, StandardCharsets.UTF_8).strip();
            String last = said.isEmpty() ? "exit " + p.exitValue() : said.substring(said.lastIndexOf('\n') + 1);
            return "anvilsrv " + verb + " failed: " + last;
        } catch (IOException e) {
            return "cannot run " + argv.getFirst() + " " + verb + ": " + e.getMessage() + "; put anvilsrv on PATH";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "anvilsrv " + verb + " interrupted";
        }
    }

    /** The project's bin/anvilsrv when Assist runs from the project's launcher, else anvilsrv on PATH. */
    static String anvilsrv() {
        String home = System.getProperty("anvillm.home");
        if (home != null) {
            Path p = Path.of(home, "bin", "anvilsrv");
            if (Files.isExecutable(p)) return p.toString();
        }
        return "anvilsrv";
    }

    /** Opens {@code /AnviLLM/+Daemon}: the status, and Start Stop Restart. */
    static void window(Assist assist, Map<String, String> env) throws IOException {
        String name = Assist.NAME + "+Daemon";
        if (assist.reveal(name)) return;
        Win w = assist.acme.open(name, "Get Start Stop Restart");
        show(assist, w);
        assist.follow(name, w, g -> {
            String verb = g.event().isExecute() ? g.text().strip() : "";
            String failed = switch (verb) {
                case "Get" -> null;
                case "Start" -> run(assist.anvilsrv, env, "start");
                case "Stop" -> run(assist.anvilsrv, env, "stop");
                case "Restart" -> {
                    String f = run(assist.anvilsrv, env, "stop");
                    yield f != null ? f : run(assist.anvilsrv, env, "start");
                }
                default -> {
                    assist.handBack(w, g);
                    yield "";
                }
            };
            if (failed != null && !failed.isEmpty()) assist.error(failed);
            if (failed == null || !failed.isEmpty()) show(assist, w);
        }, () -> { });
    }

    private static void show(Assist assist, Win w) {
        try {
            String text = DaemonFacts.of(assist.client).text() + "\n";
            w.replace(0, Edit.runes(w.body()), text);
            w.ctl("clean");
        } catch (IOException e) {
            // the window was deleted
        }
    }
}
