package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.NinepException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CommandWordsTest {
    @Test
    void blanksSeparateWordsAndQuotesHoldThem() throws Exception {
        assertEquals(List.of("new", "sh", "/tmp/a b", "alias=x"), CommandWords.split("  new sh '/tmp/a b'\talias=x "));
        assertEquals(List.of("new", "sh", "/tmp/it's"), CommandWords.split("new sh \"/tmp/it's\""));
        assertEquals(List.of("a b c"), CommandWords.split("a' b 'c"));
        assertEquals(List.of("x", ""), CommandWords.split("x ''"));
        assertEquals(List.of(), CommandWords.split("   "));
    }

    @Test
    void anUnterminatedQuoteIsAnError() {
        NinepException e = assertThrows(NinepException.class, () -> CommandWords.split("new sh '/tmp"));
        assertEquals("unterminated single quote", e.getMessage());
    }
}
