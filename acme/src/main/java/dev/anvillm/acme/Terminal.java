package dev.anvillm.acme;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Attach: a terminal running the session's {@code tmux attach}, as the daemon names it in
 * {@code info}. The terminal is {@code $ANVILLM_TERMINAL} (words split on blanks, so
 * {@code xterm -e} works), else {@code foot}; everything runs as an argv, never through a shell.
 */
final class Terminal {
    static final String DEFAULT = "foot";

    private Terminal() {}

    static Process attach(AgentClient client, Map<String, String> env, String id) throws ClientException {
        List<String> tmux = client.info(id).attachCommand();
        if (tmux == null) throw new ClientException("Attach: the daemon did not say where session " + id + " runs");
        String term = env.getOrDefault("ANVILLM_TERMINAL", "").strip();
        List<String> argv = new ArrayList<>(Arrays.asList((term.isEmpty() ? DEFAULT : term).split("\\s+")));
        argv.addAll(tmux);
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove("TMUX"); // the daemon's own tmux server: not nested in the user's
            return pb.start();
        } catch (IOException e) {
            throw new ClientException("Attach: cannot run " + argv.getFirst() + ": " + e.getMessage() + "; set $ANVILLM_TERMINAL");
        }
    }
}
