package dev.anvillm.srv.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TranscriptTest {
    @TempDir
    Path dir;

    private static String prompt(String text) {
        return "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"" + text + "\"}}\n";
    }

    private static String toolResult() {
        return "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"ok\"}]}}\n";
    }

    private static String assistant(String id, String text) {
        return "{\"type\":\"assistant\",\"message\":{\"id\":\"" + id + "\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text + "\"}]}}\n";
    }

    @Test
    void theReplyIsTheLastAssistantMessageAfterTheLastPromptWholeAcrossItsLines() throws IOException {
        Path t = Files.writeString(dir.resolve("t.jsonl"), prompt("one") + assistant("a1", "first answer")
                + prompt("two") + assistant("a2", "looking") + toolResult() + assistant("a3", "part one") + assistant("a3", "part two"));
        assertEquals("part one\npart two", Transcript.lastReply(t));
    }

    @Test
    void aLongConversationIsReadFromItsEndAndAReplyLongerThanTheFirstWindowIsWhole() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) sb.append(prompt("old " + i)).append(assistant("old" + i, "x".repeat(200)));
        sb.append(prompt("last"));
        // the reply's lines alone are longer than the first window: the read must reach back to the prompt
        String line = "y".repeat(1000);
        int parts = (int) (Transcript.TAIL / line.length()) + 10;
        StringBuilder want = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            sb.append(assistant("big", line + i));
            want.append(i == 0 ? "" : "\n").append(line).append(i);
        }
        Path t = Files.writeString(dir.resolve("long.jsonl"), sb.toString());
        assertEquals(want.toString(), Transcript.lastReply(t));
    }

    @Test
    void noPromptYetGivesTheLastAnswerAndAnEmptyFileNothing() throws IOException {
        assertEquals("hello", Transcript.lastReply(Files.writeString(dir.resolve("a.jsonl"), assistant("a", "hello"))));
        assertEquals("", Transcript.lastReply(Files.writeString(dir.resolve("e.jsonl"), "")));
        assertEquals("", Transcript.lastReply(Files.writeString(dir.resolve("p.jsonl"), prompt("asked"))));
    }
}
