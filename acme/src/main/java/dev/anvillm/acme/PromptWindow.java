package dev.anvillm.acme;

import dev.anvillm.client.ClientException;

import java.io.IOException;

/**
 * {@code /AnviLLM/+Prompt.<alias-or-id>}: a conversation with one session. {@code Send} sends
 * what was typed below the conversation (the whole body the first time) as one prompt; the
 * reply is appended when the turn ends, and the next prompt is typed after it.
 */
final class PromptWindow implements AutoCloseable {
    static final String REPLY = "--- reply from ";

    private final Assist assist;
    private final String id;
    private final Win win;
    /** Runes of the body that are conversation already; owned by this window's lock. */
    private int mark;
    private volatile boolean alive = true;

    private PromptWindow(Assist assist, String id, Win win) {
        this.assist = assist;
        this.id = id;
        this.win = win;
    }

    static PromptWindow open(Assist assist, String id, String name, Runnable gone) throws IOException {
        String title = Assist.NAME + "+Prompt." + name;
        Win w = assist.acme.open(title, "Send");
        PromptWindow p = new PromptWindow(assist, id, w);
        assist.follow(title, w, p::onGesture, () -> {
            p.alive = false;
            gone.run();
        });
        return p;
    }

    boolean alive() {
        return alive;
    }

    void show() throws IOException {
        win.ctl("show");
    }

    private void onGesture(Gesture g) {
        if (g.event().isExecute() && g.text().strip().equals("Send")) {
            try {
                send(null, false);
            } catch (IOException e) {
                assist.error(e.getMessage());
            }
            return;
        }
        assist.handBack(win, g);
    }

    /**
     * Sends {@code text}, appended to the conversation first when {@code append}; with null,
     * sends what was typed after the conversation.
     */
    synchronized void send(String text, boolean append) throws IOException, ClientException {
        String prompt;
        if (append) {
            String body = win.body();
            String sep = body.isEmpty() || body.endsWith("\n") ? "" : "\n";
            win.append(sep + text + (text.endsWith("\n") ? "" : "\n"));
            prompt = text;
        } else {
            prompt = Edit.from(win.body(), mark);
        }
        if (prompt.isBlank()) throw new ClientException("Send: nothing to send; type the prompt in the body of " + Assist.NAME + "+Prompt, then Send");
        assist.client.prompt(id, prompt.strip());
        String body = win.body();
        String end = body.endsWith("\n") ? "" : "\n";
        win.append(end);
        // from what was read, not read again: text typed meanwhile is the next prompt's
        mark = Edit.runes(body) + end.length();
        win.ctl("clean");
        assist.client.reply(id).whenComplete((reply, failure) -> {
            if (failure != null) assist.error(failure.getMessage());
            else answer(reply);
        });
    }

    private synchronized void answer(String reply) {
        try {
            String block = REPLY + id + "\n" + reply.strip() + "\n---\n";
            int before = Edit.runes(win.body());
            win.append(block);
            mark = before + Edit.runes(block);
            win.ctl("clean");
        } catch (IOException e) {
            // the window was deleted while the turn ran
        }
    }

    @Override
    public void close() {
        win.close();
    }
}
