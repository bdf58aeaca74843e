package dev.anvillm.srv.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxPolicyTest {
    private static final SandboxPolicy D = SandboxPolicy.defaults();

    private static SandboxPolicy parse(String yaml) throws IOException {
        return SandboxPolicy.parse(yaml, "/home/u/.config/anvillm/sandbox.yaml");
    }

    private static String error(String yaml) {
        return assertThrows(IOException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void aMissingFileMeansTheDefaults(@TempDir Path dir) throws IOException {
        assertEquals(D, SandboxPolicy.load(dir.resolve("sandbox.yaml")));
    }

    @Test
    void anEmptyFileMeansTheDefaults() throws IOException {
        assertEquals(D, parse(""));
        assertEquals(D, parse("# nothing but a comment\n"));
    }

    @Test
    void theDefaultsAreStrictAndLimitTcpTo443() {
        assertFalse(D.general().bestEffort());
        assertEquals("info", D.general().logLevel());
        assertTrue(D.network().enabled());
        assertFalse(D.network().unrestricted());
        assertEquals(List.of(443), D.network().connectTcp());
        assertEquals(List.of(), D.network().bindTcp());
        assertTrue(D.filesystem().rwx().contains("{CWD}"));
        assertTrue(D.filesystem().rox().contains("/usr"));
        assertTrue(D.advanced().dropCapabilities());
        assertEquals("auto", D.advanced().launcher());
    }

    @Test
    void aFileWithOnlyConnectPortsKeepsEveryOtherDefault() throws IOException {
        SandboxPolicy p = parse("network: {connect_tcp: [443, 8080]}\n");
        assertEquals(List.of(443, 8080), p.network().connectTcp());
        assertEquals(D.filesystem(), p.filesystem());
        assertEquals(D.general(), p.general());
        assertEquals(D.env(), p.env());
        assertEquals(D.advanced(), p.advanced());
        assertTrue(p.network().enabled());
        assertFalse(p.network().unrestricted());
    }

    @Test
    void aListThatIsGivenReplacesItsDefaultAndOnlyThatOne() throws IOException {
        SandboxPolicy p = parse("filesystem:\n  rw: [\"{CWD}/build\"]\n");
        assertEquals(List.of("{CWD}/build"), p.filesystem().rw());
        assertEquals(D.filesystem().ro(), p.filesystem().ro());
        assertEquals(D.filesystem().rox(), p.filesystem().rox());
        assertEquals(D.filesystem().rwx(), p.filesystem().rwx());
    }

    @Test
    void anEmptySectionKeepsItsDefaultsAndAnEmptyListIsEmpty() throws IOException {
        assertEquals(D, parse("network:\nfilesystem:\n"));
        assertEquals(List.of(), parse("filesystem:\n  rw:\n").filesystem().rw());
        assertEquals(List.of(), parse("network: {connect_tcp: []}").network().connectTcp());
    }

    @Test
    void everyKeyIsRead() throws IOException {
        SandboxPolicy p = parse("""
                general: {best_effort: true, log_level: debug}
                filesystem: {ro: [/a], rox: [/b], rw: [/c], rwx: ["~/d"]}
                network: {enabled: false, unrestricted: true, bind_tcp: [8080], connect_tcp: ["443", 22]}
                env: [PATH, LC_*]
                advanced: {ldd: true, add_exec: false, unrestricted_scoped: true, drop_capabilities: false, launcher: builtin,
                           spare_launchers: 3}
                """);
        assertEquals(new SandboxPolicy.General(true, "debug"), p.general());
        assertEquals(new SandboxPolicy.Filesystem(List.of("/a"), List.of("/b"), List.of("/c"), List.of("~/d")), p.filesystem());
        assertEquals(new SandboxPolicy.Network(false, true, List.of(8080), List.of(443, 22)), p.network());
        assertEquals(List.of("PATH", "LC_*"), p.env());
        assertEquals(new SandboxPolicy.Advanced(true, false, true, false, "builtin", 3), p.advanced());
    }

    @Test
    void badYamlIsOneLineNamingTheFileThePlaceAndTheFix() {
        String m = error("network:\n  connect_tcp: [443\n  bind_tcp: []\n");
        assertTrue(m.startsWith("/home/u/.config/anvillm/sandbox.yaml: line "), m);
        assertTrue(m.contains("fix the YAML"), m);
        assertEquals(1, m.lines().count(), m);
    }

    @Test
    void duplicateKeysAreRefused() {
        String m = error("network: {enabled: true}\nnetwork: {enabled: false}\n");
        assertTrue(m.contains("sandbox.yaml"), m);
        assertTrue(m.contains("duplicate"), m);
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKnownOnes() {
        assertEquals("/home/u/.config/anvillm/sandbox.yaml: unknown key 'netwrok'; known sections: general, filesystem, network, env, advanced",
                error("netwrok: {enabled: false}\n"));
        String m = error("network: {connect: [443]}\n");
        assertTrue(m.contains("unknown key 'network.connect'") && m.contains("connect_tcp"), m);
    }

    @Test
    void wrongTypesNameTheKeyAndWhatIsExpected() {
        assertEquals("/home/u/.config/anvillm/sandbox.yaml: general.best_effort: expected true or false, got 'maybe'",
                error("general: {best_effort: maybe}\n"));
        assertTrue(error("general: {log_level: loud}").contains("general.log_level: expected one of debug, error, info"));
        assertTrue(error("network: {connect_tcp: 443}").contains("network.connect_tcp: expected a list like [443, 8080]"));
        assertTrue(error("network: {connect_tcp: [70000]}").contains("TCP port numbers (0-65535)"));
        assertTrue(error("network: {connect_tcp: [https]}").contains("got 'https'"));
        assertTrue(error("filesystem: [/usr]").contains("filesystem: expected a map of keys, got a list"));
        assertTrue(error("env: [PATH, \"A=B\"]").contains("env: expected variable names"));
        assertTrue(error("advanced: {launcher: bwrap}").contains("advanced.launcher: expected one of auto, builtin, landrun"));
        assertTrue(error("advanced: {spare_launchers: 9}").contains("advanced.spare_launchers: expected a whole number from 0 to 8, got '9'"));
    }

    @Test
    void pathsMustBeAbsoluteOrTemplatesThatAreKnown() {
        assertTrue(error("filesystem: {rw: [build]}").contains("'build' is not an absolute path; write {CWD}/build"));
        String m = error("filesystem: {rw: [\"{PROJECT}/x\"]}");
        assertTrue(m.contains("unknown template {PROJECT}") && m.contains("{CWD}") && m.contains("{TMPDIR}"), m);
    }

    @Test
    void templatesExpandAndAnUnsetOneDropsThePath() {
        Map<String, String> v = Map.of("CWD", "/work/p", "HOME", "/home/u", "TMPDIR", "/tmp");
        assertEquals("/work/p/build", SandboxPolicy.expand("{CWD}/build", v));
        assertEquals("/home/u/.claude", SandboxPolicy.expand("{HOME}/.claude", v));
        assertEquals("/home/u/x", SandboxPolicy.expand("~/x", v));
        assertEquals("/home/u", SandboxPolicy.expand("~", v));
        assertEquals("/tmp", SandboxPolicy.expand("{TMPDIR}", v));
        assertEquals("/usr/~x", SandboxPolicy.expand("/usr/~x", v));
        assertNull(SandboxPolicy.expand("{XDG_RUNTIME_DIR}/git", v));
    }

    @Test
    void theExampleFileAtTheRepositoryRootParsesToTheDefaults() throws IOException {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Path example = root.resolve("sandbox.example.yaml");
        assertTrue(Files.isRegularFile(example), "sandbox.example.yaml missing at " + root);
        assertEquals(D, SandboxPolicy.load(example));
    }
}
