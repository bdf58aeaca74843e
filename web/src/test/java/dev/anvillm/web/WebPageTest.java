package dev.anvillm.web;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.Session;
import dev.anvillm.client.State;
import dev.anvillm.client.TestDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** The page in Debian's headless Chromium, driven as a person would, against the real daemon. */
class WebPageTest {
    @TempDir Path tmp;
    TestDaemon d;
    WebServer web;
    ChromeDriver b;

    @BeforeEach
    void start() throws Exception {
        Chromium.requireInstalled();
        d = new TestDaemon(tmp);
        web = WebServer.start("127.0.0.1", 0, Guard.newToken(), false, new AgentClient(d.ns.socket()));
        b = Chromium.start(tmp.resolve("chromium"), 1280, 900);
    }

    @AfterEach
    void stop() throws Exception {
        if (b != null) b.quit();
        if (web != null) web.close();
        if (d != null) d.close();
    }

    private void await(String what, BooleanSupplier ok) throws InterruptedException {
        TestDaemon.await(what, () -> {
            try {
                return ok.getAsBoolean();
            } catch (RuntimeException e) {
                return false; // an element replaced meanwhile: look again
            }
        }, () -> b.findElement(By.tagName("body")).getText());
    }

    private WebElement row(String id) {
        List<WebElement> r = b.findElements(By.cssSelector("#sessions tr[data-id='" + id + "']"));
        return r.isEmpty() ? null : r.getFirst();
    }

    private String rowText(String id) {
        WebElement r = row(id);
        return r == null ? "" : r.getText();
    }

    private String text(String css) {
        return b.findElement(By.cssSelector(css)).getText();
    }

    private void screenshot(String name) throws Exception {
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.copy(b.getScreenshotAs(OutputType.FILE).toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }

    private String madeFromWeb() {
        try {
            return d.client.list().stream().filter(s -> "fromweb".equals(s.alias())).findFirst().map(Session::id).orElse(null);
        } catch (dev.anvillm.client.ClientException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A session of {@code backend} made idle over 9P, the page logged in, and the session selected (Enter on its row, or a click). */
    private String selectNew(String backend, String alias, boolean byKeyboard) throws Exception {
        String id = d.client.create(backend, d.project.toString(), alias);
        d.awaitState(id, State.IDLE);
        login();
        await("its row", () -> row(id) != null);
        if (byKeyboard) row(id).sendKeys("\n");
        else row(id).click();
        await("it selected", () -> text("#d-name").contains(alias));
        return id;
    }

    private String contextOf(String id) {
        try {
            return d.client.context(id);
        } catch (dev.anvillm.client.ClientException e) {
            throw new IllegalStateException(e);
        }
    }

    private void login() throws Exception {
        b.get(web.url());
        await("the token gone from the address", () -> !b.getCurrentUrl().contains("token"));
        Cookie c = b.manage().getCookieNamed("anvilweb-" + web.port());
        assertNotNull(c, "the login cookie");
        assertTrue(c.isHttpOnly());
        assertEquals("Strict", c.getSameSite());
    }

    @Test
    void aPersonLogsInWatchesCreatesPromptsStopsAndKills() throws Exception {
        login();
        await("the empty table", () -> b.findElement(By.id("empty")).isDisplayed());

        // behind the page's back, over 9P: the table follows without a reload
        String behind = d.client.create("quick", d.project.toString(), "behind");
        await("the row of a session made elsewhere", () -> rowText(behind).contains("behind"));
        await("its state idle", () -> rowText(behind).contains("idle"));
        // what its process tree uses, from agent/stats, in the CPU and Mem columns
        await("its CPU and memory", () -> text("#sessions tr[data-id='" + behind + "'] td.cpu").matches("\\d+(\\.\\d)?%")
                && text("#sessions tr[data-id='" + behind + "'] td.mem").matches("\\d+(\\.\\d)? [KMG]"));
        assertEquals(List.of("Alias", "ID", "State", "Backend", "Cwd", "PID", "CPU", "Mem"),
                b.findElements(By.cssSelector("#sessions th")).stream().map(WebElement::getText).toList());

        // a session from the dialog
        b.findElement(By.id("new")).click();
        await("the dialog", () -> b.findElement(By.id("new-dialog")).isDisplayed());
        Select backend = new Select(b.findElement(By.id("new-backend")));
        assertTrue(backend.getOptions().stream().anyMatch(o -> o.getText().contains("unavailable") && !o.isEnabled()),
                "backends that cannot start here are shown, not offered");
        String off = backend.getOptions().stream().filter(o -> !o.isEnabled()).findFirst().orElseThrow().getAttribute("value");
        assertTrue(text("#new-unavailable").contains(off + " ("), "why " + off + " cannot start: " + text("#new-unavailable"));
        backend.selectByValue("quick");
        b.findElement(By.id("new-dir")).sendKeys(d.project.toString());
        b.findElement(By.id("new-alias")).sendKeys("fromweb");
        b.findElement(By.id("new-create")).click();
        await("the new session in the daemon", () -> madeFromWeb() != null);
        String made = madeFromWeb();
        await("its row", () -> rowText(made).contains("fromweb"));
        await("it selected and idle", () -> text("#d-name").contains("fromweb") && text("#d-state").equals("idle"));
        await("what it uses among its facts", () -> text("#d-facts").matches(".* · \\d+ process(es)?, \\d+(\\.\\d)?% CPU, .* · 0 restarts"));

        // the filter, reached by its key
        b.findElement(By.tagName("body")).sendKeys("/");
        b.switchTo().activeElement().sendKeys("behind");
        await("only the matching row", () -> row(made).getAttribute("hidden") != null && row(behind).isDisplayed());
        b.findElement(By.id("filter")).clear();
        b.findElement(By.id("filter")).sendKeys(" ");
        await("every row again", () -> row(made).isDisplayed() && row(behind).isDisplayed());

        // a prompt, and the reply arriving by itself
        b.findElement(By.id("prompt")).sendKeys("hello from the page");
        b.findElement(By.cssSelector("#prompt-form button[type=submit]")).click();
        await("the reply", () -> text("#reply").contains("echo: hello from the page"));
        await("the log", () -> text("#log").contains("USER: hello from the page"));
        assertTrue(text("#status").contains("prompt sent"), text("#status"));
        await("the screen", () -> text("#screen").contains("> hello from the page"));
        screenshot("anvilweb.png");

        // context, written through the page, read back from the tree
        b.findElement(By.id("edit-box")).click();
        WebElement context = b.findElement(By.id("context"));
        context.sendKeys("You review Go code.");
        b.findElement(By.cssSelector("#context-form button")).click();
        await("the context saved", () -> contextOf(made).equals("You review Go code."));
        await("the page saying so", () -> text("#status").contains("context saved")); // its answer may come after the daemon's commit

        // a daemon error is shown as its one line
        WebElement alias = b.findElement(By.id("alias"));
        alias.clear();
        alias.sendKeys("behind");
        b.findElement(By.cssSelector("#alias-form button")).click();
        await("the daemon's refusal", () -> b.findElement(By.id("status")).getAttribute("class").contains("error")
                && text("#status").contains("behind"));

        b.findElement(By.cssSelector("[data-ctl='stop']")).click();
        d.awaitState(made, State.STOPPED);
        await("stopped in the table", () -> rowText(made).contains("stopped"));
        await("a stopped session uses nothing", () -> text("#sessions tr[data-id='" + made + "'] td.cpu").equals("—")
                && text("#sessions tr[data-id='" + made + "'] td.mem").equals("—"));

        b.findElement(By.id("kill")).click();
        await("the kill confirmation", () -> b.findElement(By.id("kill-dialog")).isDisplayed());
        assertTrue(d.client.list().stream().anyMatch(s -> s.id().equals(made)), "nothing killed before it is confirmed");
        b.findElement(By.id("kill-confirm")).click();
        await("the killed session gone from the table", () -> row(made) == null);
        assertTrue(d.client.list().stream().noneMatch(s -> s.id().equals(made)));

        // a phone-sized screen: no sideways scrolling, the table readable
        b.manage().window().setSize(new Dimension(400, 900));
        row(behind).click();
        await("behind selected", () -> text("#d-name").contains("behind"));
        long wide = (Long) b.executeScript("return document.documentElement.scrollWidth");
        long seen = (Long) b.executeScript("return document.documentElement.clientWidth");
        assertTrue(wide <= seen, "the page scrolls sideways at 400 px: " + wide + " > " + seen);
        screenshot("anvilweb-400.png");
    }

    @Test
    void aPromptToABusySessionIsQueuedAndThePageShowsTheQueue() throws Exception {
        String id = selectNew("slow", "slowpoke", true);
        WebElement prompt = b.findElement(By.id("prompt"));
        prompt.sendKeys("first");
        b.findElement(By.cssSelector("#prompt-form button[type=submit]")).click();
        await("the agent working", () -> rowText(id).contains("running"));
        prompt.sendKeys("second");
        prompt.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, org.openqa.selenium.Keys.ENTER));
        await("the queue shown", () -> text("#queue").contains("1 prompt queued"));
        assertTrue(text("#status").contains("queued"), text("#status"));
        await("the second reply", () -> text("#reply").contains("echo: second"));
        await("the queue empty", () -> text("#queue").isEmpty());
    }

    @Test
    void theDaemonRestartingShowsABannerAndThePageRecoversByItself() throws Exception {
        String id = d.client.create("quick", d.project.toString(), "survivor");
        d.awaitState(id, State.IDLE);
        login();
        await("its row", () -> rowText(id).contains("survivor"));
        d.kill();
        await("the banner", () -> b.findElement(By.id("banner")).isDisplayed() && text("#banner").contains("Daemon unreachable"));
        d.start();
        await("the banner gone", () -> !b.findElement(By.id("banner")).isDisplayed());
        await("the session still there", () -> rowText(id).contains("survivor"));
        String after = d.client.create("quick", d.project.toString(), "after");
        await("a session made after the restart", () -> rowText(after).contains("after"));
        assertEquals(1, web.streams(), "one event stream for the page");
    }

    @Test
    void aWaitingSessionStandsOutAndInterruptEndsItsTurn() throws Exception {
        String id = selectNew("quick", "asker", false);
        b.findElement(By.id("prompt")).sendKeys("/ask Deploy to production?");
        b.findElement(By.cssSelector("#prompt-form button[type=submit]")).click();
        await("the row marked waiting", () -> row(id).getAttribute("class").contains("waiting") && rowText(id).contains("waiting — needs you"));
        assertTrue(text("#d-hint").contains("anvillm attach " + id), text("#d-hint"));
        screenshot("anvilweb-waiting.png");
        b.manage().window().setSize(new Dimension(400, 900));
        await("the narrow layout", () -> !b.findElement(By.cssSelector("#sessions thead")).isDisplayed());
        long wide = (Long) b.executeScript("return document.documentElement.scrollWidth");
        long seen = (Long) b.executeScript("return document.documentElement.clientWidth");
        assertTrue(wide <= seen, "the page scrolls sideways at 400 px: " + wide + " > " + seen);
        screenshot("anvilweb-waiting-400.png");
        b.manage().window().setSize(new Dimension(1280, 900));
        b.findElement(By.cssSelector("[data-ctl='interrupt']")).click();
        d.awaitState(id, State.IDLE);
        await("the row back to idle", () -> !row(id).getAttribute("class").contains("waiting") && rowText(id).contains("idle"));
    }

    private dev.anvillm.client.Info infoOf(String id) {
        try {
            return d.client.info(id);
        } catch (dev.anvillm.client.ClientException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the daemon says session {@code id} is idle again on a process other than {@code before}; returns the new pid. */
    private long awaitNewProcess(String id, long before) throws InterruptedException {
        TestDaemon.await(id + " idle on a new process", () -> {
            dev.anvillm.client.Session s = infoOf(id).session();
            return s.state() == State.IDLE && s.pid() > 0 && s.pid() != before;
        }, () -> infoOf(id).facts().toString());
        long pid = infoOf(id).session().pid();
        await("the new pid in the row", () -> text("#sessions tr[data-id='" + id + "'] td.pid").equals(String.valueOf(pid))
                && rowText(id).contains("idle"));
        return pid;
    }

    private void press(String ctl) {
        b.findElement(By.cssSelector("[data-ctl='" + ctl + "']")).click();
    }

    @Test
    void startRestartRestartFreshAndRefreshDoWhatTheDaemonSays() throws Exception {
        String id = selectNew("quick", "buttons", false);
        // a turn first: a conversation with a transcript is resumed by start and restart (one without is begun anew)
        b.findElement(By.id("prompt")).sendKeys("remember me");
        b.findElement(By.cssSelector("#prompt-form button[type=submit]")).click();
        await("the reply", () -> text("#reply").contains("echo: remember me"));
        long pid = infoOf(id).session().pid();
        String conversation = infoOf(id).get("conversation");
        assertNotNull(conversation);

        // stop, then start: a new process on the same conversation
        press("stop");
        d.awaitState(id, State.STOPPED);
        await("stopped in the row", () -> rowText(id).contains("stopped") && text("#d-state").equals("stopped"));
        press("start");
        await("the page saying so", () -> text("#status").contains("buttons: start sent"));
        pid = awaitNewProcess(id, pid);
        assertEquals(conversation, infoOf(id).get("conversation"), "start resumes the conversation");
        assertTrue(infoOf(id).facts().stream().anyMatch(f -> f.getKey().equals("history") && f.getValue().contains("started by request")),
                infoOf(id).facts().toString());

        // restart: a new process, the conversation resumed
        press("restart");
        pid = awaitNewProcess(id, pid);
        await("the page saying so", () -> text("#status").contains("buttons: restart sent"));
        assertEquals(conversation, infoOf(id).get("conversation"), "restart resumes the conversation");
        assertTrue(infoOf(id).facts().stream().anyMatch(f -> f.getValue().contains("restarted by request")), infoOf(id).facts().toString());

        // restart fresh: a new process and a new conversation
        press("restart fresh");
        pid = awaitNewProcess(id, pid);
        await("the page saying so", () -> text("#status").contains("buttons: restart fresh sent"));
        String fresh = infoOf(id).get("conversation");
        assertNotEquals(conversation, fresh, "restart fresh starts a new conversation");
        assertTrue(infoOf(id).facts().stream().anyMatch(f -> f.getValue().contains("restarted with a fresh conversation")),
                infoOf(id).facts().toString());
        await("the new conversation on the page's screen", () -> text("#screen").contains(fresh));

        // refresh: the daemon looks at the screen again; it is idle, so nothing else changes
        press("refresh");
        await("the page saying so", () -> text("#status").contains("buttons: refresh sent"));
        assertEquals(State.IDLE, d.client.state(id));
        assertEquals(pid, infoOf(id).session().pid(), "refresh restarts nothing");
        assertEquals(fresh, infoOf(id).get("conversation"));
        // and on a session it cannot look at, the daemon's refusal of the next word is shown, not a success
        press("stop");
        d.awaitState(id, State.STOPPED);
        press("interrupt");
        await("the daemon's refusal", () -> b.findElement(By.id("status")).getAttribute("class").contains("error")
                && text("#status").contains("nothing to interrupt"));
    }

    @Test
    void anAliasIsSetAndClearedFromThePage() throws Exception {
        String id = selectNew("quick", "before", false);
        b.findElement(By.cssSelector("#edit-box summary")).click();
        WebElement alias = b.findElement(By.id("alias"));
        await("the alias field holding the alias", () -> alias.getAttribute("value").equals("before"));
        alias.clear();
        alias.sendKeys("after");
        b.findElement(By.cssSelector("#alias-form button")).click();
        TestDaemon.await("the alias in the tree", () -> "after".equals(infoOf(id).session().alias()), () -> infoOf(id).facts().toString());
        await("the alias in the row", () -> text("#sessions tr[data-id='" + id + "'] td.alias").equals("after"));
        await("and in the heading", () -> text("#d-name").equals("after (" + id + ")"));
        assertTrue(text("#status").contains("alias set: after"), text("#status"));

        alias.clear();
        b.findElement(By.cssSelector("#alias-form button")).click();
        TestDaemon.await("the alias cleared in the tree", () -> infoOf(id).session().alias() == null, () -> infoOf(id).facts().toString());
        await("no alias in the row", () -> text("#sessions tr[data-id='" + id + "'] td.alias").equals("—"));
        await("the heading the id alone", () -> text("#d-name").equals(id));
        assertTrue(text("#status").contains("alias cleared"), text("#status"));
    }

    private String active(String attribute) {
        return (String) b.executeScript("const a = document.activeElement; return a ? (a.getAttribute(arguments[0]) || '') : '';", attribute);
    }

    private boolean activeIs(String css) {
        return (Boolean) b.executeScript("return document.activeElement !== null && document.activeElement.matches(arguments[0])", css);
    }

    private void keys(CharSequence... k) {
        new Actions(b).sendKeys(k).perform();
    }

    private void chord(Keys modifier, CharSequence key) {
        new Actions(b).keyDown(modifier).sendKeys(key).keyUp(modifier).perform();
    }

    @Test
    void everythingByKeyboardAlone() throws Exception {
        String one = d.client.create("quick", d.project.toString(), "kb-one");
        String two = d.client.create("quick", d.project.toString(), "kb-two");
        d.awaitState(one, State.IDLE);
        d.awaitState(two, State.IDLE);
        login();
        await("both rows", () -> rowText(one).contains("idle") && rowText(two).contains("idle"));

        // Tab from the top of the page reaches the table, which is one stop
        for (int i = 0; i < 6 && !activeIs("#sessions tbody tr"); i++) keys(Keys.TAB);
        assertEquals(one, active("data-id"), "Tab reaches the table's first row");
        keys(Keys.TAB);
        assertFalse(activeIs("#sessions tbody tr"), "one Tab leaves the table: its rows are one stop");
        chord(Keys.SHIFT, Keys.TAB);
        assertEquals(one, active("data-id"));
        keys(Keys.ARROW_DOWN);
        assertEquals(two, active("data-id"), "↓ moves");
        keys("k");
        assertEquals(one, active("data-id"), "k moves up");
        keys("j");
        assertEquals(two, active("data-id"), "j moves down");
        keys(Keys.ENTER);
        await("Enter opens the session", () -> text("#d-name").contains("kb-two") && text("#screen").contains("anvillm-testagent"));

        // n: the new-session dialog, filled and sent by keys
        keys("n");
        await("the dialog, the backend focused", () -> b.findElement(By.id("new-dialog")).isDisplayed() && activeIs("#new-backend"));
        keys("quick");
        await("quick chosen by typing", () -> "quick".equals(new Select(b.findElement(By.id("new-backend"))).getFirstSelectedOption().getAttribute("value")));
        keys(Keys.TAB);
        assertTrue(activeIs("#new-dir"), "Tab to the directory");
        keys(d.project.toString(), Keys.TAB);
        assertTrue(activeIs("#new-alias"), "Tab to the alias");
        keys("kb-new", Keys.ENTER);
        String[] made = new String[1];
        TestDaemon.await("the session made", () -> {
            try {
                made[0] = d.client.list().stream().filter(s -> "kb-new".equals(s.alias())).findFirst().map(Session::id).orElse(null);
                return made[0] != null;
            } catch (dev.anvillm.client.ClientException e) {
                return false;
            }
        }, () -> b.findElement(By.tagName("body")).getText());
        await("the dialog closed and the new session open", () -> !b.findElement(By.id("new-dialog")).isDisplayed()
                && text("#d-name").contains("kb-new"));
        assertEquals("quick", d.client.backend(made[0]));
        assertEquals(d.project.toString(), infoOf(made[0]).session().cwd());
        d.awaitState(made[0], State.IDLE);

        // p: the prompt box; Ctrl+Enter sends
        keys("p");
        assertTrue(activeIs("#prompt"), "p focuses the prompt box");
        keys("typed, never clicked");
        chord(Keys.CONTROL, Keys.ENTER);
        await("the reply", () -> text("#reply").contains("echo: typed, never clicked"));
        assertEquals("", b.findElement(By.id("prompt")).getAttribute("value"), "sent, the box emptied");

        // Kill…, then its confirmation, by keys
        chord(Keys.SHIFT, Keys.TAB);
        assertTrue(activeIs("#kill"), "Shift+Tab from the prompt box reaches Kill…");
        keys(Keys.ENTER);
        await("the confirmation, Cancel focused", () -> b.findElement(By.id("kill-dialog")).isDisplayed() && activeIs("#kill-cancel"));
        keys(Keys.ESCAPE);
        await("Escape closes it", () -> !b.findElement(By.id("kill-dialog")).isDisplayed());
        assertTrue(d.client.list().stream().anyMatch(s -> s.id().equals(made[0])), "nothing killed");
        assertTrue(activeIs("#kill"), "back on Kill…");
        keys(Keys.ENTER);
        await("the confirmation again", () -> b.findElement(By.id("kill-dialog")).isDisplayed() && activeIs("#kill-cancel"));
        chord(Keys.SHIFT, Keys.TAB);
        assertTrue(activeIs("#kill-confirm"), "Shift+Tab to Kill");
        keys(Keys.ENTER);
        TestDaemon.await("the session killed", () -> {
            try {
                return d.client.list().stream().noneMatch(s -> s.id().equals(made[0]));
            } catch (dev.anvillm.client.ClientException e) {
                return false;
            }
        }, () -> b.findElement(By.tagName("body")).getText());
        await("its row gone", () -> row(made[0]) == null);
        TestDaemon.await("the keys back in the table", () -> activeIs("#sessions tbody tr"),
                () -> "focus on " + b.executeScript("const a = document.activeElement; return a ? a.outerHTML.slice(0, 200) : 'nothing'"));
        keys(Keys.ARROW_UP);
        assertEquals(one, active("data-id"), "the arrows work there at once");
    }

    @Test
    void aReadOnlyPageShowsEverythingAndOffersNothingThatChangesIt() throws Exception {
        String id = d.client.create("quick", d.project.toString(), "watched");
        d.awaitState(id, State.IDLE);
        d.client.prompt(id, "seen from afar");
        web.close();
        web = WebServer.start("127.0.0.1", 0, Guard.newToken(), true, new AgentClient(d.ns.socket()));
        login();
        await("its row", () -> rowText(id).contains("watched"));
        row(id).click();
        await("its reply", () -> text("#reply").contains("echo: seen from afar"));
        assertTrue(b.findElement(By.id("mode")).isDisplayed(), "the page says it is read-only");
        for (String css : new String[] {"#new", "#prompt", "[data-ctl='stop']", "#kill", "#alias", "#context"}) {
            assertFalse(b.findElement(By.cssSelector(css)).isDisplayed(), css + " shown on a read-only page");
        }
    }
}
