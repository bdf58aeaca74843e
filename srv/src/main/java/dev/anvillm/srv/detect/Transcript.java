package dev.anvillm.srv.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        // From the end, a window growing fourfold until it holds the last prompt: a turn's reply
        // costs what the turn wrote, not the whole conversation (megabytes after a long one)
        try (FileChannel ch = FileChannel.open(jsonl, StandardOpenOption.READ)) {
            long size = ch.size();
            for (long window = TAIL; ; window *= 4) {
                long from = Math.max(0, size - window);
                List<JsonNode> entries = entries(ch, from, size);
                int lastPrompt = -1;
                for (int i = 0; i < entries.size(); i++) {
                    if (isPrompt(entries.get(i))) lastPrompt = i;
                }
                if (lastPrompt >= 0 || from == 0) return replyAfter(entries, lastPrompt);
            }
        }
    }

    /** The first window read from a transcript's end. */
    static final long TAIL = 64 * 1024;

    /** The entries of the lines between {@code from} and {@code to}; a line cut by {@code from} is skipped. */
    private static List<JsonNode> entries(FileChannel ch, long from, long to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(to - from));
        while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
            // read on: a file channel may return fewer bytes than asked
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        List<JsonNode> entries = new ArrayList<>();
        for (int i = from > 0 ? 1 : 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            try {
                entries.add(JSON.readTree(lines[i]));
            } catch (IOException e) {
                // a line being written right now, or foreign: skip it
            }
        }
        return entries;
    }

    private static String replyAfter(List<JsonNode> entries, int lastPrompt) {
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
