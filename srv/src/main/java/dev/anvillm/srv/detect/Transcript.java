package dev.anvillm.srv.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Claude-Code-style JSONL transcript: {"type":"user"|"assistant", "message":{...}}. The
 * reply of a turn is the text of the last assistant message after the last prompt (a user
 * entry that is not a tool result); a message split over several lines shares one message id.
 */
public final class Transcript {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Transcript() {}

    public static String lastReply(Path jsonl) throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (line.isBlank()) continue;
            try {
                entries.add(JSON.readTree(line));
            } catch (IOException e) {
                // a line being written right now, or foreign: skip it
            }
        }
        int lastPrompt = -1;
        for (int i = 0; i < entries.size(); i++) {
            if (isPrompt(entries.get(i))) lastPrompt = i;
        }
        String lastId = null;
        for (int i = entries.size() - 1; i > lastPrompt; i--) {
            JsonNode e = entries.get(i);
            if (isAssistant(e) && !text(e).isEmpty()) {
                lastId = e.path("message").path("id").asText(e.path("uuid").asText(""));
                break;
            }
        }
        if (lastId == null) return "";
        StringBuilder sb = new StringBuilder();
        for (int i = lastPrompt + 1; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            if (!isAssistant(e)) continue;
            String id = e.path("message").path("id").asText(e.path("uuid").asText(""));
            if (!id.equals(lastId)) continue;
            String t = text(e);
            if (t.isEmpty()) continue;
            if (!sb.isEmpty()) sb.append("\n");
            sb.append(t);
        }
        return sb.toString();
    }

    private static boolean isAssistant(JsonNode e) {
        return "assistant".equals(e.path("type").asText());
    }

    static boolean isPrompt(JsonNode e) {
        if (!"user".equals(e.path("type").asText())) return false;
        if (e.path("isMeta").asBoolean(false)) return false;
        JsonNode c = e.path("message").path("content");
        if (c.isTextual()) return true;
        if (c.isArray()) {
            for (JsonNode b : c) if ("tool_result".equals(b.path("type").asText())) return false;
            return true;
        }
        return false;
    }

    private static String text(JsonNode e) {
        JsonNode c = e.path("message").path("content");
        if (c.isTextual()) return c.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode b : c) {
            if ("text".equals(b.path("type").asText())) {
                if (!sb.isEmpty()) sb.append("\n");
                sb.append(b.path("text").asText());
            }
        }
        return sb.toString();
    }
}
