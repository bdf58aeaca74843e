package dev.anvillm.srv.detect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a turn answered: what its Stop hook said (Claude Code says it exactly; its transcript
 * lands a few hundred ms later), else the transcript's last reply, else, for a backend without
 * hooks whose screen ended the turn, the screen's last 40 lines.
 */
public record TurnReply(String text, boolean fromScreen) {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    /**
     * @param stop the Stop hook that ended the turn, or null when the screen (or the agent's own
     *     {@code state} write) did
     * @param transcriptPath where the session's transcript was last said to be, or null
     * @param screen the screen last read, used only when {@code hooks} is false and no stop was given
     */
    public static TurnReply of(String id, HookEvent stop, String transcriptPath, boolean hooks, String screen) {
        String path = stop != null && stop.transcriptPath() != null ? stop.transcriptPath() : transcriptPath;
        String told = stop == null ? null : stop.text("last_assistant_message");
        if (told != null) return new TurnReply(told, false);
        if (path != null && Files.exists(Path.of(path))) {
            try {
                return new TurnReply(Transcript.lastReply(Path.of(path)), false);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "session {0}: cannot read transcript: {1}", id, e.getMessage());
                return new TurnReply("", false);
            }
        }
        if (stop == null && !hooks) return new TurnReply(ScreenReading.lastLines(screen, 40), true);
        return new TurnReply("", false);
    }

    /** Where an agent that cannot authenticate says so: the first line of its answer, or a screen's last lines. */
    public String authLines() {
        return fromScreen ? ScreenReading.lastLines(text, 12) : text.strip().lines().findFirst().orElse("");
    }
}
