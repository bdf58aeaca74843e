package dev.anvillm.srv.detect;

import com.fasterxml.jackson.databind.JsonNode;

/** One line of a session's hook file: what the CLI reported (Claude Code's hook JSON, or the test agent's). */
public record HookEvent(String name, JsonNode json) {
    public String text(String field) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    public String sessionId() {
        return text("session_id");
    }

    public String transcriptPath() {
        return text("transcript_path");
    }

    public String message() {
        return text("message");
    }

    /** A Notification that means a human must answer (a question or a permission prompt), not an idle reminder. */
    public boolean needsHuman() {
        if (!name.equals("Notification")) return false;
        String type = text("notification_type");
        if (type != null) return type.contains("permission") || type.contains("question") || type.contains("elicitation");
        String m = message();
        if (m == null) return false;
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("waiting for your input")) return false;
        return lower.contains("permission") || lower.contains("question") || lower.contains("approve") || lower.contains("confirm");
    }
}
