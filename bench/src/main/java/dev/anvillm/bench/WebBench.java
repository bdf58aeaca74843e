package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.web.Chromium;
import dev.anvillm.web.DaemonConnections;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.anvillm.bench.TuiBench.median;
import static dev.anvillm.bench.TuiBench.pct;
import static dev.anvillm.bench.TuiBench.rssKb;
import java.util.function.BooleanSupplier;

/**
 * anvilweb as a person's browser sees it: COUNT test-agent sessions, anvilweb started as
 * bin/anvilweb starts it, Debian's headless Chromium. Measured: navigation to a complete table
 * (all COUNT rows in the DOM) against the page's own load event; a change on the daemon (an alias
 * written over 9P) until the page's DOM shows it, alone and again with 50 more pages (event
 * streams) open; anvilweb's 9P connections as the daemon's side sees them (one: calls, the events
 * reader and every watched log share it, whatever the pages; checked) and its resident memory. Goal: event -> DOM ≤ 100 ms at the median. Everything it made is removed.
 */
public final class WebBench {
    static final int PAGES = 50;

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path home = Path.of(System.getProperty("anvillm.home", "."));
        Path jar = home.resolve("web/target/anvilweb.jar");
        if (!Files.exists(jar)) throw new IOException("no " + jar + "; build first (mvn -DskipTests package)");
        Chromium.requireInstalled();
        Daemons d = Daemons.start(java.util.Map.of(), Daemons.BENCH_AGENT);
        Process web = null;
        ChromeDriver b = null;
        List<InputStream> streams = new ArrayList<>();
        try (NinepClient c = NinepClient.connect(d.socket())) {
            Path dir = Files.createDirectories(d.home.resolve("project"));
            System.out.printf("starting %d test-agent sessions…%n", count);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) ids.add(create(c, dir));

            ProcessBuilder pb = new ProcessBuilder(Daemons.javaBin(), "@" + home.resolve("bin/lib/anvilweb.jvm"),
                    "-cp", jar.toString(), "dev.anvillm.web.Main", "--addr", "127.0.0.1:0");
            pb.environment().putAll(d.env);
            pb.redirectError(d.dir.resolve("anvilweb.err").toFile());
            web = pb.start();
            String url = new BufferedReader(new InputStreamReader(web.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (url == null) throw new IOException("anvilweb did not start: " + Files.readString(d.dir.resolve("anvilweb.err")));
            String base = url.substring(0, url.indexOf("/?token="));
            String token = url.substring(url.indexOf("token=") + 6);

            b = Chromium.start(d.dir.resolve("chromium"), 1200, 900);
            ChromeDriver br = b;
            b.get(url);
            List<Double> table = new ArrayList<>();
            List<Double> loaded = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                b.get(base + "/");
                await("the whole table", () -> ((Long) br.executeScript(
                        "return window.anvilweb && anvilweb.lastTableAt() > 0 ? document.querySelectorAll('#sessions tbody tr').length : 0")) == count
                        && !((String) br.executeScript("return document.querySelector('#sessions tbody tr:last-child td.backend').textContent")).equals("…"));
                table.add(((Number) b.executeScript("return anvilweb.lastTableAt() - performance.timeOrigin")).doubleValue());
                loaded.add(((Number) b.executeScript("return performance.getEntriesByType('navigation')[0].loadEventEnd")).doubleValue());
            }

            String first = ids.getFirst();
            b.executeScript("""
                    window.__seen = {};
                    const row = document.querySelector("tr[data-id='" + arguments[0] + "']");
                    new MutationObserver(() => {
                      const a = row.querySelector('td.alias').textContent;
                      if (!(a in window.__seen)) window.__seen[a] = Date.now();
                    }).observe(row, {subtree: true, childList: true, characterData: true});
                    """, first);
            List<Double> alone = eventToDom(c, b, first, "seen", 40);

            // 50 more pages: event streams as a page opens them, ten on each of five sessions' feeds
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < PAGES; i++) {
                String watch = ids.get(1 + i % 5);
                HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/api/events?watch=" + watch))
                        .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token).build();
                HttpResponse<InputStream> resp = http.send(r, HttpResponse.BodyHandlers.ofInputStream());
                if (resp.statusCode() != 200) throw new IOException("stream " + i + ": HTTP " + resp.statusCode());
                InputStream in = resp.body();
                streams.add(in);
                Thread.ofVirtual().start(() -> drain(in));
            }
            List<Double> crowded = eventToDom(c, b, first, "crowd", 40);
            int conns = DaemonConnections.count(d.socket(), web.pid());
            long rss = rssKb(web.pid());

            System.out.printf("page load event                     median %7.1f ms  (min %.1f)%n", median(loaded), Collections.min(loaded));
            System.out.printf("navigation -> complete table        median %7.1f ms  (min %.1f)  %.2fx the load event, %d sessions%n",
                    median(table), Collections.min(table), median(table) / median(loaded), count);
            System.out.printf("event -> DOM, one page              median %7.1f ms  (p90 %.1f, max %.1f)   goal <= 100 ms%n",
                    median(alone), pct(alone, 0.9), Collections.max(alone));
            System.out.printf("event -> DOM, with %d more pages    median %7.1f ms  (p90 %.1f, max %.1f)   %.2fx one page%n",
                    PAGES, median(crowded), pct(crowded, 0.9), Collections.max(crowded), median(crowded) / median(alone));
            System.out.printf("anvilweb's 9P connections           %7d      with %d pages open and %d logs watched: calls, events and logs on one (goal: 1)%n",
                    conns, PAGES + 1, 5);
            System.out.printf("anvilweb resident memory            %7.1f MB with %d sessions and %d pages%n", rss / 1024.0, count, PAGES + 1);
            if (conns != 1) throw new IOException("the daemon sees " + conns + " connections from anvilweb, not one");
        } finally {
            for (InputStream in : streams) in.close();
            if (b != null) b.quit();
            if (web != null) {
                web.destroy();
                web.waitFor(10, TimeUnit.SECONDS);
            }
            d.close(); // the daemon, its sessions' tmux server, its directory
        }
    }

    /** Writes alias {@code prefix<i>} to session {@code id} over 9P, {@code n} times; each time until the page's DOM shows it. */
    private static List<Double> eventToDom(NinepClient c, ChromeDriver b, String id, String prefix, int n) throws Exception {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String alias = prefix + i;
            long t0 = System.currentTimeMillis();
            try (Fid f = c.open(id + "/alias", OpenMode.OWRITE | OpenMode.OTRUNC)) {
                f.write(alias.getBytes(StandardCharsets.UTF_8));
            }
            await(alias + " in the page", () -> b.executeScript("return window.__seen[arguments[0]] || 0", alias) instanceof Long l && l > 0);
            out.add((double) ((Long) b.executeScript("return window.__seen[arguments[0]]", alias) - t0));
        }
        return out;
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // a page reading what it is sent
            }
        } catch (IOException closed) {
            // the bench ended it
        }
    }

    private static void await(String what, BooleanSupplier ok) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new IOException("never saw " + what + " within 60 s");
            Thread.sleep(2); // polling the page, with a deadline
        }
    }

    private static String create(NinepClient c, Path dir) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new bench '" + dir + "'\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            return new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
        }
    }
}
