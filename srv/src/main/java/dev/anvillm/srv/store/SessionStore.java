package dev.anvillm.srv.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The durable registry, one directory per session under {@code <state>/sessions/<id>/}:
 * {@code session.json} (the record), {@code queue/} (one file per accepted prompt, in order),
 * {@code out} (replies), {@code log} (the transcript) and {@code hooks.mark} (how far the daemon
 * acted on the backend's hook file). A session's runtime directory, which
 * its sandbox may write (hook events, the test agent's transcripts), is {@code <state>/run/<id>/}.
 */
public final class SessionStore {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * Readies the JSON mapper every record read and write uses: Jackson's first mapper, first
     * parse (BigDecimal's constants) and first record codec cost 80-100 ms, which the daemon's
     * restore would otherwise wait for. The daemon calls it on a thread of its own as it starts.
     */
    public static void loadCodec() {
        try {
            // a read first, as a restore starts with reading: the parser, then the record's deserializer
            SessionRecord sample = JSON.readValue("{\"id\":\"warm\",\"backend\":\"b\",\"cwd\":\"/\",\"createdMs\":1,"
                    + "\"pid\":2,\"stopped\":false,\"history\":[\"x\"]}", SessionRecord.class);
            JSON.writeValueAsBytes(sample);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "JSON warm-up: {0}", e.getMessage());
        }
    }

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
                    if (r == null) throw new IOException("empty");
                    if (r.id() == null || !r.id().equals(d.getFileName().toString())) throw new IOException("id does not match its directory");
                    if (r.backend() == null || r.cwd() == null) throw new IOException("no backend or no cwd");
                    out.add(r);
                } catch (IOException e) {
                    AtomicFiles.setAside(f, e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse(""));
                    LOG.log(System.Logger.Level.WARNING, "session {0} is not restored: its record is unreadable; its queue, out and log stay in {1}",
                            d.getFileName(), d);
                }
            }
        }
        out.sort(Comparator.comparingLong(SessionRecord::createdMs).thenComparing(SessionRecord::id));
        return out;
    }

    // ---- the prompt queue --------------------------------------------------------------------

    /** A prompt accepted for a session: its file name orders the queue. */
    public record QueuedPrompt(String name, String text) {}

    /** Stores a prompt durably; when this throws, nothing was stored and the prompt must not be acknowledged. */
    public QueuedPrompt enqueue(String id, long seq, String text) throws IOException {
        String name = String.format("%016d.prompt", seq);
        try {
            AtomicFiles.write(dir(id).resolve("queue").resolve(name), text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("prompt not stored: " + reason(e) + "; free disk space and write it again", e);
        }
        return new QueuedPrompt(name, text);
    }

    /** What went wrong, without the path (a user knows which file they wrote). */
    public static String reason(IOException e) {
        String r = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return r == null ? e.getClass().getSimpleName() : r;
    }

    /** Removes a delivered prompt, durably; a prompt already removed costs nothing (no sync). */
    public void dequeue(String id, QueuedPrompt p) throws IOException {
        if (Files.deleteIfExists(dir(id).resolve("queue").resolve(p.name()))) AtomicFiles.syncDir(dir(id).resolve("queue"));
    }

    /** Puts a prompt taken off the queue back in its place (its name keeps its order). */
    public void requeue(String id, QueuedPrompt p) throws IOException {
        AtomicFiles.write(dir(id).resolve("queue").resolve(p.name()), p.text().getBytes(StandardCharsets.UTF_8));
    }

    public List<QueuedPrompt> queue(String id) throws IOException {
        Path q = dir(id).resolve("queue");
        if (!Files.isDirectory(q)) return List.of();
        List<QueuedPrompt> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(q)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".prompt")) {
                    out.add(new QueuedPrompt(name, Files.readString(p)));
                } else if (name.startsWith(".") && name.contains(".tmp")) {
                    // a write cut short by a crash: never acknowledged, so nothing is lost
                    Files.deleteIfExists(p);
                }
            }
        }
        return out;
    }

    // ---- how far the hook file was read ------------------------------------------------------

    /**
     * How far the daemon had read a session's hook file, and the state word that left the
     * session in: a daemon that starts again replays only what came after.
     */
    public record HookMark(long offset, String state) {}

    public void saveHookMark(String id, HookMark m) throws IOException {
        AtomicFiles.rewrite(dir(id).resolve("hooks.mark"), (m.offset() + " " + m.state() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The mark, or empty when there is none (or it is unreadable, which is said and set aside). */
    public Optional<HookMark> hookMark(String id) {
        Path f = dir(id).resolve("hooks.mark");
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            String[] w = Files.readString(f).strip().split(" ");
            if (w.length != 2) throw new NumberFormatException("expected '<offset> <state>'");
            return Optional.of(new HookMark(Long.parseLong(w[0]), w[1]));
        } catch (IOException | NumberFormatException e) {
            AtomicFiles.setAside(f, e.getMessage() == null ? "unreadable" : e.getMessage());
            return Optional.empty();
        }
    }

    public void appendOut(String id, String reply) throws IOException {
        AtomicFiles.append(outFile(id), (reply + (reply.endsWith("\n") ? "\n" : "\n\n")).getBytes(StandardCharsets.UTF_8));
    }

    public void appendLog(String id, String entry) throws IOException {
        AtomicFiles.append(logFile(id), entry.getBytes(StandardCharsets.UTF_8));
    }

    public void delete(String id) {
        for (Path p : List.of(dir(id), runDir(id))) {
            try {
                deleteTree(p);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", p, e.getMessage());
            }
        }
    }

    /** Removes {@code dir} and everything in it; a symbolic link inside is removed, never followed. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
