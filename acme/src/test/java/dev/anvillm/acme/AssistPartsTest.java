package dev.anvillm.acme;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The pieces of Assist that need no acme: event messages, rune arithmetic, command names. */
class AssistPartsTest {
    @Test
    void eventMessagesSplitAnywhereEvenInsideARuneParseWhole() {
        String wire = "MX10 14 0 4 Stop\nML3 5 2 2 é€\nMX0 0 0 0 \nKI0 3 0 3 a\nb\n";
        byte[] b = wire.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < b.length; cut++) {
            AcmeEvent.Parser p = new AcmeEvent.Parser();
            List<AcmeEvent> got = new ArrayList<>(p.add(Arrays.copyOfRange(b, 0, cut)));
            got.addAll(p.add(Arrays.copyOfRange(b, cut, b.length)));
            assertEquals(4, got.size(), "cut at " + cut);
            assertEquals(new AcmeEvent('M', 'X', 10, 14, 0, 4, "Stop"), got.get(0));
            assertEquals("é€", got.get(1).text());
            assertEquals("a\nb", got.get(3).text(), "text may hold newlines: n counts runes");
        }
    }

    @Test
    void handingBackWritesTheOriginKindAndAddressesOnly() {
        assertEquals("Mx12 20\n", new AcmeEvent('M', 'x', 12, 20, 1, 8, "Frobnick").handBack());
    }

    @Test
    void theChangeBetweenTwoTextsIsTheRunesBetweenTheirCommonStartAndEnd() {
        assertNull(Edit.between("same", "same"));
        assertEquals(new Edit.Change(4, 11, "stopped"), Edit.between("abc idle     x", "abc stopped  x"));
        assertEquals(new Edit.Change(1, 1, "€"), Edit.between("ab", "a€b"));
        assertEquals(2, Edit.lineAt("a\nb\nc", 4));
        assertEquals(List.of(2, 3), Arrays.stream(Edit.lineSpan("a\nb\nc", 1)).boxed().toList());
    }

    @Test
    void lineChangesPairLinesByTheirFirstWordAndComeLastFirst() {
        String from = "H a  b\nx 1\ny 2\nz 3\n";
        String to = "H a   b\nx 1\nz 33\nw 4\n";
        List<Edit.Change> c = Edit.byLine(from, to);
        assertEquals(List.of(new Edit.Change(19, 19, "w 4\n"), new Edit.Change(18, 18, "3"), new Edit.Change(11, 15, ""),
                new Edit.Change(5, 5, " ")), c);
        String applied = from;
        for (Edit.Change ch : c) applied = Edit.prefix(applied, ch.q0()) + ch.text() + Edit.from(applied, ch.q1());
        assertEquals(to, applied);
        assertEquals(List.of(), Edit.byLine(to, to));
    }

    @Test
    void backendsAreNamedCapitalisedWithoutCli() {
        assertEquals("Claude", Table.commandName("claude"));
        assertEquals("Kiro", Table.commandName("kiro-cli"));
        assertEquals("Sh", Table.commandName("sh"));
    }
}
