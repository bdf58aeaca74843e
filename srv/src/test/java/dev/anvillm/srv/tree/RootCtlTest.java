package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.tree.Dir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RootCtlTest {
    @TempDir Path home;

    /** A registry that records what it was asked to create. */
    private static final class Recorder implements Sessions {
        final List<NewSession> created = new ArrayList<>();

        @Override public String list() { return ""; }

        @Override public List<String> states() { return List.of(); }

        @Override
        public String create(NewSession request) {
            created.add(request);
            return "0badf00d";
        }

        @Override public Dir.Children children() { return null; }
    }

    private static Backends backends(String... names) {
        return new Backends() {
            @Override public List<String> names() { return List.of(names); }

            @Override public String describe() { return ""; }
        };
    }

    private String error(RootCtl ctl, String line) {
        return assertThrows(NinepException.class, () -> ctl.run(null, line)).getMessage();
    }

    @Test
    void withNoBackendsNewSaysSoAndListsNone() {
        RootCtl ctl = new RootCtl(Sessions.NONE, Backends.NONE, home);
        assertEquals("unknown backend \"claude\"; known: (none)", error(ctl, "new claude /tmp"));
    }

    @Test
    void anUnknownBackendListsTheKnownOnes() {
        RootCtl ctl = new RootCtl(new Recorder(), backends("claude", "sh"), home);
        assertEquals("unknown backend \"codex\"; known: claude, sh", error(ctl, "new codex /tmp"));
    }

    @Test
    void anUnknownCommandShowsTheOneThereIs() {
        RootCtl ctl = new RootCtl(Sessions.NONE, Backends.NONE, home);
        assertEquals("unknown command \"x\"; try: new <backend> <dir> [alias=<name>]", error(ctl, "x"));
        assertTrue(error(ctl, "y".repeat(500)).length() < 128);
    }

    @Test
    void newCreatesTheSessionAndAnswersItsIdForTheCloneRead() throws Exception {
        Recorder r = new Recorder();
        RootCtl ctl = new RootCtl(r, backends("sh"), home);
        assertEquals("0badf00d\n", ctl.run(null, "new sh /tmp/../tmp/ alias=dev"));
        assertEquals(List.of(new NewSession("sh", Path.of("/tmp"), "dev")), r.created);
    }

    @Test
    void theDirMayBeQuotedAndTildeOrRelativeMeansFromHome() throws Exception {
        Path spaced = Files.createDirectories(home.resolve("my project"));
        Recorder r = new Recorder();
        RootCtl ctl = new RootCtl(r, backends("sh"), home);
        ctl.run(null, "new sh '~/my project'");
        ctl.run(null, "new sh ~");
        ctl.run(null, "new sh \"my project\"");
        assertEquals(List.of(new NewSession("sh", spaced, null), new NewSession("sh", home, null), new NewSession("sh", spaced, null)), r.created);
    }

    @Test
    void aBadDirOrAliasOrShapeIsRefusedBeforeAnythingIsCreated() throws Exception {
        Files.writeString(home.resolve("file"), "x");
        Recorder r = new Recorder();
        RootCtl ctl = new RootCtl(r, backends("sh"), home);
        assertEquals("no such directory: " + home.resolve("nope"), error(ctl, "new sh ~/nope"));
        assertEquals("not a directory: " + home.resolve("file"), error(ctl, "new sh ~/file"));
        assertEquals("bad alias \"a b\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", error(ctl, "new sh /tmp 'alias=a b'"));
        assertEquals("bad alias \"deadbeef\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", error(ctl, "new sh /tmp alias=deadbeef"));
        assertEquals("bad alias \"\": 1-64 of A-Z a-z 0-9 _ - and not 8 hex digits", error(ctl, "new sh /tmp alias="));
        assertEquals("unknown argument \"name=x\"; usage: new <backend> <dir> [alias=<name>]", error(ctl, "new sh /tmp name=x"));
        assertEquals("usage: new <backend> <dir> [alias=<name>]", error(ctl, "new sh"));
        assertEquals("usage: new <backend> <dir> [alias=<name>]", error(ctl, "new sh /tmp alias=a extra"));
        assertEquals(List.of(), r.created);
    }

    @Test
    void blankLinesDoNothing() throws Exception {
        assertNull(new RootCtl(Sessions.NONE, Backends.NONE, home).run(null, "   "));
    }
}
