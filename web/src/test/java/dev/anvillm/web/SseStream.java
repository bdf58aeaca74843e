package dev.anvillm.web;

import dev.anvillm.client.TestDaemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A Server-Sent Events stream read over HTTP as a script reads it (no browser): every event kept
 * in order with its name and data, comment lines counted, the end of the stream noticed.
 */
final class SseStream implements AutoCloseable {
    record Message(String event, String data) {
        @Override
        public String toString() {
            return event + " " + data;
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final int status;
    final String contentType;
    private final InputStream in;
    private final List<Message> got = new ArrayList<>(); // guarded by itself
    private volatile int comments;
    private volatile boolean ended;

    private SseStream(HttpResponse<InputStream> r) {
        status = r.statusCode();
        contentType = r.headers().firstValue("Content-Type").orElse("");
        in = r.body();
        Thread.ofVirtual().name("sse reader").start(this::read);
    }

    /** GET {@code path} on anvilweb at {@code port} with the bearer token, as an event stream. */
    static SseStream open(int port, String path, String token) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token).build();
        return new SseStream(HTTP.send(r, HttpResponse.BodyHandlers.ofInputStream()));
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String event = "message";
            StringBuilder data = null;
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data != null) {
                        synchronized (got) {
                            got.add(new Message(event, data.toString()));
                        }
                    }
                    event = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    comments++;
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5);
                    if (d.startsWith(" ")) d = d.substring(1);
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            ended = true;
        }
    }

    List<Message> messages() {
        synchronized (got) {
            return List.copyOf(got);
        }
    }

    List<Message> named(String event) {
        return messages().stream().filter(m -> m.event().equals(event)).toList();
    }

    int comments() {
        return comments;
    }

    boolean ended() {
        return ended;
    }

    /** The first message (after {@code from} messages) that {@code ok} accepts, waited for. */
    Message await(String what, int from, Predicate<Message> ok) throws InterruptedException {
        Message[] found = new Message[1];
        TestDaemon.await(what, () -> {
            List<Message> all = messages();
            for (int i = from; i < all.size(); i++) {
                if (ok.test(all.get(i))) {
                    found[0] = all.get(i);
                    return true;
                }
            }
            return false;
        }, () -> messages().toString());
        return found[0];
    }

    Message await(String what, Predicate<Message> ok) throws InterruptedException {
        return await(what, 0, ok);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
