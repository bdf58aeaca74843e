// anvillm-testagent driven in a private tmux server, with prompts delivered the way the daemon delivers them.
'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('child_process');
const { AgentPane, waitFor, expectedReply, AGENT } = require('../test-support/agent-pane');

// A started agent whose prompt is showing; returns its session id (from the SessionStart hook).
async function ready(pane, args = []) {
  const before = pane.hooks().filter((h) => h.hook_event_name === 'SessionStart').length;
  pane.start(args);
  const started = await waitFor('SessionStart', () => pane.hooks().filter((h) => h.hook_event_name === 'SessionStart')[before], pane);
  await waitFor('the prompt', () => /^> $/m.test(pane.screen()), pane);
  return started.session_id;
}

function count(pane, event) { return pane.hookNames().filter((n) => n === event).length; }

function withPane(body) {
  return async (t) => {
    const pane = new AgentPane();
    t.after(() => pane.close());
    await body(pane);
  };
}

describe('anvillm-testagent in tmux', { concurrency: 4 }, () => {
  it('answers a single-line prompt with the echo reply, the hooks and two transcript lines', withPane(async (pane) => {
    const id = await ready(pane);
    assert.match(pane.screen(), new RegExp(`^anvillm-testagent ${id}$`, 'm'));
    const start = pane.hooks()[0];
    assert.deepEqual(start, { hook_event_name: 'SessionStart', session_id: id, cwd: pane.dir,
      transcript_path: `${pane.transcriptDir}/${id}.jsonl`, source: 'startup' });

    pane.deliver('hello world');
    const reply = expectedReply('hello world', 1);
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.ok(pane.screen().includes(reply), pane.screen());
    assert.deepEqual(pane.hookNames(), ['SessionStart', 'UserPromptSubmit', 'Stop']);
    assert.equal(pane.hooks()[1].prompt, 'hello world');

    const [user, assistant] = pane.transcript(id);
    assert.equal(user.type, 'user');
    assert.equal(user.sessionId, id);
    assert.deepEqual(user.message, { role: 'user', content: 'hello world' });
    assert.equal(assistant.type, 'assistant');
    assert.equal(assistant.parentUuid, user.uuid);
    assert.deepEqual(assistant.message.content, [{ type: 'text', text: reply }]);
    assert.ok(!Number.isNaN(Date.parse(assistant.timestamp)));
  }));

  it('takes a 10 KB multi-line paste as one prompt with the right bytes, lines and hash', withPane(async (pane) => {
    const id = await ready(pane);
    const lines = [];
    for (let i = 0; i < 160; i++) {
      lines.push(i === 40 ? '' : `line ${String(i).padStart(3, '0')}: "$HOME" \\n\t'; rm -rf / # ${'x'.repeat(40)}  `);
    }
    const prompt = lines.join('\n') + '\n';
    assert.ok(Buffer.byteLength(prompt) >= 10000);

    pane.deliver(prompt);
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.ok(pane.screen().includes('> [pasted 160 lines]'), pane.screen());
    const reply = expectedReply(prompt, 1);
    assert.ok(pane.screen().includes(reply.slice(reply.indexOf(' ['))), pane.screen());  // tmux shows the tab as spaces
    assert.equal(pane.transcript(id)[1].message.content[0].text, reply);
    const submitted = pane.hooks().filter((h) => h.hook_event_name === 'UserPromptSubmit');
    assert.equal(submitted.length, 1);
    assert.equal(submitted[0].prompt, prompt);
    assert.equal(pane.transcript(id)[0].message.content, prompt);
  }));

  it('counts the UTF-8 bytes of a non-ASCII prompt', withPane(async (pane) => {
    const id = await ready(pane);
    const prompt = 'héllo wörld ✓ 日本';
    pane.deliver(prompt);
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.equal(pane.transcript(id)[1].message.content[0].text, expectedReply(prompt, 1));
  }));

  it('echoes typed keys, and Backspace removes a character', withPane(async (pane) => {
    const id = await ready(pane);
    pane.type('helo');
    await waitFor('the echo', () => pane.screen().includes('> helo'), pane);
    pane.keys('BSpace');
    pane.type('lo there');
    pane.keys('Enter');
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.equal(pane.transcript(id)[0].message.content, 'hello there');
  }));

  it('/ask shows the question, fires Notification, and takes the next line as the answer', withPane(async (pane) => {
    const id = await ready(pane);
    pane.deliver('/ask Deploy to production?');
    await waitFor('Notification', () => count(pane, 'Notification') === 1, pane);
    const note = pane.hooks().find((h) => h.hook_event_name === 'Notification');
    assert.equal(note.message, 'Question: Deploy to production?');
    assert.equal(note.session_id, id);
    assert.ok(pane.screen().includes('? Deploy to production? (yes/no)'), pane.screen());
    assert.equal(count(pane, 'Stop'), 0);

    pane.deliver('yes');
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.ok(pane.screen().includes('answered: yes'), pane.screen());
    assert.deepEqual(pane.hookNames(), ['SessionStart', 'UserPromptSubmit', 'Notification', 'Stop']);
    const entries = pane.transcript(id);
    assert.deepEqual(entries.map((e) => e.type), ['user', 'assistant', 'user', 'assistant']);
    assert.equal(entries[1].message.content[0].type, 'tool_use');
    assert.deepEqual(entries[2].message.content, [{ type: 'tool_result', tool_use_id: entries[1].message.content[0].id, content: 'yes' }]);
    assert.deepEqual(entries[3].message.content, [{ type: 'text', text: 'answered: yes' }]);
  }));

  it('/crash 7 exits with code 7 without replying', withPane(async (pane) => {
    await ready(pane);
    pane.deliver('/crash 7');
    const dead = await pane.exited();
    assert.equal(dead.status, 7);
    assert.deepEqual(pane.hookNames(), ['SessionStart', 'UserPromptSubmit']);
  }));

  it('/crash without a code exits 3', withPane(async (pane) => {
    await ready(pane);
    pane.deliver('/crash');
    const dead = await pane.exited();
    assert.equal(dead.status, 3);
  }));

  it('/kill dies of SIGKILL', withPane(async (pane) => {
    await ready(pane);
    pane.deliver('/kill');
    const dead = await pane.exited();
    assert.equal(dead.signal, 9);
  }));

  it('/exit exits 0 cleanly, firing SessionEnd but no turn', withPane(async (pane) => {
    const id = await ready(pane);
    pane.deliver('/exit');
    const dead = await pane.exited();
    assert.equal(dead.status, 0);
    assert.deepEqual(pane.hookNames(), ['SessionStart', 'SessionEnd']);
    assert.deepEqual(pane.transcript(id), []);
  }));

  it('Ctrl-D at an empty prompt exits 0, and so does Ctrl-C twice', withPane(async (pane) => {
    await ready(pane);
    pane.keys('C-d');
    const first = await pane.exited();
    assert.equal(first.status, 0);

    await ready(pane);
    pane.keys('C-c');
    await waitFor('the hint', () => pane.screen().includes('press Ctrl-C again to exit'), pane);
    pane.keys('C-c');
    const second = await pane.exited();
    assert.equal(second.status, 0);
  }));

  it('--resume continues the conversation and its turn count', withPane(async (pane) => {
    const id = 'resume-test-1';
    await ready(pane, ['--session-id', id]);
    pane.deliver('one');
    await waitFor('Stop 1', () => count(pane, 'Stop') === 1, pane);
    pane.deliver('two');
    await waitFor('Stop 2', () => count(pane, 'Stop') === 2, pane);
    pane.deliver('/exit');
    await pane.exited();

    assert.equal(await ready(pane, ['--resume', id]), id);
    assert.equal(pane.hooks().filter((h) => h.hook_event_name === 'SessionStart')[1].source, 'resume');
    assert.ok(pane.screen().includes('resumed conversation: 2 earlier turns'), pane.screen());
    pane.deliver('three');
    await waitFor('Stop 3', () => count(pane, 'Stop') === 3, pane);
    assert.ok(pane.screen().includes(expectedReply('three', 3)), pane.screen());
    const entries = pane.transcript(id);
    assert.equal(entries.length, 6);
    assert.equal(entries[4].parentUuid, entries[3].uuid);
  }));

  it('--resume of a missing conversation exits 1 with the message', withPane(async (pane) => {
    pane.start(['--resume', 'no-such-conversation']);
    const dead = await pane.exited();
    assert.equal(dead.status, 1);
    assert.ok(pane.screen().includes('No conversation found with session ID: no-such-conversation'), pane.screen());
    assert.deepEqual(pane.hooks(), []);
  }));

  it('--session-id of an existing conversation is refused', withPane(async (pane) => {
    const id = await ready(pane, ['--session-id', 'taken']);
    pane.deliver('hi');
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    pane.start(['--session-id', id]);
    const dead = await pane.exited();
    assert.equal(dead.status, 1);
    assert.ok(pane.screen().includes('Session ID taken is already in use'), pane.screen());
  }));

  it('Escape interrupts a running turn, fires Stop, and the next prompt works', withPane(async (pane) => {
    const id = await ready(pane, ['--work-ms', '30000']);
    pane.deliver('a long job');
    await waitFor('working', () => pane.screen().includes('working... (esc to interrupt)'), pane);
    pane.keys('Escape');
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.ok(pane.screen().includes('interrupted'), pane.screen());
    assert.deepEqual(pane.transcript(id)[1].message.content, [{ type: 'text', text: '[Request interrupted by user]' }]);

    pane.deliver('/sleep 10');
    await waitFor('Stop 2', () => count(pane, 'Stop') === 2, pane);
    assert.ok(pane.screen().includes(expectedReply('/sleep 10', 2)), pane.screen());
  }));

  it('Ctrl-C interrupts a running turn', withPane(async (pane) => {
    await ready(pane, ['--work-ms', '30000']);
    pane.deliver('a long job');
    await waitFor('working', () => pane.screen().includes('working...'), pane);
    pane.keys('C-c');
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.ok(pane.screen().includes('interrupted'), pane.screen());
    assert.equal(pane.paneState().dead, false);
  }));

  it('queues a prompt delivered during a turn and runs it afterwards', withPane(async (pane) => {
    const id = await ready(pane, ['--work-ms', '500']);
    pane.deliver('first');
    await waitFor('working', () => pane.screen().includes('working...'), pane);
    pane.deliver('second\nwith two lines');
    await waitFor('Stop 2', () => count(pane, 'Stop') === 2, pane);
    assert.deepEqual(pane.hookNames(), ['SessionStart', 'UserPromptSubmit', 'Stop', 'UserPromptSubmit', 'Stop']);
    assert.equal(pane.transcript(id)[3].message.content[0].text, expectedReply('second\nwith two lines', 2));
  }));

  it('/reply answers with exactly the given text, extra lines included', withPane(async (pane) => {
    const id = await ready(pane);
    pane.deliver('/reply Done: 3 files\nsecond line\nthird line');
    await waitFor('Stop', () => count(pane, 'Stop') === 1, pane);
    assert.equal(pane.transcript(id)[1].message.content[0].text, 'Done: 3 files\nsecond line\nthird line');
    assert.match(pane.screen(), /^Done: 3 files\nsecond line\nthird line$/m);
  }));

  it('/hang fires UserPromptSubmit and then never replies nor heeds Escape', withPane(async (pane) => {
    await ready(pane, ['--work-ms', '10']);
    pane.deliver('/hang');
    await waitFor('UserPromptSubmit', () => count(pane, 'UserPromptSubmit') === 1, pane);
    pane.keys('Escape');
    pane.deliver('/crash 5');
    // A turn of this agent takes 10 ms; give a hung one far longer before checking nothing happened.
    await assert.rejects(waitFor('Stop', () => count(pane, 'Stop') > 0 || pane.paneState().dead, pane, 1000));
    assert.equal(pane.paneState().dead, false);
  }));

  it('--start-delay-ms holds back the prompt and SessionStart', withPane(async (pane) => {
    const started = Date.now();
    await ready(pane, ['--start-delay-ms', '700']);
    assert.ok(Date.now() - started >= 700);
  }));

  it('--never-ready shows no prompt and fires no SessionStart', withPane(async (pane) => {
    pane.start(['--never-ready']);
    await waitFor('the starting line', () => pane.screen().includes('never becomes ready'), pane);
    pane.deliver('hello');
    await assert.rejects(waitFor('any hook', () => pane.hooks().length > 0, pane, 1000));
    assert.doesNotMatch(pane.screen(), /^> /m);
    assert.equal(pane.paneState().dead, false);
  }));
});

describe('anvillm-testagent command line', () => {
  it('--help prints the usage and exits 0', () => {
    const r = spawnSync(process.execPath, [AGENT, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--session-id <id>/);
  });

  it('an unknown option exits 2 naming it', () => {
    const r = spawnSync(process.execPath, [AGENT, '--bogus'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option "--bogus"/);
  });
});
