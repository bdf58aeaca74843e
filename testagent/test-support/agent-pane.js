// Drives anvillm-testagent inside a private tmux server the way anvillm's daemon does:
// argv-only commands, prompts delivered by load-buffer + bracketed paste-buffer + Enter.
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const AGENT = path.resolve(__dirname, '..', 'anvillm-testagent');
let servers = 0;

class AgentPane {
  constructor() {
    this.socket = `anvillm-testagent-${process.pid}-${++servers}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testagent-'));
    this.transcriptDir = path.join(this.dir, 'transcripts');
    this.hookFile = path.join(this.dir, 'hooks.jsonl');
    // remain-on-exit before any window exists, so even an agent that exits at once leaves its pane to inspect.
    this.config = path.join(this.dir, 'tmux.conf');
    fs.writeFileSync(this.config, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
    this.pane = null;
    this.socketPath = null;
  }

  tmux(args, input) {
    const env = Object.assign({}, process.env);
    delete env.TMUX;
    const r = spawnSync('tmux', ['-L', this.socket, '-f', this.config, ...args], { input, encoding: 'utf8', env });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  // Starts the agent in a new 120x40 window; extra argv goes to the agent as is. NODE_EXTRA_CA_CERTS is
  // emptied because node 20 parses that bundle before running any script (tens of ms), and the agent uses no TLS.
  start(args = []) {
    const common = ['-P', '-F', '#{pane_id}', '-e', `ANVILLM_HOOK_FILE=${this.hookFile}`, '-e', 'NODE_EXTRA_CA_CERTS=',
      '-c', this.dir,
      '--', process.execPath, AGENT, '--transcript-dir', this.transcriptDir, ...args];
    if (this.pane === null) {
      this.pane = this.tmux(['new-session', '-d', '-x', '120', '-y', '40', ...common]).trim();
      this.socketPath = this.tmux(['display-message', '-p', '#{socket_path}']).trim();
    } else {
      this.pane = this.tmux(['new-window', '-d', ...common]).trim();
    }
    return this.pane;
  }

  deliver(prompt) {
    this.tmux(['load-buffer', '-b', 'x', '-'], prompt);
    this.tmux(['paste-buffer', '-p', '-d', '-b', 'x', '-t', this.pane]);
    this.tmux(['send-keys', '-t', this.pane, 'Enter']);
  }

  keys(...keys) { this.tmux(['send-keys', '-t', this.pane, ...keys]); }
  type(text) { this.tmux(['send-keys', '-t', this.pane, '-l', text]); }

  // History included: when a pane dies, tmux 3.3 scrolls what it showed into the history.
  screen() { return this.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', this.pane]); }

  // {dead, status, signal}; status/signal are null while the pane lives, and for a moment after it dies:
  // tmux sees the pty close before it reaps the process.
  paneState() {
    const [dead, status, signal] = this.tmux(['display-message', '-p', '-t', this.pane,
      '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}']).trim().split('|');
    return { dead: dead === '1', status: status === '' ? null : Number(status), signal: signal === '' ? null : Number(signal) };
  }

  // Waits for the agent's process to end; resolves {dead, status, signal}.
  // Debian's tmux 3.3a is built with libutempter, whose SIGCHLD handling can make the server miss a
  // child's exit and leave it a zombie with no status (tmux/tmux#311, #4559); a SIGCHLD to the server,
  // harmless otherwise, makes it reap.
  exited(timeoutMs) {
    return waitFor('the agent to exit', () => {
      const s = this.paneState();
      if (s.dead && s.status === null && s.signal === null) process.kill(this.serverPid(), 'SIGCHLD');
      return s.dead && (s.status !== null || s.signal !== null) && s;
    }, this, timeoutMs);
  }

  serverPid() { return Number(this.tmux(['display-message', '-p', '#{pid}']).trim()); }

  // For timeout messages: the pane's process state letter (R, S, Z...) or "gone".
  processInfo() {
    const pid = this.tmux(['display-message', '-p', '-t', this.pane, '#{pane_pid}']).trim();
    try { return `pid ${pid} state ${fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[0]}`; } catch (e) { return `pid ${pid} gone`; }
  }

  hooks() { return readJsonLines(this.hookFile); }
  hookNames() { return this.hooks().map((h) => h.hook_event_name); }
  transcript(sessionId) { return readJsonLines(path.join(this.transcriptDir, `${sessionId}.jsonl`)); }

  close() {
    try { this.tmux(['kill-server']); } catch (e) { /* already gone */ }
    if (this.socketPath) fs.rmSync(this.socketPath, { force: true });  // kill-server leaves it behind
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function readJsonLines(file) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { return []; }
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

// Polls check() until it returns a truthy value or the deadline passes; the failure says what was awaited
// and what the pane showed.
async function waitFor(what, check, pane, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { last = check(); } catch (e) { last = undefined; }
    if (last) return last;
    if (Date.now() > deadline) {
      let screen = '';
      try { screen = pane ? pane.screen() : ''; } catch (e) { screen = `(no screen: ${e.message})`; }
      let state = '';
      try { state = pane ? JSON.stringify(pane.paneState()) + ' ' + pane.processInfo() : ''; } catch (e) { state = e.message; }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${state}\n--- pane ---\n${screen}\n--- hooks ---\n${
        pane ? pane.hookNames().join(' ') : ''}`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

function expectedReply(prompt, turn) {
  const first = Array.from(prompt.split('\n')[0]).slice(0, 80).join('');
  const bytes = Buffer.byteLength(prompt, 'utf8');
  const lines = prompt === '' ? 0 : prompt.split('\n').length - (prompt.endsWith('\n') ? 1 : 0);
  const sha = crypto.createHash('sha256').update(prompt, 'utf8').digest('hex').slice(0, 12);
  return `echo: ${first} [${bytes} bytes, ${lines} lines, sha256 ${sha}, turn ${turn}]`;
}

module.exports = { AgentPane, waitFor, expectedReply, AGENT };
