package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.sandbox.SessionPolicy.Access;
import dev.anvillm.srv.sandbox.SessionPolicy.Rule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtectedPathsTest {
    @TempDir
    Path tmp;
    Path home;
    Path config;
    Path state;
    Path run;

    @BeforeEach
    void tree() throws IOException {
        home = tmp.toRealPath().resolve("home");
        config = home.resolve(".config/anvillm");
        state = home.resolve(".local/state/anvillm");
        run = state.resolve("ns/run/abcd1234");
        Files.createDirectories(config);
        Files.createDirectories(run);
        Files.createDirectories(home.resolve(".config/git"));
        Files.createDirectories(home.resolve("src/p"));
        Files.createDirectories(home.resolve(".local/bin"));
        Files.writeString(home.resolve(".bashrc"), "");
        Files.createSymbolicLink(home.resolve("link"), Path.of("/etc"));
    }

    private ProtectedPaths guard() {
        return new ProtectedPaths(List.of(config, state), List.of(run));
    }

    private static Rule rule(Access a, Path p) {
        return new Rule(a, p, "test");
    }

    @Test
    void aRuleOnOrInsideAProtectedDirectoryBecomesReadOnly() {
        List<String> notes = new ArrayList<>();
        List<Rule> out = guard().apply(List.of(rule(Access.RWX, config), rule(Access.RW, state.resolve("ns"))), notes);
        assertEquals(List.of(rule(Access.ROX, config), rule(Access.RO, state.resolve("ns"))), out);
        assertEquals(2, notes.size());
        assertTrue(notes.getFirst().contains("granted read-only") && notes.getFirst().contains("no session may write"), notes.getFirst());
    }

    @Test
    void theRunDirStaysWritableAlthoughItIsInsideTheStateDirectory() {
        List<Rule> out = guard().apply(List.of(rule(Access.RW, run)), new ArrayList<>());
        assertEquals(List.of(rule(Access.RW, run)), out);
    }

    @Test
    void aRuleOnADirectoryHoldingAProtectedOneIsGrantedOnItsOtherEntries() {
        List<String> notes = new ArrayList<>();
        List<Rule> out = guard().apply(List.of(rule(Access.RWX, home)), notes);
        List<Rule> writable = out.stream().filter(r -> r.access().writes()).toList();
        List<Path> writablePaths = writable.stream().map(Rule::path).toList();

        assertTrue(out.contains(new Rule(Access.ROX, home, "test, read-only here")), out.toString());
        assertTrue(writablePaths.containsAll(List.of(home.resolve(".bashrc"), home.resolve("src"), home.resolve(".config/git"),
                home.resolve(".local/bin"))), writablePaths.toString());
        assertTrue(writable.stream().allMatch(r -> r.access() == Access.RWX));
        for (Path p : writablePaths) {
            assertFalse(config.startsWith(p) || p.startsWith(config), p + " reaches the config dir");
            assertFalse(state.startsWith(p) || p.startsWith(state), p + " reaches the state dir");
        }
        assertFalse(writablePaths.contains(home.resolve("link")), "a symlinked entry was never covered by the rule");
        assertFalse(ProtectedPaths.writable(config.resolve("sandbox.yaml"), out));
        assertFalse(ProtectedPaths.writable(run, out));
        assertFalse(ProtectedPaths.writable(home.resolve("new-file"), out));
        assertTrue(ProtectedPaths.writable(home.resolve("src/p/Main.java"), out));
        assertEquals(1, notes.size());
        assertTrue(notes.getFirst().contains("new entries cannot be made directly in it"), notes.getFirst());
    }

    @Test
    void aProtectedDirectoryThatDoesNotExistYetCannotBeCreated() throws IOException {
        Path other = tmp.toRealPath().resolve("other");
        Files.createDirectories(other.resolve("sub"));
        Path missing = other.resolve("not-yet/anvillm");
        List<Rule> out = new ProtectedPaths(List.of(missing), List.of()).apply(List.of(rule(Access.RW, other)), new ArrayList<>());
        assertEquals(List.of(new Rule(Access.RO, other, "test, read-only here"), rule(Access.RW, other.resolve("sub"))), out);
    }

    @Test
    void readOnlyRulesAndUnrelatedRulesAreLeftAlone() {
        List<Rule> in = List.of(rule(Access.RO, home), rule(Access.ROX, config), rule(Access.RWX, home.resolve("src")));
        List<String> notes = new ArrayList<>();
        assertEquals(in, guard().apply(in, notes));
        assertEquals(List.of(), notes);
    }

    @Test
    void pathsAreComparedByComponentsNotByCharacters() throws IOException {
        Path sibling = home.resolve(".config/anvillm-notes");
        Files.createDirectories(sibling);
        assertEquals(List.of(rule(Access.RW, sibling)), guard().apply(List.of(rule(Access.RW, sibling)), new ArrayList<>()));
    }
}
