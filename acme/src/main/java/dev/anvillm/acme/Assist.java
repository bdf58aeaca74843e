package dev.anvillm.acme;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.Backend;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.Command;
import dev.anvillm.client.Event;
import dev.anvillm.client.LiveSessions;
import dev.anvillm.client.Session;
import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NamespaceException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Assist, AnviLLM's session manager for Acme: the window {@code /AnviLLM/}, live from the
 * daemon's {@code events}, whose tag and body run commands with button 2 and open a session's
 * prompt window with button 3. Everything it does not take is handed back to Acme.
 */
public final class Assist implements AutoCloseable {
    static final String NAME = "/AnviLLM/";
    static final String TAG = "Get Attach Stop Start Restart Kill Alias Context Log Daemon Sandbox";
    static final String USAGE = """
            Usage: Assist

            Run from acme: opens the window /AnviLLM/, the live table of anvilsrv's sessions.
            Button 2 on a command runs it: <Backend> [dir], Stop Start Restart Kill Interrupt [id],
            Alias [id] name, Context [id], Log [id], Attach [id], Daemon, Sandbox, Get.
            A command without an id acts on the session whose line holds the selection.
            Text typed below the table stays through refreshes; the table itself is Assist's.
            Button 3 on a session id opens its prompt window (Send sends the body after the
            conversation); a 2-1 chord of selected text onto an id sends that text as a prompt.
            The daemon is found through $NAMESPACE (else /tmp/ns.$USER.$DISPLAY), acme as the
            service acme there; anvilsrv is started when it is not running.
            """;

    private final Map<String, String> env;
    private final Path dir;
    final AgentClient client;
    final Acme acme;
    private final Path namespace;
    private final CountDownLatch done = new CountDownLatch(1);
    /** The main window's commands run here, one at a time in the order clicked, off the event reader. */
    private final ExecutorService commands = inOrder();
    private final Map<String, Win> side = new ConcurrentHashMap<>();
    private final Map<String, PromptWindow> prompts = new ConcurrentHashMap<>();
    private final Object render = new Object();
    private Win main;
    private LiveSessions live;
    private Win errors; // guarded by this
    private volatile List<Session> sessions = List.of();
    private volatile List<Backend> backends = List.of();
    private volatile String problem;
    private Table shown; // guarded by render
    /** The anvilsrv command that starts and stops the daemon. */
    String anvilsrv = Daemon.anvilsrv();

    /**
     * @param env the environment: NAMESPACE (or USER and DISPLAY), ANVILLM_TERMINAL, HOME, XDG_CONFIG_HOME
     * @param dir the directory Assist runs in (Acme runs a command in its window's directory); relative dirs start there
     */
    public Assist(Map<String, String> env, Path dir) throws IOException {
        this.env = env;
        this.dir = dir.toAbsolutePath().normalize();
        try {
            this.namespace = Namespace.resolve(env).dir();
        } catch (NamespaceException e) {
            throw new IOException(e.getMessage(), e);
        }
        this.client = new AgentClient(namespace.resolve("agent"));
        this.acme = Acme.connect(env);
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            boolean help = args[0].equals("-h") || args[0].equals("--help");
            (help ? System.out : System.err).print(help ? USAGE : "Assist: takes no arguments\n" + USAGE);
            System.exit(help ? 0 : 2);
        }
        try (Assist a = new Assist(Namespace.environment(), Path.of("").toAbsolutePath())) {
            a.start();
            a.awaitEnd();
        } catch (IOException e) {
            System.err.println("Assist: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the daemon when it is not running, opens the window and follows the daemon. */
    public void start() throws IOException {
        main = acme.open(NAME, TAG);
        String started = Daemon.ensureRunning(client, anvilsrv, env);
        if (started != null) error(started);
        refreshBackends();
        render();
        main.ctl("clean");
        live = LiveSessions.start(client.socket(), new LiveSessions.Listener() {
            @Override
            public void changed(LiveSessions.Snapshot now, Event cause) {
                sessions = now.sessions();
                problem = now.problem();
                if (cause == null && now.connected()) refreshBackends(); // a (re)sync: maybe a new daemon
                render();
            }
        });
        main.follow(new Gesture.Assembler(main, g -> commands.execute(() -> onMain(g))), done::countDown);
    }

    /** Waits until the window is deleted. */
    public void awaitEnd() throws InterruptedException {
        done.await();
    }

    private void refreshBackends() {
        try {
            backends = client.backends();
        } catch (ClientException e) {
            // the daemon is away: the table's problem line says so
        }
    }

    /**
     * Brings the table up to date, line by line and inside each line only the runes that changed:
     * Acme keeps the scroll position and the selection around such edits, even when a column
     * widens. What the user typed after the table (a command to click, say) is kept: only the
     * table Assist last wrote is rewritten; a table line the user edited is put back.
     */
    void render() {
        synchronized (render) {
            Table t = Table.of(backends, sessions, problem);
            try {
                String now = main.body();
                String table = Edit.prefix(now, tableEnd(now));
                List<Edit.Change> changes = Edit.byLine(table, t.text());
                if (!changes.isEmpty()) {
                    int[] dot = main.dot();
                    String dotSession = sessionAtDot(now, dot[0]);
                    int[] line = dotSession == null ? null : Edit.lineSpan(now, Edit.lineAt(now, dot[0]));
                    boolean collapsed = false;
                    for (Edit.Change c : changes) {
                        main.replace(c.q0(), c.q1(), c.text());
                        collapsed |= dot[1] > c.q0() && dot[0] < c.q1();
                    }
                    // a selection inside the rewritten runes would collapse: put it back on its session's line
                    if (dotSession != null && collapsed) reselect(t, dotSession, dot[0] - line[0], dot[1] - line[0]);
                    main.ctl("clean");
                }
                shown = t;
            } catch (IOException e) {
                // the window is going away; its event reader ends Assist
            }
        }
    }

    /**
     * Where the table ends in {@code body}, in runes: after the table last shown when the body
     * still begins with it, else after the last line of that table found in the body (the user
     * edited inside it), else the whole body.
     */
    private int tableEnd(String body) {
        if (shown == null) return Edit.runes(body);
        String last = shown.text();
        if (body.startsWith(last)) return Edit.runes(last);
        String lastLine = last.substring(last.lastIndexOf('\n', last.length() - 2) + 1);
        int at = body.lastIndexOf(lastLine);
        return at < 0 ? Edit.runes(body) : Edit.runes(body.substring(0, at + lastLine.length()));
    }

    private String sessionAtDot(String body, int q) {
        if (shown == null || !body.startsWith(shown.text())) return null;
        return shown.sessionOnLine(Edit.lineAt(body, q));
    }

    /** Selects runes {@code from..to} of the line that shows session {@code id}, clamped to the line. */
    private void reselect(Table t, String id, int from, int to) throws IOException {
        int row = t.rows().indexOf(id);
        if (row < 0) return;
        int[] span = Edit.lineSpan(t.text(), t.firstRow() + row);
        int len = span[1] - span[0];
        main.select(span[0] + Math.min(from, len), span[0] + Math.min(to, len));
    }

    // ---- the main window's commands --------------------------------------------------------

    private void onMain(Gesture g) {
        try {
            if (g.event().isLook()) {
                String id = session(g.text().strip());
                if (id != null) prompt(id).show();
                else main.handBack(g.event());
                return;
            }
            if (!runMain(g)) main.handBack(g.event());
        } catch (IOException e) {
            error(e.getMessage());
        }
    }

    /** Runs a command of the main window; false when it is not one of Assist's. */
    private boolean runMain(Gesture g) throws IOException, ClientException {
        String text = g.text().strip();
        String[] w = text.split("\\s+");
        String verb = w[0];
        String rest = text.substring(verb.length()).strip();
        List<String> args = rest.isEmpty() ? List.of() : Arrays.asList(rest.split("\\s+"));
        switch (verb) {
            case "Get" -> {
                refreshBackends();
                sessions = client.list().stream().map(s -> withBackend(s)).toList();
                render();
            }
            case "Stop" -> each(args, g, id -> client.command(id, Command.STOP));
            case "Start" -> each(args, g, id -> client.command(id, Command.START));
            case "Restart" -> each(args, g, id -> client.command(id, Command.RESTART));
            case "Kill" -> each(args, g, id -> client.command(id, Command.KILL));
            case "Interrupt" -> each(args, g, id -> client.command(id, Command.INTERRUPT));
            case "Alias" -> alias(args, g);
            case "Context" -> each(args, g, id -> ContextWindow.open(this, id, nameOf(id)));
            case "Log" -> each(args, g, id -> logWindow(id));
            case "Attach" -> each(args, g, id -> Terminal.attach(client, env, id));
            case "Daemon" -> Daemon.window(this, env);
            case "Sandbox" -> SandboxWindow.open(this, env);
            default -> {
                Backend b = backendNamed(verb);
                if (b != null) {
                    client.create(b.name(), directory(rest), null);
                    return true;
                }
                String id = session(verb);
                if (id == null || g.argument() == null) return false;
                prompt(id).send(g.argument(), true);
            }
        }
        return true;
    }

    interface OnSession {
        void run(String id) throws IOException, ClientException;
    }

    /** Runs {@code action} on each session named: the arguments, else the chorded argument, else the selection's line. */
    private void each(List<String> args, Gesture g, OnSession action) throws IOException, ClientException {
        List<String> ids = new ArrayList<>(args);
        if (ids.isEmpty() && g.argument() != null) ids.addAll(Arrays.asList(g.argument().strip().split("\\s+")));
        if (ids.isEmpty()) {
            String id = selected();
            if (id == null) throw new ClientException(g.text().strip() + ": which session? give its id, or select its line first");
            ids.add(id);
        }
        for (String id : ids) {
            try {
                action.run(id);
            } catch (ClientException e) {
                error(e.getMessage());
            }
        }
    }

    private void alias(List<String> args, Gesture g) throws IOException, ClientException {
        if (args.size() >= 2) {
            client.alias(args.get(0), args.get(1));
            return;
        }
        String id = selected();
        if (args.size() == 1 && id != null) client.alias(id, args.get(0));
        else throw new ClientException("Alias: give the session and the name (Alias <id> <name>), or select the session's line and run Alias <name>");
    }

    /** The session on the line of the body's selection, or null. */
    private String selected() throws IOException {
        synchronized (render) {
            String body = main.body();
            return sessionAtDot(body, main.dot()[0]);
        }
    }

    private Session withBackend(Session s) {
        for (Session known : sessions) {
            if (known.id().equals(s.id())) return s.withBackend(known.backend());
        }
        return s;
    }

    List<Session> sessionsNow() {
        return sessions;
    }

    /** The id of the session whose id or alias is {@code word}, or null. */
    String session(String word) {
        for (Session s : sessions) {
            if (s.id().equals(word) || word.equals(s.alias())) return s.id();
        }
        return null;
    }

    /** How a person names the session: its alias, else its id. */
    String nameOf(String id) {
        for (Session s : sessions) {
            if (s.id().equals(id)) return s.name();
        }
        return id;
    }

    private Backend backendNamed(String word) {
        for (Backend b : backends) {
            if (b.available() && (b.name().equals(word) || Table.commandName(b.name()).equals(word))) return b;
        }
        return null;
    }

    /** A directory as the user gave it, made absolute against Assist's own directory; ~ is the daemon's. */
    private String directory(String given) {
        String d = given.strip();
        if (d.length() > 1 && (d.startsWith("'") && d.endsWith("'") || d.startsWith("\"") && d.endsWith("\""))) d = d.substring(1, d.length() - 1);
        if (d.isEmpty()) return dir.toString();
        if (d.equals("~") || d.startsWith("~/")) return d;
        return dir.resolve(d).normalize().toString();
    }

    // ---- the other windows -------------------------------------------------------------------

    PromptWindow prompt(String id) throws IOException {
        PromptWindow p = prompts.get(id);
        if (p != null && p.alive()) return p;
        p = PromptWindow.open(this, id, nameOf(id), () -> prompts.remove(id));
        prompts.put(id, p);
        return p;
    }

    private void logWindow(String id) throws IOException {
        String name = NAME + "+Log." + nameOf(id);
        if (reveal(name)) return;
        Win w = acme.open(name, "");
        var stream = client.log(id, text -> {
            try {
                w.append(text);
                w.ctl("clean");
            } catch (IOException gone) {
                // the window was deleted; the stream is closed when its event reader ends
            }
        }, why -> {
            try {
                w.append("(" + why + ")\n");
            } catch (IOException gone) {
                // nobody to tell
            }
        });
        follow(name, w, g -> handBack(w, g), stream::close);
    }

    /** Shows the side window called {@code name} if Assist has it open already; false when not. */
    boolean reveal(String name) throws IOException {
        Win w = side.get(name);
        if (w == null) return false;
        w.ctl("show");
        return true;
    }

    /** Follows a side window's events; {@code end} runs when it is deleted. */
    void follow(String name, Win w, Consumer<Gesture> each, Runnable end) {
        Win old = side.put(name, w);
        if (old != null && old != w) old.delete();
        ExecutorService ordered = inOrder();
        w.follow(new Gesture.Assembler(w, g -> ordered.execute(() -> each.accept(g))), () -> {
            ordered.shutdown();
            side.remove(name, w);
            end.run();
            w.close();
        });
    }

    private static ExecutorService inOrder() {
        return Executors.newSingleThreadExecutor(Thread.ofVirtual().name("assist command").factory());
    }

    void handBack(Win w, Gesture g) {
        try {
            w.handBack(g.event());
        } catch (IOException e) {
            // the window is gone
        }
    }

    /** Says one line in {@code /AnviLLM/+Errors} (null: nothing). */
    synchronized void error(String line) {
        if (line == null || line.isBlank()) return;
        String one = line.strip().replace('\n', ' ') + "\n";
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                if (errors == null) {
                    errors = acme.open(NAME + "+Errors", "");
                    Win w = errors;
                    w.follow(new Gesture.Assembler(w, g -> handBack(w, g)), () -> forgetErrors(w));
                }
                errors.append(one);
                errors.ctl("clean");
                return;
            } catch (IOException e) {
                errors = null;
            }
        }
        System.err.print("Assist: " + one);
    }

    private synchronized void forgetErrors(Win w) {
        if (errors == w) errors = null;
        w.close();
    }

    @Override
    public void close() {
        if (live != null) live.close();
        commands.shutdownNow();
        for (PromptWindow p : prompts.values()) p.close();
        for (Win w : side.values()) w.close();
        if (main != null) main.close();
        synchronized (this) {
            if (errors != null) errors.close();
        }
        client.close();
        acme.close();
        done.countDown();
    }
}
