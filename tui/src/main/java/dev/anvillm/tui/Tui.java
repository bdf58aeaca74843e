package dev.anvillm.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import dev.anvillm.client.AgentClient;
import dev.anvillm.client.Backend;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.Command;
import dev.anvillm.client.DaemonFacts;
import dev.anvillm.client.Event;
import dev.anvillm.client.Info;
import dev.anvillm.client.LiveSessions;
import dev.anvillm.client.LogStream;
import dev.anvillm.client.Session;
import dev.anvillm.client.State;
import dev.anvillm.client.Stats;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The terminal UI. One thread (the UI thread, running {@link #run}) owns every field below and
 * draws; keys arrive from an input thread and session changes from the events feed, both as
 * tasks in {@link #inbox}. Every 9P call runs on a virtual thread and hands its result back the
 * same way, so a slow or absent daemon never holds a key.
 */
final class Tui {
    /** How often the preview of a session that is working (its screen) is looked at again. */
    static final long SCREEN_REFRESH_MS = 1000;
    /** How often agent/stats (CPU and memory of every session) is read while the TUI is open. */
    static final long STATS_REFRESH_MS = 3000;
    private static final String[] HELP = {
            "Keys (the session under the cursor)",
            "",
            "  ↑ ↓  j k  C-p C-n   move          PgUp PgDn Home End   page",
            "  Enter   attach (tmux; detach with C-b d to come back)",
            "  s   new session          S   start",
            "  p   prompt (multi-line)   t   stop",
            "  c   context               R   restart (same conversation)",
            "  a   alias                 K   kill (asks first)",
            "  l   log (follows)         i   interrupt the turn",
            "  r   refresh the state     /   filter (Esc clears)",
            "  d   daemon status         ?   this help",
            "  q   quit (also Ctrl-C)",
            "",
            "The table is live (agent/events): no key is needed to see changes.",
            "Prompts to a busy session are queued and delivered when it is idle.",
    };

    private TerminalScreen screen;
    private final AgentClient client;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final ReentrantLock inputLock = new ReentrantLock();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("preview-timer").unstarted(r));
    private final ArrayDeque<Overlay> overlays = new ArrayDeque<>();
    private final String startDir;

    private LiveSessions live;
    private volatile boolean quit;
    private List<Session> all = List.of();
    private List<Session> rows = List.of();
    private boolean connected;
    private boolean everConnected;
    private String problem;
    private String selected; // the session under the cursor, by id
    private int cursor;
    private int top;
    private String filter = "";
    private String status = "";
    private boolean statusIsError;
    private String previewId;
    private String previewKind = "";
    private String previewText = "";
    private CompletableFuture<?> previewFetch;
    private ScheduledFuture<?> previewTimer;
    /** What each session uses, by id, from the last read of agent/stats. */
    private Map<String, Stats> stats = Map.of();
    private boolean statsInFlight;
    /** The terminal's content is unknown (back from an attach, Ctrl-L): draw every cell. */
    private boolean repaint;

    Tui(AgentClient client, String startDir) {
        this.client = client;
        this.startDir = startDir;
    }

    // ---- the loop -----------------------------------------------------------------------------

    /**
     * Starts following the daemon. Called before the terminal is set up, so that dialling and
     * reading the table overlap with it; what it hears waits in the inbox until {@link #run}.
     */
    void follow() {
        live = LiveSessions.start(client, new LiveSessions.Listener() {
            @Override
            public void changed(LiveSessions.Snapshot now, Event cause) {
                post(() -> table(now, cause));
            }

            @Override
            public void event(Event e) {
                post(() -> noticed(e));
            }
        });
    }

    void run(TerminalScreen screen) throws IOException, InterruptedException {
        this.screen = screen;
        screen.getTerminal().addResizeListener((t, s) -> post(() -> {}));
        Thread input = Thread.ofPlatform().daemon().name("keys").start(this::readKeys);
        if (!connected) status = "connecting to " + client.socket() + "…";
        timer.scheduleWithFixedDelay(() -> post(this::fetchStats), 0, STATS_REFRESH_MS, TimeUnit.MILLISECONDS);
        try {
            draw();
            while (!quit) {
                Runnable r = inbox.take();
                do {
                    r.run();
                } while (!quit && (r = inbox.poll()) != null);
                if (!quit) draw();
            }
        } finally {
            live.close();
            timer.shutdownNow();
            for (Overlay o : overlays) o.closed();
            input.interrupt();
        }
    }

    void post(Runnable r) {
        inbox.add(r);
    }

    /**
     * Keys, read without blocking so that an attach can take the terminal: while {@link #inputLock}
     * is held elsewhere no byte typed is read here.
     */
    private void readKeys() {
        long lastKey = System.nanoTime();
        while (!quit) {
            KeyStroke k;
            inputLock.lock();
            try {
                k = screen.pollInput();
            } catch (IOException e) {
                post(() -> quit = true);
                return;
            } finally {
                inputLock.unlock();
            }
            if (k == null) {
                // nothing typed: look again shortly (a blocking read could not hand the terminal to
                // tmux); soon while keys come, less often once the user pauses
                long idle = System.nanoTime() - lastKey;
                try {
                    Thread.sleep(idle < 1_000_000_000L ? 8 : 30);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            lastKey = System.nanoTime();
            if (k.getKeyType() == KeyType.EOF) {
                post(() -> quit = true);
                return;
            }
            post(() -> key(k));
        }
    }

    // ---- what the daemon says -------------------------------------------------------------------

    private void table(LiveSessions.Snapshot now, Event cause) {
        boolean wasConnected = connected;
        connected = now.connected();
        problem = now.problem();
        all = now.sessions();
        if (connected && !wasConnected) {
            if (everConnected) say("daemon back: " + all.size() + " sessions");
            else if (status.startsWith("connecting")) status = "";
            everConnected = true;
            fetchStats();
        }
        refilter();
        if (cause == null || selected == null || cause.id().equals(selected)) preview(false);
    }

    private void noticed(Event e) {
        if (e.id().equals(selected) && e.kind().equals("reply")) preview(true);
        if (e.kind().equals("error")) {
            Session s = find(e.id());
            sayError((s == null ? e.id() : s.name()) + ": " + e.detail());
        }
    }

    private void refilter() {
        String f = filter.toLowerCase(Locale.ROOT);
        rows = f.isEmpty() ? all : all.stream().filter(s -> matches(s, f)).toList();
        // the cursor stays on the same session; if it went, on the row that took its place
        int at = indexOf(selected);
        if (at >= 0) cursor = at;
        else cursor = Math.max(0, Math.min(cursor, rows.size() - 1));
        selected = rows.isEmpty() ? null : rows.get(cursor).id();
    }

    private static boolean matches(Session s, String f) {
        return s.id().contains(f) || (s.alias() != null && s.alias().toLowerCase(Locale.ROOT).contains(f))
                || (s.backend() != null && s.backend().toLowerCase(Locale.ROOT).contains(f))
                || s.state().word().contains(f) || s.cwd().toLowerCase(Locale.ROOT).contains(f);
    }

    private int indexOf(String id) {
        if (id == null) return -1;
        for (int i = 0; i < rows.size(); i++) if (rows.get(i).id().equals(id)) return i;
        return -1;
    }

    private Session find(String id) {
        for (Session s : all) if (s.id().equals(id)) return s;
        return null;
    }

    private Session current() {
        return selected == null ? null : find(selected);
    }

    /** Reads agent/stats off the UI thread, one read at a time, while the daemon answers. */
    private void fetchStats() {
        if (statsInFlight || !connected) return;
        statsInFlight = true;
        Thread.startVirtualThread(() -> {
            Map<String, Stats> now = null;
            try {
                now = client.stats().stream().collect(Collectors.toMap(Stats::id, Function.identity()));
            } catch (ClientException e) {
                // the table says when the daemon is away; the figures stay as they were
            }
            Map<String, Stats> got = now;
            post(() -> {
                statsInFlight = false;
                if (got != null) stats = got;
            });
        });
    }

    // ---- the preview ----------------------------------------------------------------------------

    /**
     * Shows the selected session's last reply, or its screen while it works or waits (looked at
     * again every second while that lasts). {@code force} fetches even if nothing changed.
     */
    private void preview(boolean force) {
        Session s = current();
        String kind = s == null ? "" : s.state().busy() ? "screen" : "reply";
        if (!force && s != null && s.id().equals(previewId) && kind.equals(previewKind)) return;
        if (previewFetch != null) previewFetch.cancel(true);
        if (previewTimer != null) previewTimer.cancel(false);
        previewFetch = null;
        previewTimer = null;
        if (s == null) {
            previewId = null;
            previewKind = "";
            previewText = "";
            return;
        }
        if (!s.id().equals(previewId)) previewText = "";
        previewId = s.id();
        previewKind = kind;
        fetchPreview(s.id(), kind);
        if (kind.equals("screen")) {
            String id = s.id();
            previewTimer = timer.scheduleWithFixedDelay(() -> post(() -> {
                if (id.equals(previewId) && previewKind.equals("screen")) fetchPreview(id, "screen");
            }), SCREEN_REFRESH_MS, SCREEN_REFRESH_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void fetchPreview(String id, String kind) {
        CompletableFuture<String> f;
        if (kind.equals("screen")) {
            f = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.screen(id);
                } catch (ClientException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, Thread::startVirtualThread);
        } else {
            f = client.reply(id);
        }
        previewFetch = f;
        f.whenComplete((text, t) -> post(() -> {
            if (f != previewFetch) return; // the selection moved on, or a newer look was taken
            if (t == null) previewText = text;
            else if (!f.isCancelled()) previewText = "(" + cause(t) + ")";
        }));
    }

    private static String cause(Throwable t) {
        while (t.getCause() != null && !(t instanceof ClientException)) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    // ---- keys -----------------------------------------------------------------------------------

    private void key(KeyStroke k) {
        Overlay o = overlays.peek();
        if (o != null) {
            if (!o.key(k)) {
                overlays.remove(o);
                o.closed();
            }
            return;
        }
        switch (k.getKeyType()) {
            case ArrowUp -> move(-1);
            case ArrowDown -> move(1);
            case PageUp -> move(-tableRows());
            case PageDown -> move(tableRows());
            case Home -> move(-rows.size());
            case End -> move(rows.size());
            case Enter -> attach();
            case Escape -> {
                if (!filter.isEmpty()) setFilter("");
            }
            case Character -> character(k);
            default -> { }
        }
    }

    private void character(KeyStroke k) {
        char c = k.getCharacter();
        if (k.isCtrlDown()) {
            switch (c) {
                case 'n' -> move(1);
                case 'p' -> move(-1);
                case 'c' -> quit = true;
                case 'l' -> repaint = true;
                default -> { }
            }
            return;
        }
        if (k.isAltDown()) return;
        switch (c) {
            case 'j' -> move(1);
            case 'k' -> move(-1);
            case 'g' -> move(-rows.size());
            case 'G' -> move(rows.size());
            case 'q' -> quit = true;
            case '?' -> overlays.push(new Pager("help", String.join("\n", HELP), null));
            case 's' -> newSession();
            case 'p' -> prompt();
            case 't' -> command(Command.STOP, "stop");
            case 'S' -> command(Command.START, "start");
            case 'R' -> command(Command.RESTART, "restart");
            case 'i' -> command(Command.INTERRUPT, "interrupt");
            case 'r' -> command(Command.REFRESH, "refresh");
            case 'K' -> kill();
            case 'a' -> alias();
            case 'c' -> context();
            case 'l' -> log();
            case 'd' -> daemon();
            case '/' -> overlays.push(new Editor("filter: id, alias, backend, state or directory", filter, false,
                    this::setFilter, this::setFilter).onCancel(() -> setFilter("")));
            default -> say("no key '" + c + "'; ? shows the keys");
        }
    }

    private void setFilter(String f) {
        filter = f.strip();
        refilter();
        preview(false);
    }

    private void move(int by) {
        if (rows.isEmpty()) return;
        cursor = Math.max(0, Math.min(rows.size() - 1, cursor + by));
        selected = rows.get(cursor).id();
        preview(false);
    }

    // ---- actions: each on the session under the cursor, by id, off the UI thread ----------------

    interface Call {
        String run() throws ClientException;
    }

    /** Runs {@code call} on a virtual thread; its answer (or the daemon's error line) goes to the status line. */
    private void act(Call call) {
        Thread.startVirtualThread(() -> {
            try {
                String said = call.run();
                if (said != null) post(() -> say(said));
            } catch (ClientException e) {
                post(() -> sayError(e.getMessage()));
            } catch (RuntimeException e) {
                post(() -> sayError(e.toString()));
            }
        });
    }

    /** The session under the cursor, or null after saying there is none. */
    private Session target() {
        Session s = current();
        if (s == null) say(connected ? "no session here; s starts one" : "no session: the daemon is not answering");
        return s;
    }

    private static String label(Session s) {
        return s.alias() == null ? s.id() : s.alias() + " (" + s.id() + ")";
    }

    private void command(Command c, String verb) {
        Session s = target();
        if (s == null) return;
        String id = s.id();
        String name = label(s);
        say(verb + " " + name + "…");
        act(() -> {
            client.command(id, c);
            return verb + ": " + name + " done";
        });
    }

    private void kill() {
        Session s = target();
        if (s == null) return;
        String id = s.id();
        String name = label(s);
        overlays.push(new Confirm("kill", "Kill " + name + "? Its process ends and the session is forgotten"
                + " (its queue and its conversation record go with it).", () -> {
            say("killing " + name + "…");
            act(() -> {
                client.command(id, Command.KILL);
                return "killed " + name;
            });
        }));
    }

    private void prompt() {
        Session s = target();
        if (s == null) return;
        String id = s.id();
        String name = label(s);
        overlays.push(Editor.text("prompt to " + name, "", text -> {
            if (text.isBlank()) {
                say("empty prompt: nothing sent");
                return;
            }
            act(() -> {
                Session now = find(id);
                client.prompt(id, text);
                State st = now == null ? State.UNKNOWN : now.state();
                if (st == State.SLEEPING) return "queued for " + name + " (sleeping): it wakes and gets it once ready";
                return st.busy() ? "queued for " + name + " (" + st.word() + "): delivered when it is idle" : "sent to " + name;
            });
        }));
    }

    private void alias() {
        Session s = target();
        if (s == null) return;
        String id = s.id();
        overlays.push(Editor.line("alias of " + id + " (empty clears it)", s.alias() == null ? "" : s.alias(), text -> act(() -> {
            client.alias(id, text);
            return text.isBlank() ? "alias of " + id + " cleared" : id + " is now " + text.strip();
        })));
    }

    private void context() {
        Session s = target();
        if (s == null) return;
        String id = s.id();
        String name = label(s);
        Editor e = Editor.text("context of " + name + " (sent ahead of each new conversation)", "", text -> act(() -> {
            client.context(id, text);
            return "context of " + name + " set (" + text.length() + " characters)";
        }));
        overlays.push(e);
        act(() -> {
            String now = client.context(id);
            post(() -> e.load(now.stripTrailing()));
            return null;
        });
    }

    private void log() {
        Session s = target();
        if (s == null) return;
        String name = label(s);
        LogStream[] stream = new LogStream[1];
        Pager p = Pager.following("log of " + name, () -> {
            if (stream[0] != null) stream[0].close();
        });
        overlays.push(p);
        stream[0] = client.log(s.id(), text -> post(() -> p.append(text)), why -> post(() -> p.footer("— " + why + " —")));
    }

    private void daemon() {
        say("asking the daemon…");
        act(() -> {
            DaemonFacts f = DaemonFacts.of(client);
            post(() -> {
                status = "";
                overlays.push(new Pager("daemon", f.text(), null));
            });
            return null;
        });
    }

    private void newSession() {
        Session here = current();
        String dir = here != null ? here.cwd() : startDir;
        NewSessionForm form = new NewSessionForm(dir, (backend, d, alias) -> {
            say("starting " + backend + " in " + d + "…");
            act(() -> {
                String id = client.create(backend, d, alias);
                post(() -> {
                    selected = id; // the cursor goes to it as soon as the table has it
                    refilter();
                });
                return "created " + id + (alias.isEmpty() ? "" : " (" + alias + ")") + ": " + backend + " in " + d;
            });
        });
        overlays.push(form);
        act(() -> {
            List<Backend> backends = client.backends();
            post(() -> form.backends(backends));
            return null;
        });
    }

    private void attach() {
        Session s = target();
        if (s == null) return;
        String id = s.id();
        say("attaching to " + label(s) + "…");
        act(() -> {
            Info info = client.info(id);
            List<String> argv = info.attachCommand();
            if (argv == null) throw new ClientException("the daemon did not say where session " + id + " runs");
            post(() -> runAttached(argv, label(s)));
            return null;
        });
    }

    /** Hands the terminal to tmux until it detaches, then takes it back and draws everything again. */
    private void runAttached(List<String> argv, String name) {
        inputLock.lock();
        try {
            screen.stopScreen(false);
            ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
            pb.environment().remove("TMUX"); // the daemon's own tmux server: not nested in the user's
            int rc = pb.start().waitFor();
            status = rc == 0 ? "back from " + name : "";
            if (rc != 0) sayError("tmux attach ended with status " + rc);
        } catch (IOException e) {
            sayError("cannot run tmux: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                screen.startScreen();
                screen.setCursorPosition(null);
                repaint = true;
            } catch (IOException e) {
                quit = true;
            }
            inputLock.unlock();
        }
        preview(true);
    }

    private void say(String s) {
        status = s;
        statusIsError = false;
    }

    private void sayError(String s) {
        status = s;
        statusIsError = true;
    }

    // ---- drawing --------------------------------------------------------------------------------

    private int tableRows() {
        int h = screen.getTerminalSize().getRows();
        return Math.max(3, (h - 4) / 2);
    }

    private void draw() throws IOException {
        TerminalSize resized = screen.doResizeIfNecessary();
        TerminalSize size = resized != null ? resized : screen.getTerminalSize();
        int w = size.getColumns();
        int h = size.getRows();
        TextGraphics g = screen.newTextGraphics();
        screen.clear();
        int tRows = tableRows();

        // title
        g.setBackgroundColor(TextColor.ANSI.BLUE);
        g.setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
        String title = " anvillm · " + client.socket().getParent() + (filter.isEmpty() ? "" : " · filter: " + filter);
        String keys = "? help · q quit ";
        g.putString(0, 0, Text.fit(Text.fit(title, Math.max(0, w - keys.length())) + keys, w), SGR.BOLD);

        // header and rows
        Columns cols = Columns.of(w);
        g.setBackgroundColor(TextColor.ANSI.DEFAULT);
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        g.putString(0, 1, cols.row("ID", "ALIAS", "BACKEND", "STATE", "PID", "CPU%", "MEM", "CWD"), SGR.BOLD, SGR.UNDERLINE);
        if (cursor < top) top = cursor;
        if (cursor >= top + tRows) top = cursor - tRows + 1;
        top = Math.max(0, Math.min(top, Math.max(0, rows.size() - tRows)));
        for (int i = 0; i < tRows && top + i < rows.size(); i++) {
            Session s = rows.get(top + i);
            drawRow(g, 2 + i, cols, s, top + i == cursor);
        }
        if (rows.isEmpty()) {
            g.setForegroundColor(TextColor.ANSI.BLACK_BRIGHT);
            g.putString(2, 3, Text.fit(!filter.isEmpty() ? "no session matches the filter (Esc clears it)"
                    : connected ? "no sessions yet: press s to start one" : "", w - 2));
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }

        // preview
        int py = 2 + tRows;
        Session s = current();
        String pTitle = s == null ? "" : " " + label(s) + " · " + (previewKind.equals("screen") ? "screen" : "last reply") + " ";
        g.setForegroundColor(TextColor.ANSI.CYAN);
        g.putString(0, py, Text.fit("─" + pTitle + "─".repeat(Math.max(0, w)), w));
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        int pRows = h - py - 2;
        if (s != null && pRows > 0) {
            List<String> lines = previewKind.equals("screen") ? screenLines(previewText) : Text.wrap(previewText.stripTrailing(), w);
            if (lines.isEmpty() || (lines.size() == 1 && lines.getFirst().isEmpty())) {
                g.setForegroundColor(TextColor.ANSI.BLACK_BRIGHT);
                lines = List.of(previewKind.equals("screen") ? "(blank screen)" : "(no reply yet)");
            }
            // a screen shows its bottom (where the agent writes), a reply its beginning
            int from = previewKind.equals("screen") ? Math.max(0, lines.size() - pRows) : 0;
            for (int i = 0; i < pRows && from + i < lines.size(); i++) g.putString(0, py + 1 + i, Text.fit(lines.get(from + i), w));
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }

        // status line
        drawStatus(g, w, h - 1);
        for (Overlay o : overlays.reversed()) o.draw(g, size);
        screen.refresh(repaint ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
        repaint = false;
    }

    private static List<String> screenLines(String text) {
        return text.isEmpty() ? List.of() : List.of(text.stripTrailing().split("\n", -1));
    }

    private void drawRow(TextGraphics g, int y, Columns cols, Session s, boolean here) {
        boolean grey = !connected;
        TextColor fg = grey ? TextColor.ANSI.BLACK_BRIGHT : TextColor.ANSI.DEFAULT;
        TextColor bg = here ? (grey ? TextColor.ANSI.BLACK : TextColor.ANSI.BLUE) : TextColor.ANSI.DEFAULT;
        g.setBackgroundColor(bg);
        g.setForegroundColor(here && !grey ? TextColor.ANSI.WHITE_BRIGHT : fg);
        String marker = here ? "›" : " ";
        String pid = s.pid() > 0 ? Long.toString(s.pid()) : "-";
        Stats st = s.pid() > 0 ? stats.get(s.id()) : null;
        String cpu = st == null ? "-" : Stats.cpuText(st.cpu());
        String mem = st == null ? "-" : Stats.bytesText(st.memory());
        String line = cols.row(s.id(), s.alias() == null ? "-" : s.alias(), s.backend() == null ? "…" : s.backend(), "", pid, cpu, mem, s.cwd());
        g.putString(0, y, marker + line.substring(1));
        // the state in its colour; waiting (a human is needed) stands out
        TextColor stateColour = grey ? TextColor.ANSI.BLACK_BRIGHT : colour(s.state());
        String word = s.state() == State.WAITING ? "WAITING" : s.state().word();
        g.setForegroundColor(stateColour);
        if (s.state() == State.WAITING && !grey) {
            g.setBackgroundColor(TextColor.ANSI.MAGENTA);
            g.setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
            g.putString(cols.stateAt(), y, Text.fit(word, cols.state()), SGR.BOLD, SGR.BLINK);
        } else {
            g.putString(cols.stateAt(), y, Text.fit(word, cols.state()), SGR.BOLD);
        }
        g.setBackgroundColor(TextColor.ANSI.DEFAULT);
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }

    static TextColor colour(State s) {
        return switch (s) {
            case IDLE -> TextColor.ANSI.GREEN;
            case RUNNING -> TextColor.ANSI.YELLOW;
            case WAITING -> TextColor.ANSI.MAGENTA_BRIGHT;
            case STARTING -> TextColor.ANSI.CYAN;
            case STOPPED -> TextColor.ANSI.BLACK_BRIGHT;
            case SLEEPING -> TextColor.ANSI.BLUE;
            case ERROR, EXITED -> TextColor.ANSI.RED;
            case UNKNOWN -> TextColor.ANSI.DEFAULT;
        };
    }

    private void drawStatus(TextGraphics g, int w, int y) {
        long waiting = all.stream().filter(s -> s.state() == State.WAITING).count();
        String counts = all.size() + (all.size() == 1 ? " session" : " sessions")
                + (rows.size() != all.size() ? " (" + rows.size() + " shown)" : "")
                + (waiting > 0 ? " · " + waiting + " waiting" : "") + " ";
        String left;
        TextColor colour;
        if (!connected && problem != null) {
            left = " daemon not answering: start it with anvilsrv start · retrying…";
            colour = TextColor.ANSI.RED;
        } else {
            left = " " + status;
            colour = statusIsError ? TextColor.ANSI.RED : TextColor.ANSI.DEFAULT;
        }
        int room = Math.max(0, w - counts.length());
        g.setForegroundColor(colour);
        g.putString(0, y, Text.fit(left, room), statusIsError || !connected ? SGR.BOLD : SGR.ITALIC);
        g.setForegroundColor(waiting > 0 ? TextColor.ANSI.MAGENTA_BRIGHT : TextColor.ANSI.DEFAULT);
        g.putString(room, y, Text.fit(counts, w - room), waiting > 0 ? SGR.BOLD : SGR.ITALIC);
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }
}
