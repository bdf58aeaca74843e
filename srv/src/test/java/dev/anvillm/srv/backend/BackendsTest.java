package dev.anvillm.srv.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** What the built-in backends declare, and backends.yaml over them. */
class BackendsTest {
    @TempDir Path tmp;

    private Backends load(String yaml) throws IOException {
        Path file = tmp.resolve("backends.yaml");
        Files.writeString(file, yaml);
        return Backends.load(tmp, file, Map.of());
    }

    @Test
    void eachAgentDeclaresTheVariablesItAuthenticatesWith() throws IOException {
        Backends b = load("");
        assertEquals(List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"), b.get("claude").orElseThrow().passEnv());
        assertTrue(b.get("codex").orElseThrow().passEnv().contains("OPENAI_API_KEY"));
        assertTrue(b.get("gemini").orElseThrow().passEnv().contains("GEMINI_API_KEY"));
        assertEquals(List.of(), b.get("sh").orElseThrow().passEnv());
    }

    @Test
    void backendsYamlInheritsAndReplacesThem() throws IOException {
        Backends b = load("""
                backends:
                  careful: {extends: claude}
                  proxied: {extends: claude, pass_env: [MY_PROXY_TOKEN], auth_failed: "^Access denied"}
                """);
        assertEquals(b.get("claude").orElseThrow().passEnv(), b.get("careful").orElseThrow().passEnv());
        assertNotNull(b.get("careful").orElseThrow().authFailure("Not logged in · Please run /login"));
        BackendSpec proxied = b.get("proxied").orElseThrow();
        assertEquals(List.of("MY_PROXY_TOKEN"), proxied.passEnv());
        assertEquals("Access denied for you", proxied.authFailure("Access denied for you"));
    }

    @Test
    void claudeSaysItCannotAuthenticateOnALineOfItsOwn() throws IOException {
        BackendSpec claude = load("").get("claude").orElseThrow();
        assertEquals("Not logged in · Please run /login", claude.authFailure("Not logged in · Please run /login"));
        assertEquals("Invalid API key · Please run /login", claude.authFailure("  ⎿  Invalid API key · Please run /login\n"));
        String e401 = "API Error: 401 {\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}";
        assertEquals(e401, claude.authFailure("● " + e401));
        assertEquals("API Error: 403 forbidden", claude.authFailure("some output\nAPI Error: 403 forbidden"));
        assertNull(claude.authFailure("API Error: 429 rate limited"));
        assertNull(claude.authFailure("Your script prints \"Not logged in · Please run /login\" when the key is missing."));
        assertNull(load("").get("sh").orElseThrow().authFailure("Not logged in · Please run /login"));
    }
}
