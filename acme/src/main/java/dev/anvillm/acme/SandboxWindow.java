package dev.anvillm.acme;

import dev.anvillm.client.ClientException;
import dev.anvillm.client.Session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code /AnviLLM/+Sandbox}: the policy in force, that is {@code sandbox.yaml} (or the defaults
 * when there is none), and what each session's sandbox enforces by its {@code info};
 * {@code Edit} opens sandbox.yaml in Acme.
 */
final class SandboxWindow {
    private SandboxWindow() {}

    static Path policyFile(Map<String, String> env) {
        String xdg = env.getOrDefault("XDG_CONFIG_HOME", "");
        Path config = xdg.isEmpty() ? Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config") : Path.of(xdg);
        return config.resolve("anvillm").resolve("sandbox.yaml");
    }

    static void open(Assist assist, Map<String, String> env) throws IOException {
        Path file = policyFile(env);
        String title = Assist.NAME + "+Sandbox";
        if (assist.reveal(title)) return;
        Win w = assist.acme.open(title, "Get Edit");
        show(assist, w, file);
        assist.follow(title, w, g -> {
            String verb = g.event().isExecute() ? g.text().strip() : "";
            try {
                switch (verb) {
                    case "Get" -> show(assist, w, file);
                    case "Edit" -> {
                        Win edit = assist.acme.open(file.toString(), "");
                        edit.ctl("get");
                        edit.close();
                    }
                    default -> assist.handBack(w, g);
                }
            } catch (IOException e) {
                assist.error("Sandbox: " + e.getMessage());
            }
        }, () -> { });
    }

    private static void show(Assist assist, Win w, Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        if (Files.isRegularFile(file)) {
            b.append("# ").append(file).append(" (changes apply to sessions started or restarted after them)\n");
            b.append(Files.readString(file));
            if (b.charAt(b.length() - 1) != '\n') b.append('\n');
        } else {
            b.append("# no ").append(file).append(": the defaults are in force (sandbox.example.yaml documents them); Edit creates it\n");
        }
        b.append("\n# per session (from info)\n");
        for (Session s : assist.sessionsNow()) {
            try {
                var info = assist.client.info(s.id());
                for (var fact : info.facts()) {
                    if (fact.getKey().startsWith("sandbox")) b.append(s.id()).append("  ").append(fact.getKey()).append("  ").append(fact.getValue()).append('\n');
                }
            } catch (ClientException gone) {
                // killed meanwhile
            }
        }
        w.replace(0, Edit.runes(w.body()), b.toString());
        w.ctl("clean");
    }
}
