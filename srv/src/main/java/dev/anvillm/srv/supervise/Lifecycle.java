package dev.anvillm.srv.supervise;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.detect.ScreenReading;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.sandbox.Sandbox;
import dev.anvillm.srv.sandbox.Spares;
import dev.anvillm.srv.session.State;
import dev.anvillm.srv.store.SessionStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;

/**
 * One session's backend process from launch to exit: the launch (resume or fresh conversation,
 * in its sandbox, in its tmux window), the start-up deadline, the exit watch, what an exit means
 * (a stop, a crash restarted per policy with backoff, a crash loop, an agent that cannot
 * authenticate, a start-up that failed for a reason {@link Diagnosis} can name), the
 * graceful end of the whole process tree, and sleep.
 *
 * <p>Owned by the session's actor: every method runs on it, but the volatile getters, which
 * readers of the tree call from anywhere.
 */
public final class Lifecycle {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    public static final String STARTED_BY_REQUEST = "started by request";
    public static final String RESTARTED_BY_REQUEST = "restarted by request";
    public static final String RESTARTED_FRESH = "restarted with a fresh conversation";
    private static final String RESTARTING_IN = "; restarting in ";

    /** What the lifecycle needs of its session; every call is made on the session's actor. */
    public interface Session {
        State state();

        void setState(State s);

        /** A human stopped it (or it exited cleanly): nothing restarts it but a {@code start}. */
        boolean stopFlag();

        void stopFlag(boolean stopped);

        String conversation();

        String transcriptPath();

        /** A new conversation id, no transcript yet, the context to go with its first prompt. */
        void freshConversation(String id);

        /** A launch begins in run directory {@code run}: hooks read from its start, delivery reset. */
        void launching(Path run);

        void addHistory(String entry);

        void save();

        void logEvent(String text);

        /** An event on agent/events (not in the log). */
        void event(String name, String detail);

        /** The session errs with {@code cause} (history, log, events, state). */
        void fail(String cause);

        /** A look at the screen in {@code delayMs}. */
        void lookIn(long delayMs);

        /** Runs {@code task} on the actor after {@code delayMs}. */
        ScheduledFuture<?> later(Runnable task, long delayMs);

        /** The backend is ending, ended or being replaced: no prompt is typed into it now. */
        void stopTyping();

        /** Moves whenever the state word changes: a sleep timer armed at one idle is void after it. */
        int stateVersion();

        /** Nothing queued, in delivery or being replayed: the session may be put to sleep. */
        boolean mayDoze();
    }

    private final String id;
    private final BackendSpec spec;
    private final Path cwd;
    private final Session s;
    private final Tmux tmux;
    private final SessionStore store;
    private final Launcher launcher;
    private final Sandbox sandbox;
    private final Spares spares;
    private final ExitWatch exits;
    private final RestartPolicy.Tracker restarts;

    private volatile int pid;
    private volatile long startedMs;
    private volatile String lastExit = "";
    private volatile String sandboxSummary = "not started yet";
    private volatile List<String> sandboxDetails = List.of();
    /** Which of the variables the backend needs were passed at its launch; null when not known (adopted). */
    private volatile List<String> backendEnv;

    private ScheduledFuture<?> startupTimer;
    private ScheduledFuture<?> restartTimer;
    private ScheduledFuture<?> sleepTimer;
    private long launchSeq;
    private long launchedNanos;
    private boolean stopRequested;
    /** How {@link #terminate} ended the backend, for last-exit. */
    private String ended;
    /** The last launch resumed a conversation; if it dies before ready, resumeFailure says why. */
    private boolean launchResumed;
    private String resumeFailure;
    /** Ended on purpose, by {@link #terminate}, when the session is put to sleep. */
    private boolean killed;

    public Lifecycle(String id, BackendSpec spec, Path cwd, int pid, List<String> history, Session s, Tmux tmux, SessionStore store,
            Launcher launcher, Sandbox sandbox, Spares spares, ExitWatch exits, RestartPolicy policy) {
        this.id = id;
        this.spec = spec;
        this.cwd = cwd;
        this.pid = pid;
        this.s = s;
        this.tmux = tmux;
        this.store = store;
        this.launcher = launcher;
        this.sandbox = sandbox;
        this.spares = spares;
        this.exits = exits;
        this.restarts = new RestartPolicy.Tracker(policy);
        countEarlierRestarts(history);
    }

    /** Restarts an earlier daemon made count toward the limit: a crash loop cannot hide behind a daemon restart. */
    private void countEarlierRestarts(List<String> history) {
        long now = System.currentTimeMillis();
        for (String h : history) {
            int sp = h.indexOf(' ');
            if (sp < 0) continue;
            long at;
            try {
                at = Instant.parse(h.substring(0, sp)).toEpochMilli();
            } catch (java.time.format.DateTimeParseException e) {
                continue;
            }
            String what = h.substring(sp + 1);
            if (what.startsWith(STARTED_BY_REQUEST) || what.startsWith(RESTARTED_BY_REQUEST) || what.startsWith(RESTARTED_FRESH)) restarts.reset();
            else if (what.contains(RESTARTING_IN)) restarts.restartedAt(at, now);
        }
    }

    // ---- what readers see --------------------------------------------------------------------

    /** The backend's pid (the pane's process), 0 before the first launch. */
    public int pid() { return pid; }
    public long startedMs() { return startedMs; }
    public String lastExit() { return lastExit; }
    public String sandboxSummary() { return sandboxSummary; }
    public List<String> sandboxDetails() { return sandboxDetails; }
    /** Which launch of the backend this is: a timer or exit notice of an earlier one is void. */
    public long launchSeq() { return launchSeq; }
    /** When the run now watched was launched or adopted (System.nanoTime): a listing of panes older than this says nothing of it. */
    public long launchedNanos() { return launchedNanos; }

    /** Names, never values: which of the variables the backend needs it got. */
    public String backendEnvText() {
        List<String> passed = backendEnv;
        if (passed == null) return "as it was when the session started (the daemon restarted since)";
        List<String> unset = spec.passEnv().stream().filter(k -> !passed.contains(k)).toList();
        return (passed.isEmpty() ? "none" : String.join(" ", passed)) + (unset.isEmpty() ? "" : " (not set: " + String.join(" ", unset) + ")");
    }

    // ---- commands ----------------------------------------------------------------------------

    /** A human started it again: earlier crashes no longer count toward the limit. */
    public void resetRestarts() {
        restarts.reset();
    }

    /**
     * Launches the backend: resumes the conversation unless {@code fresh} (or it cannot be
     * resumed, which the log says), in its sandbox, in a spare launcher or its tmux window.
     */
    public void launch(boolean fresh, String why) throws IOException {
        cancelTimers();
        launchedNanos = System.nanoTime();
        Path run = store.runDir(id);
        String conversation = s.conversation();
        String transcriptPath = s.transcriptPath();
        boolean resume = !fresh && conversation != null && spec.canResume();
        if (resume && resumeFailure != null) {
            s.logEvent(resumeFailure + "; starting a fresh one");
            s.addHistory(resumeFailure + "; started a fresh one");
            resume = false;
        }
        resumeFailure = null;
        if (resume && transcriptPath != null && !Files.exists(Path.of(transcriptPath))) {
            s.logEvent("conversation " + conversation + " cannot be resumed: its transcript " + transcriptPath + " is gone; starting a fresh one");
            resume = false;
        }
        if (resume && transcriptPath == null && spec.hooks()) {
            s.logEvent("conversation " + conversation + " cannot be resumed: the backend never reported its transcript; starting a fresh one");
            resume = false;
        }
        if (!resume) {
            conversation = UUID.randomUUID().toString();
            s.freshConversation(conversation);
        }
        launchResumed = resume;
        Launcher.Plan plan = launcher.plan(spec, id, cwd, run, conversation, resume);
        var sandboxed = sandbox.wrap(plan, spec, id, cwd, run);
        plan = sandboxed.plan();
        sandboxSummary = sandboxed.summary();
        sandboxDetails = sandboxed.details();
        backendEnv = sandboxed.backendEnv();
        stopRequested = false;
        killed = false;
        s.launching(run);
        s.setState(State.STARTING);
        startedMs = System.currentTimeMillis();
        // a session just created has no tmux window yet; any other may have one (a dead pane)
        boolean window = !why.startsWith("created") && tmux.hasSession(id);
        int p = spares.claim(id, cwd, sandboxed, window);
        if (p <= 0) {
            p = window ? tmux.respawn(id, cwd, plan.env(), plan.argv())
                    : tmux.start(id, cwd, plan.env(), plan.argv(), 200, 50);
        }
        pid = p;
        long seq = ++launchSeq;
        exits.watch(p, () -> s.later(() -> exited(seq, ""), 0));
        String what = why + " (pid " + p + (resume ? ", conversation " + conversation + " resumed" : ", fresh conversation " + conversation) + ")";
        s.addHistory(what);
        s.save();
        s.event(why.startsWith("created") ? "started" : "restarted", "pid " + p);
        s.logEvent(what);
        armStartup();
        s.lookIn(0);
    }

    /** Takes over a backend found alive after a daemon restart: its exits watched from now on. */
    public void adopt(int panePid) {
        launchedNanos = System.nanoTime();
        pid = panePid;
        startedMs = System.currentTimeMillis();
        sandboxSummary = "as it was when the session started (the daemon restarted since): see " + sandbox.policyFile(id);
        long seq = ++launchSeq;
        exits.watch(pid, () -> s.later(() -> exited(seq, ""), 0));
    }

    /** The backend died while the daemon was away: the restart policy decides, as for any crash. */
    public void diedWhileAway() {
        exited(launchSeq, " while the daemon was away");
    }

    /** A start-up deadline for the launch now running (the session is starting). */
    public void armStartup() {
        long seq = launchSeq;
        if (startupTimer != null) startupTimer.cancel(false);
        startupTimer = s.later(() -> startupDeadline(seq), spec.startup().toMillis());
    }

    /** The backend is ready: no start-up deadline any more. */
    public void ready() {
        if (startupTimer != null) startupTimer.cancel(false);
        startupTimer = null;
    }

    /**
     * The session has just become idle: with its backend's {@code idle_sleep_seconds} set, it is
     * put to sleep when it stays so that long.
     */
    public void idle() {
        Duration after = spec.idleSleep();
        if (after.isZero()) return;
        if (sleepTimer != null) sleepTimer.cancel(false);
        int version = s.stateVersion();
        sleepTimer = s.later(() -> {
            if (s.state() == State.IDLE && s.stateVersion() == version && s.mayDoze()) sleep(after);
        }, after.toMillis());
    }

    /**
     * Ends the backend's processes the graceful way, its conversation kept: a prompt written to
     * the session, or a {@code start}, launches it again resuming that conversation.
     */
    private void sleep(Duration after) {
        String why = "asleep after " + RestartPolicy.human(after) + " idle (idle_sleep_seconds); a prompt or 'start' wakes it";
        terminate();
        s.setState(State.SLEEPING);
        s.addHistory(why);
        s.save();
        s.logEvent(why);
        s.event("sleeping", RestartPolicy.human(after) + " idle");
    }

    /** The sweep found the pane of the running pid dead or gone. */
    public void paneGone() {
        exits.unwatch(pid);
        exited(launchSeq, "");
    }

    private void startupDeadline(long seq) {
        if (seq != launchSeq || s.state() != State.STARTING) return;
        List<String> lines = paneLines(Diagnosis.LINES);
        String diagnosis = Diagnosis.of(spec, null, lines, sandbox.configFile());
        String tail = ScreenReading.joined(lastFive(lines));
        s.fail(diagnosis != null ? diagnosis
                : "did not become ready within " + RestartPolicy.human(spec.startup()) + "; last screen: " + tail + "; write 'start' to ctl to try again");
        terminate();
    }

    /** The backend is gone ({@code where}: "" or " while the daemon was away"): stop, restart per policy, or error. */
    private void exited(long seq, String where) {
        if (seq != launchSeq || killed) return;
        long noticed = System.currentTimeMillis();
        State state = s.state();
        if (state == State.ERROR || stopRequested || s.stopFlag()) {
            cancelTimers();
            // ended on purpose: how, we know; asking tmux (it may take it a while to record the
            // exit) for each of many sessions stopped at once is what made stopping them slow
            lastExit = (stopRequested && ended != null ? ended : "exited") + where + " at " + Instant.now();
            // the startup deadline failed it and stopped the process: it stays in error; put to sleep, it sleeps
            if (state != State.ERROR && state != State.SLEEPING) s.setState(State.STOPPED);
            s.save();
            return;
        }
        Tmux.Pane pane = null;
        try {
            // how it ended decides what follows (a missing command is not restarted): under load
            // tmux can take over half a second to record it; a process that runs on is asked about
            // for half a second only (a false alarm)
            pane = tmux.deadPane(id, Processes.running(pid) ? 500 : 2_000);
        } catch (IOException e) {
            // the tmux server is gone too
        }
        if (pane != null && !pane.dead() && pane.pid() == pid && Processes.running(pid)) {
            // a false alarm (a pane listing from before this launch; a wake-up of the exit watch
            // with the process still there): it runs on, watched again; a restart would lose its turn
            LOG.log(System.Logger.Level.WARNING, "session {0}: pid {1} reported gone, but it runs on in its pane; not an exit", id, String.valueOf(pid));
            exits.watch(pid, () -> s.later(() -> exited(seq, ""), 0));
            return;
        }
        cancelTimers();
        Exit exit = Exit.of(pane, where);
        String how = exit.how();
        if (pane != null && !pane.dead()) {
            LOG.log(System.Logger.Level.WARNING, "session {0}: pid {1} reported gone, but its pane (pid {2}) is not dead; running: {3}",
                    id, String.valueOf(pid), String.valueOf(pane.pid()), String.valueOf(Processes.running(pid)));
        }
        lastExit = how + " at " + Instant.now();
        if (exit.clean()) {
            s.stopFlag(true);
            s.addHistory("exited cleanly (" + how + "): a stop, not a crash");
            s.logEvent("the backend exited cleanly (" + how + "): treated as a stop; write 'start' to ctl to start it again");
            s.setState(State.STOPPED);
            s.save();
            s.event("exited", how);
            return;
        }
        List<String> more = paneLines(Diagnosis.LINES);
        List<String> lastLines = lastFive(more);
        String tail = ScreenReading.joined(lastLines);
        String auth = spec.authFailure(String.join("\n", lastLines));
        if (auth != null) {
            // it exits because it cannot authenticate: a restart would only do so again
            s.fail("auth: " + auth);
            return;
        }
        if (state == State.STARTING) {
            // it never became ready: when the cause is one a restart cannot mend, say it and stop
            String diagnosis = Diagnosis.of(spec, exit, more, sandbox.configFile());
            if (diagnosis != null) {
                s.fail(diagnosis);
                return;
            }
        }
        if (launchResumed && state == State.STARTING && exit.failed()) {
            // it gave up resuming, before it was ever ready: that conversation cannot be resumed
            // (say, a transcript the CLI had not finished writing); the next start is a fresh one
            resumeFailure = "conversation " + s.conversation() + " could not be resumed (" + how + "; last screen: " + tail + ")";
        }
        Duration ran = Duration.ofMillis(noticed - startedMs);
        Duration delay = restarts.onCrash(ran, noticed);
        if (delay == null) {
            s.fail("crashed " + (restarts.recent() + 1) + " times within " + RestartPolicy.human(restarts.policy().window())
                    + "; last: " + how + "; last screen: " + tail + "; write 'start' to ctl to start it again");
            return;
        }
        s.addHistory("exited (" + how + ")" + RESTARTING_IN + RestartPolicy.human(delay) + "; last screen: " + tail);
        s.logEvent("backend exited (" + how + ")" + RESTARTING_IN + RestartPolicy.human(delay) + "; last screen: " + tail);
        s.setState(State.EXITED);
        s.save();
        s.event("exited", how);
        // the delay counts from the exit, not from when the pane was read
        long wait = Math.max(0, delay.toMillis() - (System.currentTimeMillis() - noticed));
        restartTimer = s.later(() -> {
            if (s.state() != State.EXITED || s.stopFlag()) return;
            try {
                launch(false, "restarted after " + how);
            } catch (IOException e) {
                s.fail("restart failed: " + e.getMessage());
            }
        }, wait);
    }

    /**
     * Ends the backend's whole process tree and waits for it to be gone: the interrupt key first
     * when a turn runs (it aborts the turn the CLI's way), then TERM (HUP to what ignores TERM,
     * like an interactive shell), then KILL. See {@link ProcessTree}.
     */
    public void terminate() {
        stopRequested = true;
        ended = null;
        cancelTimers();
        int p = pid;
        if (p <= 0) return;
        State state = s.state();
        boolean turn = state == State.RUNNING || state == State.WAITING;
        ended = ProcessTree.end(p, !turn ? null : () -> {
            try {
                tmux.keys(id, spec.interruptKey());
            } catch (IOException e) {
                // the window may already be gone
            }
        });
        // Debian's tmux can miss the exit of its pane's process: have it reaped now, not at the next daemon
        if (Processes.zombie(p)) tmux.reap();
    }

    /** Ends the backend for good (the session is being removed): its exit means nothing now. */
    public void end() {
        killed = true;
        terminate();
    }

    /** No start-up deadline, restart or delivery pending. */
    public void cancelTimers() {
        s.stopTyping();
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[]{startupTimer, restartTimer, sleepTimer}) {
            if (f != null) f.cancel(false);
        }
        startupTimer = restartTimer = sleepTimer = null;
    }

    /**
     * The last five lines that say something of what this run of the backend wrote (not an earlier
     * run's, above tmux's "Pane is dead" line for it); one that says why there are none when the
     * screen cannot be read.
     */
    private List<String> paneLines(int n) {
        try {
            return ScreenReading.lastWords(tmux.capture(id, 200), n);
        } catch (IOException e) {
            return List.of("(no screen: " + e.getMessage() + ")");
        }
    }

    private static List<String> lastFive(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 5), lines.size());
    }
}
