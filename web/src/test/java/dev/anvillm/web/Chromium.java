package dev.anvillm.web;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's headless Chromium driven through its own chromedriver, offline: the driver's path is
 * given (else Selenium Manager goes looking on the network), and nothing of Chromium's calls home.
 */
public final class Chromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    /** Selenium's own logger, held so its level stays: it warns of DevTools versions it lacks, which nothing here uses. */
    private static final java.util.logging.Logger SELENIUM = java.util.logging.Logger.getLogger("org.openqa.selenium");

    private Chromium() {}

    /** Fails (never skips) when Chromium is not installed: bin/test installs it. */
    public static void requireInstalled() {
        if (!Files.isExecutable(BINARY) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("the web UI's browser tests need " + BINARY + " and " + DRIVER
                    + ": apt-get install chromium chromium-driver (bin/test installs them)");
        }
    }

    /** A browser with a fresh profile under {@code profile}, its window {@code width}×{@code height}. */
    public static ChromeDriver start(Path profile, int width, int height) throws IOException {
        requireInstalled();
        SELENIUM.setLevel(java.util.logging.Level.SEVERE);
        Files.createDirectories(profile);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(BINARY.toFile());
        o.addArguments("--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-back-forward-cache",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        // Chromium refuses to run as root inside its own sandbox
        if ("root".equals(System.getProperty("user.name"))) o.addArguments("--no-sandbox");
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(svc, o);
    }
}
