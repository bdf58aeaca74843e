package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.srv.session.TestSessions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RootCtlTest {
    @TempDir Path home;

    private TestSessions fixture;

    @org.junit.jupiter.api.BeforeEach
    void registry() throws Exception {
        fixture = new TestSessions(home.resolve(".fixture"));
        Files.createDirectories(home.resolve(".fixture"));
    }

    @org.junit.jupiter.api.AfterEach
    void close() throws Exception {
        fixture.close();
    }

    private RootCtl ctl() {
        return new RootCtl(fixture.sessions, home);
    }

    private String error(RootCtl ctl, String line) {
        return assertThrows(NinepException.class, () -> ctl.run(null, line)).getMessage();
    }

    @Test
    void anUnknownBackendListsTheKnownOnes() {
        assertEquals("unknown backend \"nosuch\"; known: claude, codex, gemini, kiro-cli, sh, testagent", error(ctl(), "new nosuch /tmp"));
    }

    @Test
    void anUnknownCommandShowsTheOneThereIs() {
        RootCtl ctl = ctl();
        assertEquals("unknown command \"x\"; try: new <backend> <dir> [alias=<name>]", error(ctl, "x"));
        assertTrue(error(ctl, "y".repeat(500)).length() < 128);
    }

    @Test
    void newCreatesTheSessionAndAnswersItsIdForTheCloneRead() throws Exception {
        String id = ctl().run(null, "new sh /tmp/../tmp/ alias=dev");
        assertTrue(id.matches("[0-9a-f]{8}\n"), id);
        assertTrue(fixture.sessions.listText().matches(id.strip() + "\tdev\t\\w+\t\\d+\t/tmp\n"), fixture.sessions.listText());
    }

    @Test
    void theDirMayBeQuotedAndTildeOrRelativeMeansFromHome() throws Exception {
        Path spaced = Files.createDirectories(home.resolve("my project"));
        RootCtl ctl = ctl();
        ctl.run(null, "new sh '~/my project'");
        ctl.run(null, "new sh ~");
        ctl.run(null, "new sh \"my project\"");
        List<Path> cwds = fixture.sessions.list().stream().map(s -> s.cwd()).toList();
        assertEquals(List.of(spaced, home, spaced), cwds);
    }

    @Test
    void aBadDirOrAliasOrShapeIsRefusedBeforeAnythingIsCreated() throws Exception {
        Files.writeString(home.resolve("file"), "x");
        RootCtl ctl = ctl();
        assertEquals("no such directory: " + home.resolve("nope"), error(ctl, "new sh ~/nope"));
        assertEquals("not a directory: " + home.resolve("file"), error(ctl, "new sh ~/file"));
        assertEquals("bad alias \"a b\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", error(ctl, "new sh /tmp 'alias=a b'"));
        assertEquals("bad alias \"deadbeef\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", error(ctl, "new sh /tmp alias=deadbeef"));
        assertEquals("bad alias \"\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", error(ctl, "new sh /tmp alias="));
        assertEquals("unknown argument \"name=x\"; usage: new <backend> <dir> [alias=<name>]", error(ctl, "new sh /tmp name=x"));
        assertEquals("usage: new <backend> <dir> [alias=<name>]", error(ctl, "new sh"));
        assertEquals("usage: new <backend> <dir> [alias=<name>]", error(ctl, "new sh /tmp alias=a extra"));
        assertEquals(0, fixture.sessions.size());
    }

    @Test
    void blankLinesDoNothing() throws Exception {
        assertNull(ctl().run(null, "   "));
    }
}
