package dev.anvillm.srv.session;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.delivery.Delivery;
import dev.anvillm.srv.detect.HookEvent;
import dev.anvillm.srv.detect.HookReading;
import dev.anvillm.srv.detect.ScreenReading;
import dev.anvillm.srv.detect.TurnReply;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.store.SessionRecord;
import dev.anvillm.srv.store.SessionStore;
import dev.anvillm.srv.supervise.Lifecycle;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One supervised agent session. Every change to it runs on its {@link Actor}; readers see
 * volatile snapshots. The state word comes only from what the backend itself signals (hooks,
 * transcript, screen), never from asking the model.
 */
public final class Session {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    public static final int MAX_PROMPT = 1 << 20;
    public static final int MAX_QUEUE = 64;
    public static final int MAX_CONTEXT = 64 << 10;
    /** `log` on disk: rotated past this, the previous file kept (so up to twice this). */
    static final long LOG_CAP = 8L << 20;
    /** A look at the screen follows its output by this much, so that one look covers a burst of it. */
    private static final long OUTPUT_DELAY_MS = 20;
    /** and comes at most this often while the session works. */
    private static final Duration BUSY_LOOK = Duration.ofMillis(100);
    private static final Duration IDLE_LOOK = Duration.ofSeconds(1);

    private final String id;
    private final BackendSpec spec;
    private final Path cwd;
    private final long createdMs;
    private final SessionServices svc;
    private final Actor actor;
    private final TextLog out;
    private final TextLog log;

    private volatile State state = State.STARTING;
    private volatile String alias;
    private volatile String conversation;
    private volatile String transcriptPath;
    private volatile String context = "";
    private volatile boolean contextPending;
    private volatile boolean stopped;
    private volatile String errorCause;
    private volatile String lastReply = "";
    private volatile int stateVersion;
    private final List<String> history = new ArrayList<>();

    // owned by the actor
    /** The prompt queue and its delivery (dev.anvillm.srv.delivery), on this actor. */
    private final Delivery delivery;
    /** The backend's process from launch to exit (dev.anvillm.srv.supervise.Lifecycle), on this actor. */
    private final Lifecycle lifecycle;
    /** What the hooks say (dev.anvillm.srv.detect.HookReading), on this actor. */
    private final HookReading hooks;
    private boolean replaying;
    private boolean killed;
    /** What the screen says (dev.anvillm.srv.detect.ScreenReading), on this actor. */
    private final ScreenReading screenReading;
    private final ToHooks toHooks = new ToHooks();
    private boolean sessionStarted;
    /** What a human must do before the session can go on (a dialog came up before the backend was ever ready), or null. */
    private volatile String attention;
    private volatile long lastLookMs;
    /** When tmux last said the pane had output. */
    private volatile long lastOutputMs;

    private final List<Consumer<String>> replyWaiters = new ArrayList<>();
    /** When the next look at the screen is due (epoch ms), Long.MAX_VALUE when none is. */
    private final AtomicLong nextLookAt = new AtomicLong(Long.MAX_VALUE);

    Session(SessionRecord r, BackendSpec spec, SessionServices svc) throws IOException {
        this.id = r.id();
        this.spec = spec;
        this.cwd = Path.of(r.cwd());
        this.createdMs = r.createdMs();
        this.svc = svc;
        this.actor = new Actor(id);
        this.alias = r.alias();
        this.conversation = r.conversation();
        this.transcriptPath = r.transcriptPath();
        this.context = r.context() == null ? "" : r.context();
        this.contextPending = r.contextPending();
        this.stopped = r.stopped();
        this.errorCause = r.errored() ? r.errorCause() : null;
        this.history.addAll(r.history());
        this.out = new TextLog(svc.store().outFile(id));
        this.log = new TextLog(svc.store().logFile(id), LOG_CAP);
        this.lifecycle = new Lifecycle(id, spec, cwd, r.pid(), r.history(), new ToLifecycle(), svc.tmux(), svc.store(), svc.launcher(),
                svc.sandbox(), svc.spares(), svc.exits(), svc.policy().of(spec.name()));
        this.screenReading = new ScreenReading(spec);
        this.hooks = new HookReading(id, spec.hooks(), svc.store());
        this.delivery = new Delivery(new ToDelivery(), svc.store(), svc.store().queue(id));
        if (stopped) state = State.STOPPED;
        else if (errorCause != null) state = State.ERROR;
        else if (r.sleeping()) state = State.SLEEPING;
        svc.tmux().onOutput(id, this::outputSeen);
    }

    // ---- what readers see --------------------------------------------------------------------

    public String id() { return id; }
    public String alias() { return alias; }
    public State state() { return state; }
    public int pid() { return state.live() ? lifecycle.pid() : 0; }
    public Path cwd() { return cwd; }
    public BackendSpec backend() { return spec; }
    public String conversation() { return conversation; }
    public String context() { return context; }
    public long createdMs() { return createdMs; }
    public TextLog out() { return out; }
    public TextLog log() { return log; }
    public String lastReply() { return lastReply; }
    /** Moves whenever the state word changes (for qid versions). */
    public int stateVersion() { return stateVersion; }

    public String tmuxTarget() {
        return id;
    }

    /** One fact per line: what `info` shows. */
    public String info(Path tmuxSocket) {
        StringBuilder sb = new StringBuilder();
        line(sb, "id", id);
        line(sb, "alias", alias == null ? "-" : alias);
        line(sb, "backend", spec.name());
        line(sb, "state", state.word());
        line(sb, "pid", Integer.toString(pid()));
        line(sb, "cwd", cwd.toString());
        line(sb, "created", Instant.ofEpochMilli(createdMs).toString());
        line(sb, "conversation", conversation == null ? "-" : conversation);
        line(sb, "transcript", transcriptPath == null ? "-" : transcriptPath);
        line(sb, "queued", Integer.toString(queueSize()));
        line(sb, "context", context.isEmpty() ? "none" : context.length() + " bytes" + (contextPending ? " (delivered with the next prompt)" : ""));
        line(sb, "stop-flag", stopped ? "set" : "clear");
        line(sb, "restarts", Integer.toString(restarts()));
        line(sb, "last-exit", lifecycle.lastExit().isEmpty() ? "-" : lifecycle.lastExit());
        if (errorCause != null) line(sb, "error", errorCause);
        String needs = attention;
        if (needs != null) line(sb, "attention", needs);
        if (!spec.passEnv().isEmpty()) line(sb, "backend-env", lifecycle.backendEnvText());
        line(sb, "sandbox", lifecycle.sandboxSummary());
        for (String d : lifecycle.sandboxDetails()) line(sb, "sandbox-detail", d);
        line(sb, "tmux", "tmux -S " + tmuxSocket + " attach -t " + tmuxTarget());
        synchronized (history) {
            for (String h : history) line(sb, "history", h);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String k, String v) {
        sb.append(k).append('\t').append(v.replace('\n', ' ')).append('\n');
    }

    /** How many times the backend was started again (by the restart policy or by request). */
    public int restarts() {
        synchronized (history) {
            return (int) history.stream().filter(h -> h.contains(" restarted")).count();
        }
    }

    public int queueSize() {
        return delivery.size();
    }

    SessionRecord record() {
        synchronized (history) {
            return new SessionRecord(id, alias, spec.name(), cwd.toString(), createdMs, conversation, transcriptPath,
                    stopped, context, contextPending, lifecycle.pid(), tmuxTarget(), errorCause != null, errorCause, history,
                    state == State.SLEEPING);
        }
    }

    private void save() {
        try {
            svc.store().save(record());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "session {0}: cannot save its record: {1}", id, e.getMessage());
        }
    }

    // ---- commands from the tree (each runs on the actor) ------------------------------------

    <T> T onActor(java.util.concurrent.Callable<T> c) throws SessionException {
        try {
            return actor.call(c);
        } catch (SessionException e) {
            throw e;
        } catch (IOException e) {
            throw new SessionException("session " + id + ": " + e.getMessage());
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "session " + id, e);
            throw new SessionException("session " + id + ": internal error " + e.getClass().getSimpleName());
        }
    }

    /** Checks that can fail a Twrite on `in` early. */
    public void checkPrompt(long size) throws SessionException {
        if (state == State.STOPPED || state == State.ERROR) {
            throw new SessionException("session " + id + " is " + state.word() + "; write 'start' to agent/" + id + "/ctl first");
        }
        if (size > MAX_PROMPT) throw new SessionException("prompt too large: limit " + MAX_PROMPT + " bytes");
        if (queueSize() >= MAX_QUEUE) throw new SessionException("queue full: " + MAX_QUEUE + " prompts waiting; wait for replies");
    }

    /** Accepts a prompt: durable before this returns, delivered now if idle, else in order later; wakes a sleeping session. */
    public void submit(String text) throws SessionException {
        onActor(() -> {
            checkPrompt(text.length());
            try {
                delivery.accept(text);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "session {0}: {1}", id, e.getMessage());
                throw new SessionException("session " + id + ": " + e.getMessage());
            }
            svc.events().event(id, "prompt-queued", Integer.toString(queueSize()));
            if (state == State.SLEEPING) {
                try {
                    lifecycle.launch(false, "woken by a prompt");
                } catch (IOException e) {
                    // the prompt stays queued: a start delivers it
                    fail("could not wake it: " + e.getMessage() + "; write 'start' to ctl to try again");
                }
            }
            delivery.kick();
            return null;
        });
    }

    public void setContext(String text) throws SessionException {
        if (text.length() > MAX_CONTEXT) throw new SessionException("context too large: limit " + MAX_CONTEXT + " bytes");
        onActor(() -> {
            String was = context;
            boolean wasPending = contextPending;
            context = text;
            contextPending = !text.isEmpty();
            try {
                svc.store().save(record());
            } catch (IOException e) {
                context = was;
                contextPending = wasPending;
                throw new SessionException("session " + id + ": context not stored: " + SessionStore.reason(e) + "; free disk space and write it again");
            }
            svc.events().event(id, "context", text.length() + " bytes");
            return null;
        });
    }

    void setAlias(String a) throws SessionException {
        onActor(() -> {
            String was = alias;
            alias = a;
            try {
                svc.store().save(record());
            } catch (IOException e) {
                alias = was;
                throw new SessionException("session " + id + ": alias not stored: " + SessionStore.reason(e) + "; free disk space and write it again");
            }
            svc.events().event(id, "alias", a == null ? "-" : a);
            return null;
        });
    }

    /** AnviLLM's convention: an agent may say it is idle or running. */
    public void agentSays(String word) throws SessionException {
        State s;
        try {
            s = State.parse(word);
        } catch (IllegalArgumentException e) {
            s = null;
        }
        if (s != State.IDLE && s != State.RUNNING) throw new SessionException("state accepts only 'idle' or 'running'");
        State want = s;
        onActor(() -> {
            if (!state.live()) throw new SessionException("session " + id + " is " + state.word() + "; its state cannot be set");
            if (want == State.RUNNING) delivery.confirm();
            else turnEnded(null);
            return null;
        });
    }

    /** Launches the backend for a new session. */
    void create() throws SessionException {
        onActor(() -> {
            lifecycle.launch(true, "created");
            return null;
        });
    }

    public void stop() throws SessionException {
        onActor(() -> {
            stopped = true;
            save();
            terminate();
            setState(State.STOPPED);
            event("stopped", "by request");
            return null;
        });
    }

    public void start() throws SessionException {
        onActor(() -> {
            if (state.live()) throw new SessionException("session " + id + " is already " + state.word());
            stopped = false;
            errorCause = null;
            lifecycle.resetRestarts();
            lifecycle.launch(false, Lifecycle.STARTED_BY_REQUEST);
            return null;
        });
    }

    public void restart(boolean fresh) throws SessionException {
        onActor(() -> {
            terminate();
            stopped = false;
            errorCause = null;
            lifecycle.resetRestarts();
            lifecycle.launch(fresh, fresh ? Lifecycle.RESTARTED_FRESH : Lifecycle.RESTARTED_BY_REQUEST);
            return null;
        });
    }

    public void interrupt() throws SessionException {
        onActor(() -> {
            if (!state.live()) throw new SessionException("session " + id + " is " + state.word() + "; nothing to interrupt");
            svc.tmux().keys(id, spec.interruptKey());
            event("interrupted", "");
            return null;
        });
    }

    public void refresh() throws SessionException {
        onActor(() -> {
            if (state.live()) readScreen(true);
            return null;
        });
    }

    /** Stops the session for good; its files go away and readers get EOF. */
    void kill() throws SessionException {
        onActor(() -> {
            stopped = true;
            killed = true;
            lifecycle.end();
            svc.tmux().offOutput(id);
            try {
                svc.tmux().kill(id);
            } catch (IOException e) {
                // already gone
            }
            svc.hooks().unwatch(svc.store().runDir(id));
            try {
                svc.sandbox().forget(id);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "session {0}: cannot remove its sandbox policy: {1}", id, e.getMessage());
            }
            out.close();
            log.close();
            setState(State.STOPPED);
            wakeReplyWaiters();
            svc.store().delete(id);
            return null;
        });
    }

    /**
     * Re-adopts a session found alive after a daemon restart (same pid, its state re-detected,
     * what its hooks reported meanwhile replayed), or treats one that died meanwhile as a crash.
     */
    void adopt(boolean paneAlive, int panePid) throws SessionException {
        onActor(() -> {
            if (stopped || errorCause != null || state == State.SLEEPING) return null;
            if (!paneAlive) {
                lifecycle.diedWhileAway();
                return null;
            }
            lifecycle.adopt(panePid);
            Path run = svc.store().runDir(id);
            Optional<State> mark = hooks.adopt(run);
            lookIn(0);
            State was = mark.orElse(State.IDLE);
            sessionStarted = was != State.STARTING;
            setState(was);
            event("adopted", "pid " + panePid + (mark.isPresent() ? ", " + was.word() + " when the daemon left" : ""));
            replaying = true;
            try {
                pollHooks();
            } finally {
                replaying = false;
            }
            svc.hooks().watch(run, () -> actor.execute(this::pollHooks));
            // the mark and the replay say the state; the screen is read at the next pane poll (a
            // tmux process per session would make a start with many sessions slow)
            if (mark.isEmpty()) readScreen(true);
            if (state == State.STARTING) lifecycle.armStartup();
            delivery.kick();
            return null;
        });
    }

    /**
     * The supervisor's sweep: the pane as tmux listed it at {@code listedAt} (System.nanoTime;
     * null when it has no pane at all).
     */
    void sweep(Tmux.Pane pane, long listedAt) {
        actor.execute(() -> {
            int pid = lifecycle.pid();
            if (!state.live() || killed || pid <= 0) return;
            // listed before this run was launched (a new window, a spare's renamed): says nothing of it
            if (listedAt - lifecycle.launchedNanos() < 0) return;
            // the listing was taken before this task ran: a pane of another pid is from before a
            // respawn, and says nothing about the process running now
            if (pane != null && pane.pid() != pid) return;
            if (pane == null || pane.dead()) {
                lifecycle.paneGone();
            } else if (state != State.IDLE) {
                lookIn(0); // behind the output notices, as the sweep is behind the exit watch
            }
        });
    }

    // ---- launching and supervision ----------------------------------------------------------

    /** Looks at the screen every 50 ms, {@code left} more times, until the session is ready. */
    private void recheckReady(int left, long seq) {
        if (seq != lifecycle.launchSeq() || state != State.STARTING) return;
        readScreen(true);
        if (state == State.STARTING && left > 0) {
            svc.timers().schedule(() -> actor.execute(() -> recheckReady(left - 1, seq)), 50, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The pane had output (called on tmux's notice thread): a look at the screen soon, one for a
     * burst of output, at most one a second while idle (only a user typing in the window changes
     * an idle screen) and one every 100 ms while working. No output, no look: an idle session
     * costs nothing.
     */
    private void outputSeen() {
        if (killed) return;
        lastOutputMs = System.currentTimeMillis();
        lookAtPace(state == State.IDLE ? IDLE_LOOK : BUSY_LOOK);
    }

    /** A look soon, but no sooner than {@code gap} after the last one. */
    private void lookAtPace(Duration gap) {
        lookIn(Math.max(OUTPUT_DELAY_MS, lastLookMs + gap.toMillis() - System.currentTimeMillis()));
    }

    /**
     * A look at the screen in {@code delayMs}, unless one is due by then already: looks do not
     * pile up on the actor ahead of what a user asked for, a stop, when tmux answers slowly.
     */
    private void lookIn(long delayMs) {
        long at = System.currentTimeMillis() + Math.max(0, delayMs);
        while (true) {
            long due = nextLookAt.get();
            if (due <= at) return;
            if (nextLookAt.compareAndSet(due, at)) break;
        }
        svc.timers().schedule(() -> actor.execute(() -> {
            nextLookAt.set(Long.MAX_VALUE);
            readScreen(false);
        }), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    }


    private void fail(String cause) {
        errorCause = cause;
        addHistory("error: " + cause);
        logEvent("error: " + cause);
        lifecycle.cancelTimers();
        setState(State.ERROR);
        save();
        svc.events().event(id, "error", cause);
    }

    /** Ends the backend's whole process tree (see {@link Lifecycle#terminate}). */
    private void terminate() {
        lifecycle.terminate();
    }

    /**
     * The visible pane now, as a user attaching would see it (agent/<id>/screen): no escape
     * codes, no trailing blanks; empty when the session has no pane. Runs tmux, so never on an
     * event loop.
     */
    public String screen() {
        try {
            return ScreenReading.visible(svc.tmux().capture(id, 0));
        } catch (IOException e) {
            return "";
        }
    }

    // ---- state detection ---------------------------------------------------------------------

    private void pollHooks() {
        if (!killed) hooks.poll(toHooks);
    }

    /** What the hooks tell this session; called on the actor. */
    private final class ToHooks implements HookReading.Session {
        @Override public State state() { return state; }
        @Override public void setState(State s) { Session.this.setState(s); }

        @Override
        public void transcript(String path) {
            if (path.equals(transcriptPath)) return;
            transcriptPath = path;
            save();
        }

        @Override
        public void sessionStarted() {
            sessionStarted = true;
            // past its first-run dialog, the CLI has started its session
            if (attention != null && state == State.WAITING && !replaying) dialogAnswered();
            // the hook can come before the input box is drawn: ready once the screen agrees
            else if (state == State.STARTING) recheckReady(40, lifecycle.launchSeq());
        }

        @Override
        public void promptSubmitted(String prompt) {
            if (replaying) delivery.claimReplayed(prompt, context);
            delivery.confirm();
        }

        @Override public void submittedSeen() { delivery.submittedSeen(); }
        @Override public void turnEnded(HookEvent stop) { Session.this.turnEnded(stop); }
    }

    /**
     * A dialog before the backend was ever ready (a first run: trust this folder, log in, pick a
     * theme): a human must answer it in the window. Said in info, log and events, with the command
     * that attaches; no start-up deadline runs out meanwhile.
     */
    private void firstRunDialog(String screenTail) {
        String attach = String.join(" ", svc.tmux().attachCommand(id));
        attention = "a dialog needs a human before it can start: " + screenTail + "; answer it in its window: anvillm attach " + id + " (or " + attach + ")";
        logEvent("waiting: " + attention);
        svc.events().event(id, "needs-human", attention);
    }

    private void dialogAnswered() {
        attention = null;
        logEvent("the first-run dialog was answered; starting");
        setState(State.STARTING);
        lifecycle.armStartup();
        recheckReady(40, lifecycle.launchSeq());
    }

    private void ready() {
        lifecycle.ready();
        attention = null;
        setState(State.IDLE);
        delivery.kick();
    }

    /** The screen, for backends without hooks (and as a check for those with them). */
    private void readScreen(boolean force) {
        if (!state.live() || killed) return;
        // an idle hook backend has nothing to show that its hooks do not say (a prompt typed in
        // its window raises UserPromptSubmit): don't spawn tmux for it every second
        if (spec.hooks() && state == State.IDLE && !force) return;
        long now = System.currentTimeMillis();
        // nor does an idle screen change but when someone types in the window: a look a second
        // is enough (a tmux process four times a second for each idle shell kept a core busy)
        if (state == State.IDLE && !force && now - lastLookMs < IDLE_LOOK.toMillis()) {
            lookIn(lastLookMs + IDLE_LOOK.toMillis() - now);
            return;
        }
        lastLookMs = now;
        String screen;
        try {
            screen = svc.tmux().capture(id, 0);
        } catch (IOException e) {
            return;
        }
        ScreenReading.Verdict v = screenReading.read(screen, now, lastOutputMs, force, state, sessionStarted, hooks.lastHookMs());
        if (v.againInMs() >= 0) lookIn(v.againInMs()); // no output may come to say it stayed so
        if (attention != null && state == State.WAITING && !screenReading.waitingShown(screen)) {
            // the human answered the first-run dialog: the backend goes on starting
            dialogAnswered();
            return;
        }
        switch (v.step()) {
            case READY -> ready();
            case WAITING -> {
                if (state == State.STARTING) firstRunDialog(ScreenReading.joined(ScreenReading.lastWords(screen)));
                setState(State.WAITING);
            }
            case BUSY -> {
                if (delivery.delivering()) delivery.confirm();
                else if (state == State.IDLE || state == State.WAITING) setState(State.RUNNING);
            }
            case TURN_ENDED -> turnEnded(null);
            case NOTHING -> { }
        }
    }

    /**
     * The agent says it cannot authenticate: the session errs with its line as the cause, the
     * prompt it could not answer goes back to the head of the queue, and the backend is ended;
     * retrying cannot help until a human fixes the credentials and writes {@code start}.
     */
    private void cannotAuthenticate(String line) {
        if (delivery.turnUnanswered()) contextPending = true;
        fail("auth: " + line);
        terminate();
    }

    // ---- prompt delivery (the queue itself: dev.anvillm.srv.delivery.Delivery) ------------------

    /** What the prompt queue needs of this session; called on the actor. */
    private final class ToDelivery implements Delivery.Session {
        @Override public String id() { return id; }
        @Override public boolean canDeliver() { return state == State.IDLE && !replaying; }
        @Override public boolean live() { return state.live(); }
        @Override public boolean waiting() { return state == State.WAITING; }
        @Override public long launchSeq() { return lifecycle.launchSeq(); }
        @Override public String pendingContext() { return contextPending && !context.isEmpty() ? context : null; }

        @Override
        public void contextSent() {
            contextPending = false;
            save();
        }

        @Override
        public void type(String text, boolean paste) throws IOException {
            if (paste) svc.tmux().paste(id, text);
            svc.tmux().keys(id, "Enter");
        }

        @Override public boolean confirmsItself() { return !spec.hooks() && spec.busy() == null; }

        @Override
        public void turnStarted() {
            if (!state.live()) return;
            setState(State.RUNNING);
            // the line's echo may have come while the session was still idle, and so been given
            // the idle's second between looks: a look soon, at a working session's pace
            lookAtPace(BUSY_LOOK);
        }

        @Override public void logEvent(String text) { Session.this.logEvent(text); }
        @Override public void appendLog(String entry) { Session.this.appendLog(entry); }

        @Override
        public ScheduledFuture<?> later(Runnable task, long delayMs) {
            return svc.timers().schedule(() -> actor.execute(task), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /** What the backend's lifecycle needs of this session; called on the actor. */
    private final class ToLifecycle implements Lifecycle.Session {
        @Override public State state() { return state; }
        @Override public void setState(State s) { Session.this.setState(s); }
        @Override public boolean stopFlag() { return stopped; }
        @Override public void stopFlag(boolean v) { stopped = v; }
        @Override public String conversation() { return conversation; }
        @Override public String transcriptPath() { return transcriptPath; }

        @Override
        public void freshConversation(String newId) {
            conversation = newId;
            transcriptPath = null;
            contextPending = !context.isEmpty();
        }

        @Override
        public void launching(Path run) {
            hooks.launching(run);
            svc.hooks().watch(run, () -> actor.execute(Session.this::pollHooks));
            delivery.launched();
            sessionStarted = false;
            attention = null;
        }

        @Override public void addHistory(String entry) { Session.this.addHistory(entry); }
        @Override public void save() { Session.this.save(); }
        @Override public void logEvent(String text) { Session.this.logEvent(text); }
        @Override public void event(String name, String detail) { svc.events().event(id, name, detail); }
        @Override public void fail(String cause) { Session.this.fail(cause); }
        @Override public void lookIn(long delayMs) { Session.this.lookIn(delayMs); }
        @Override public void stopTyping() { delivery.cancelTimer(); }
        @Override public int stateVersion() { return stateVersion; }
        @Override public boolean mayDoze() { return queueSize() == 0 && !replaying && !delivery.delivering(); }

        @Override
        public ScheduledFuture<?> later(Runnable task, long delayMs) {
            return svc.timers().schedule(() -> actor.execute(task), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void turnEnded(HookEvent stop) {
        if (!state.live()) return;
        if (stop == null) hooks.saveMark(State.IDLE); // ended by the screen: a new daemon must not end it again
        TurnReply answer = TurnReply.of(id, stop, transcriptPath, spec.hooks(), screenReading.last());
        String reply = answer.text();
        boolean turn = state == State.RUNNING || state == State.WAITING;
        // the agent's whole answer is that it cannot authenticate
        String auth = !turn ? null : spec.authFailure(answer.authLines());
        if (auth != null) {
            cannotAuthenticate(auth);
            return;
        }
        delivery.turnAnswered();
        if (turn) {
            lastReply = reply;
            try {
                out.append(reply + (reply.endsWith("\n") ? "\n" : "\n\n"));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "session {0}: cannot write out: {1}", id, e.getMessage());
            }
            appendLog("ASSISTANT: " + reply);
            svc.events().event(id, "reply", Integer.toString(reply.length()));
        }
        setState(State.IDLE);
        delivery.kick();
    }

    // ---- reply waiters -----------------------------------------------------------------------

    /** No prompt queued, in delivery or running: a `reply` read can answer. */
    public boolean quiet() {
        return queueSize() == 0 && state != State.RUNNING && state != State.WAITING;
    }

    /**
     * Calls {@code answer} with the last reply once the session is quiet (at once if it is).
     * Returns an action that forgets the waiter.
     */
    public Runnable whenQuiet(Consumer<String> answer) {
        synchronized (replyWaiters) {
            if (!quiet() && !killed) {
                replyWaiters.add(answer);
                return () -> {
                    synchronized (replyWaiters) {
                        replyWaiters.remove(answer);
                    }
                };
            }
        }
        answer.accept(lastReply);
        return () -> {};
    }

    private void wakeReplyWaiters() {
        List<Consumer<String>> wake;
        synchronized (replyWaiters) {
            if (!quiet() && !killed && state.live()) return;
            wake = new ArrayList<>(replyWaiters);
            replyWaiters.clear();
        }
        wake.forEach(w -> w.accept(lastReply));
    }

    // ---- bookkeeping -------------------------------------------------------------------------

    private void setState(State s) {
        if (state == s) return;
        state = s;
        stateVersion++;
        svc.events().event(id, "state", s.word());
        if (s == State.IDLE) lifecycle.idle();
        wakeReplyWaiters();
    }

    private void event(String name, String detail) {
        svc.events().event(id, name, detail);
        logEvent(name + (detail.isEmpty() ? "" : " " + detail));
    }

    private void logEvent(String text) {
        appendLog("EVENT: " + Instant.now() + " " + text);
    }

    private void appendLog(String entry) {
        try {
            log.append(entry.endsWith("\n") ? entry : entry + "\n");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "session {0}: cannot write log: {1}", id, e.getMessage());
        }
    }

    private void addHistory(String h) {
        synchronized (history) {
            history.add(Instant.now() + " " + h);
            while (history.size() > 50) history.removeFirst();
        }
    }
}
