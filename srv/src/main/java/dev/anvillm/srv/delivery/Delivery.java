package dev.anvillm.srv.delivery;

import dev.anvillm.srv.store.SessionStore;
import dev.anvillm.srv.store.SessionStore.QueuedPrompt;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One session's prompt queue and the delivery of its prompts into the agent's window. A prompt
 * is on disk before it is acknowledged; prompts go one at a time, only when the agent is idle,
 * pasted whole (the context first, on a fresh conversation); the agent confirms a delivery (its
 * hook, or its screen turning busy), else Enter is pressed again, twice at most, and the prompt
 * stays queued; it leaves the disk once its turn has started, so a daemon killed at any moment
 * delivers it neither twice nor never.
 *
 * <p>Owned by the session's actor: every method runs on it, but {@link #size}, which readers of
 * the tree call from anywhere.
 */
public final class Delivery {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    private static final Duration CONFIRM = Duration.ofSeconds(3);
    private static final int ATTEMPTS = 3;
    private static final AtomicLong SEQ = new AtomicLong(System.currentTimeMillis() * 1000);

    /** What delivery needs of its session; every call is made on the session's actor. */
    public interface Session {
        String id();

        /** Idle and not replaying what its hooks said while the daemon was away. */
        boolean canDeliver();

        boolean live();

        boolean waiting();

        /** Which launch of the backend this is: a confirmation timer of an earlier one is void. */
        long launchSeq();

        /** The context to send ahead of the prompt (a fresh conversation has not had it), or null. */
        String pendingContext();

        /** The context went with a prompt whose turn started. */
        void contextSent();

        /** Pastes {@code text} ({@code paste}: the first attempt) and presses Enter. */
        void type(String text, boolean paste) throws IOException;

        /** Nothing will confirm a delivery (a shell): the line went in, the turn started. */
        boolean confirmsItself();

        /** The turn of the prompt in flight started: the session is running. */
        void turnStarted();

        void logEvent(String text);

        void appendLog(String entry);

        /** Runs {@code task} on the actor after {@code delayMs}. */
        ScheduledFuture<?> later(Runnable task, long delayMs);
    }

    private final Session s;
    private final SessionStore store;
    private final Deque<QueuedPrompt> queue = new ArrayDeque<>(); // guarded by itself: size() reads it anywhere
    private QueuedPrompt inFlight;
    private boolean inFlightHasContext;
    /** The prompt of the turn running now, and whether the context went with it: put back if the agent cannot answer. */
    private QueuedPrompt turnPrompt;
    private boolean turnHadContext;
    private int attempts;
    private ScheduledFuture<?> confirmTimer;

    /** With the prompts the store still holds for the session (queued before a daemon restart). */
    public Delivery(Session s, SessionStore store, List<QueuedPrompt> restored) {
        this.s = s;
        this.store = store;
        queue.addAll(restored);
    }

    /** Prompts queued or in delivery. */
    public int size() {
        synchronized (queue) {
            return queue.size() + (inFlight != null && !queue.contains(inFlight) ? 1 : 0);
        }
    }

    /** Makes {@code text} durable and queues it; delivered now if the agent is idle. */
    public void accept(String text) throws IOException {
        QueuedPrompt p = store.enqueue(s.id(), SEQ.incrementAndGet(), text);
        synchronized (queue) {
            queue.addLast(p);
        }
    }

    /** Delivers the head of the queue when the session is idle and nothing is being delivered. */
    public void kick() {
        if (!s.canDeliver() || inFlight != null) return;
        QueuedPrompt p;
        synchronized (queue) {
            p = queue.peekFirst();
        }
        if (p == null) return;
        inFlight = p;
        attempts = 0;
        deliver();
    }

    private void deliver() {
        QueuedPrompt p = inFlight;
        attempts++;
        String context = s.pendingContext();
        inFlightHasContext = context != null;
        try {
            s.type(context != null ? context + "\n\n" + p.text() : p.text(), attempts == 1);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "session {0}: delivery failed: {1}", s.id(), e.getMessage());
        }
        if (s.confirmsItself()) {
            confirm();
            return;
        }
        long seq = s.launchSeq();
        confirmTimer = s.later(() -> unconfirmed(p, seq), CONFIRM.toMillis());
    }

    private void unconfirmed(QueuedPrompt p, long seq) {
        if (inFlight != p || seq != s.launchSeq() || !s.live()) return;
        if (s.waiting()) {
            // a dialog appeared: never type into it; the prompt waits for the next idle
            inFlight = null;
            return;
        }
        if (attempts < ATTEMPTS) {
            s.logEvent("prompt delivery not confirmed after " + CONFIRM.toMillis() + " ms; pressing Enter again");
            deliver();
            return;
        }
        s.logEvent("prompt delivery not confirmed after " + attempts + " attempts; it stays queued");
        inFlight = null;
        confirmTimer = s.later(this::kick, 5000);
    }

    /** Whether a prompt is being delivered (pasted, its turn not yet confirmed). */
    public boolean delivering() {
        return inFlight != null;
    }

    /**
     * The agent's hooks say a prompt was submitted: the one in flight leaves the disk now, before
     * anything else is recorded, so that it is never delivered twice.
     */
    public void submittedSeen() {
        if (inFlight != null) dequeueFromDisk(inFlight);
    }

    private void dequeueFromDisk(QueuedPrompt p) {
        try {
            store.dequeue(s.id(), p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "session {0}: cannot remove a delivered prompt: {1}", s.id(), e.getMessage());
        }
    }

    /** The turn started: the prompt in flight is delivered, and leaves the durable queue. */
    public void confirm() {
        if (confirmTimer != null) confirmTimer.cancel(false);
        QueuedPrompt p = inFlight;
        // off the disk before anyone can see `running`: a daemon killed after that must not deliver it again
        if (p != null) dequeueFromDisk(p);
        // running before the prompt leaves the queue in memory: a reply reader must never see a quiet gap
        s.turnStarted();
        if (p != null) {
            inFlight = null;
            synchronized (queue) {
                queue.remove(p);
            }
            turnPrompt = p;
            turnHadContext = inFlightHasContext;
            if (inFlightHasContext) s.contextSent();
            s.appendLog("USER: " + p.text());
        }
    }

    /**
     * Replaying hooks after a daemon restart: the prompt the old daemon pasted but never saw
     * confirmed is the head of the queue; the agent's UserPromptSubmit for that same text
     * ({@code submitted}) says it arrived, so it is not delivered twice.
     */
    public void claimReplayed(String submitted, String context) {
        if (inFlight != null) return;
        QueuedPrompt head;
        synchronized (queue) {
            head = queue.peekFirst();
        }
        if (submitted == null || head == null) return;
        boolean plain = submitted.strip().equals(head.text().strip());
        boolean withContext = !context.isEmpty() && submitted.strip().equals((context + "\n\n" + head.text()).strip());
        if (!plain && !withContext) return;
        inFlight = head;
        inFlightHasContext = withContext;
    }

    /** A new launch of the backend: nothing of the old one is in flight. */
    public void launched() {
        inFlight = null;
    }

    /** The running turn ended with an answer. */
    public void turnAnswered() {
        turnPrompt = null;
    }

    /**
     * The agent could not answer the running turn (it cannot authenticate): its prompt goes back
     * to the head of the queue, on disk too. Returns whether the context went with it (it must go
     * again).
     */
    public boolean turnUnanswered() {
        QueuedPrompt p = turnPrompt;
        turnPrompt = null;
        if (p == null) return false;
        try {
            store.requeue(s.id(), p);
            synchronized (queue) {
                queue.addFirst(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "session {0}: cannot put its unanswered prompt back: {1}", s.id(), e.getMessage());
            return false;
        }
        return turnHadContext;
    }

    public void cancelTimer() {
        if (confirmTimer != null) confirmTimer.cancel(false);
        confirmTimer = null;
    }
}
