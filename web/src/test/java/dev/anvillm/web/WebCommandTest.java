package dev.anvillm.web;

import dev.anvillm.ninep.client.Namespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code anvilweb}'s arguments and {@code anvilweb url}'s file, without a server. */
class WebCommandTest {
    @TempDir Path tmp;

    private Namespace ns() throws Exception {
        return Namespace.resolve(Map.of("NAMESPACE", tmp.resolve("ns").toString()));
    }

    @Test
    void anAddressIsOneHostAndAPortNeverAWildcard() {
        assertEquals(new Main.Address("127.0.0.1", 8080), Main.parseAddress("127.0.0.1:8080"));
        assertEquals(new Main.Address("::1", 0), Main.parseAddress("[::1]:0"));
        assertEquals(new Main.Address("localhost", 9090), Main.parseAddress("localhost:9090"));
        for (String bad : new String[] {"0.0.0.0:8080", "[::]:8080", ":8080", "8080", "127.0.0.1:http", "127.0.0.1:70000", "a b:80"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Main.parseAddress(bad), bad);
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
        assertTrue(Main.loopback("127.0.0.1") && Main.loopback("::1") && !Main.loopback("192.0.2.1"));
    }

    @Test
    void theUrlIsKeptWhereOnlyTheUserCanReadItAndOnlyWhileAnvilwebRuns() throws Exception {
        Namespace ns = ns();
        String url = "http://127.0.0.1:8080/?token=" + Guard.newToken();
        Path f = UrlFile.write(ns, url);
        assertEquals(tmp.resolve("ns/anvilweb.url"), f);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(url, UrlFile.read(ns));

        UrlFile.removeIfOurs(ns, "http://127.0.0.1:9999/?token=someone-else");
        assertTrue(Files.exists(f), "another instance's URL leaves ours alone");
        UrlFile.removeIfOurs(ns, url);
        IOException none = assertThrows(IOException.class, () -> UrlFile.read(ns));
        assertTrue(none.getMessage().contains("no anvilweb running"), none.getMessage());

        // an instance that died without cleaning up (kill -9)
        Files.writeString(f, url + "\n999999999\n");
        IOException dead = assertThrows(IOException.class, () -> UrlFile.read(ns));
        assertTrue(dead.getMessage().contains("no longer running"), dead.getMessage());
    }

    @Test
    void aNameSpaceDirectoryOthersCanEnterIsRefused() throws Exception {
        Namespace ns = ns();
        Files.createDirectory(ns.dir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Exception e = assertThrows(Exception.class, () -> UrlFile.write(ns, "http://127.0.0.1:1/?token=x"));
        assertTrue(e.getMessage().contains("0700"), e.getMessage());
        assertFalse(Files.exists(ns.dir().resolve(UrlFile.NAME)));
    }

    private ProcessBuilder anvilweb(String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NAMESPACE", tmp.resolve("ns").toString());
        return pb;
    }

    private static String run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return p.exitValue() + " " + out;
    }

    @Test
    void anvilwebPrintsItsUrlAndUrlPrintsItAgainUntilItStops() throws Exception {
        Process web = anvilweb("--addr", "127.0.0.1:0").redirectError(tmp.resolve("err").toFile()).start();
        try {
            String url = new java.io.BufferedReader(new java.io.InputStreamReader(web.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).readLine();
            assertNotNull(url, "no URL; stderr: " + Files.readString(tmp.resolve("err")));
            assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+/\\?token=[0-9a-f]{32}"), url);
            assertEquals("0 " + url + "\n", run(anvilweb("url")));
            web.destroy(); // SIGTERM, as a service manager or Ctrl-C stops it
            assertTrue(web.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            String after = run(anvilweb("url"));
            assertTrue(after.startsWith("1 anvilweb: no anvilweb running"), after);
            assertEquals(1, after.strip().lines().count(), "one line: " + after);
        } finally {
            web.destroyForcibly();
        }
        String bad = run(anvilweb("--addr", "0.0.0.0:8080"));
        assertTrue(bad.startsWith("2 anvilweb: anvilweb serves one address"), bad);
        assertEquals(1, bad.strip().lines().count(), bad);
    }

    @Test
    void helpPrintsTheUsageOnStdoutAndExitsZero() throws Exception {
        for (String help : new String[] {"--help", "-h"}) {
            Process p = anvilweb(help).redirectError(tmp.resolve("help.err").toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), help + ": " + out);
            assertTrue(out.startsWith("Usage: anvilweb [--addr HOST:PORT] [--read-only]\n"), out);
            for (String word : new String[] {"anvilweb url", "--addr HOST:PORT", "--read-only", "--help", "Authorization: Bearer", "anvilweb.url"}) {
                assertTrue(out.contains(word), help + " does not mention " + word + ": " + out);
            }
            assertEquals("", Files.readString(tmp.resolve("help.err")), "nothing on stderr");
        }
        // a wrong argument is not help: exit 2, one line on stderr naming --help
        String wrong = run(anvilweb("--nonsense"));
        assertTrue(wrong.startsWith("2 anvilweb: unknown argument '--nonsense'; see anvilweb --help"), wrong);
    }

    @Test
    void tokensAre128RandomBits() {
        String a = Guard.newToken();
        assertTrue(a.matches("[0-9a-f]{32}"), a);
        assertNotEquals(a, Guard.newToken());
    }
}
