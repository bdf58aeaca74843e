package dev.anvillm.srv.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The durable registry, one directory per session under {@code <state>/sessions/<id>/}:
 * {@code session.json} (the record), {@code queue/} (one file per accepted prompt, in order),
 * {@code out} (replies) and {@code log} (the transcript). A session's runtime directory, which
 * its sandbox may write (hook events, the test agent's transcripts), is {@code <state>/run/<id>/}.
 */
public final class SessionStore {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path sessions;
    private final Path run;

    public SessionStore(Path stateDir) throws IOException {
        this.sessions = stateDir.resolve("sessions");
        this.run = stateDir.resolve("run");
        Files.createDirectories(sessions);
        Files.createDirectories(run);
    }

    public Path dir(String id) {
        return sessions.resolve(id);
    }

    public Path runDir(String id) {
        return run.resolve(id);
    }

    public Path outFile(String id) {
        return dir(id).resolve("out");
    }

    public Path logFile(String id) {
        return dir(id).resolve("log");
    }

    public void create(SessionRecord r) throws IOException {
        Files.createDirectories(dir(r.id()).resolve("queue"));
        Files.createDirectories(runDir(r.id()));
        save(r);
    }

    public void save(SessionRecord r) throws IOException {
        AtomicFiles.write(dir(r.id()).resolve("session.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
    }

    /** Every readable record, oldest first; unreadable ones are set aside with a message. */
    public List<SessionRecord> loadAll() throws IOException {
        List<SessionRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sessions)) {
            for (Path d : ds) {
                Path f = d.resolve("session.json");
                if (!Files.isRegularFile(f)) continue;
                try {
                    SessionRecord r = JSON.readValue(f.toFile(), SessionRecord.class);
                    if (r.id() == null || !r.id().equals(d.getFileName().toString())) throw new IOException("id does not match its directory");
                    out.add(r);
                } catch (IOException e) {
                    AtomicFiles.setAside(f, e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse(""));
                }
            }
        }
        out.sort(Comparator.comparingLong(SessionRecord::createdMs).thenComparing(SessionRecord::id));
        return out;
    }

    // ---- the prompt queue --------------------------------------------------------------------

    /** A prompt accepted for a session: its file name orders the queue. */
    public record QueuedPrompt(String name, String text) {}

    public QueuedPrompt enqueue(String id, long seq, String text) throws IOException {
        String name = String.format("%016d.prompt", seq);
        AtomicFiles.write(dir(id).resolve("queue").resolve(name), text.getBytes(StandardCharsets.UTF_8));
        return new QueuedPrompt(name, text);
    }

    public void dequeue(String id, QueuedPrompt p) throws IOException {
        Files.deleteIfExists(dir(id).resolve("queue").resolve(p.name()));
        AtomicFiles.syncDir(dir(id).resolve("queue"));
    }

    public List<QueuedPrompt> queue(String id) throws IOException {
        Path q = dir(id).resolve("queue");
        if (!Files.isDirectory(q)) return List.of();
        List<QueuedPrompt> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(q)) {
            for (Path p : s.filter(x -> x.getFileName().toString().endsWith(".prompt")).sorted().toList()) {
                out.add(new QueuedPrompt(p.getFileName().toString(), Files.readString(p)));
            }
        }
        return out;
    }

    public void appendOut(String id, String reply) throws IOException {
        AtomicFiles.append(outFile(id), (reply + (reply.endsWith("\n") ? "\n" : "\n\n")).getBytes(StandardCharsets.UTF_8));
    }

    public void appendLog(String id, String entry) throws IOException {
        AtomicFiles.append(logFile(id), entry.getBytes(StandardCharsets.UTF_8));
    }

    public void delete(String id) {
        for (Path p : List.of(dir(id), runDir(id))) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", p, e.getMessage());
            }
        }
    }
}
