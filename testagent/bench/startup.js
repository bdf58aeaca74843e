#!/usr/bin/env node
// How long anvillm-testagent takes from spawn to showing its prompt, next to a bare node program that
// prints a prompt at once. Wall time depends on how busy the machine is; CPU time (all threads, from
// /proc/<pid>/task/*/schedstat) much less so. Node 20 reads and parses the NODE_EXTRA_CA_CERTS bundle
// before running any script, which costs tens of ms; each program is timed with it as inherited and with
// it set empty (which node takes as unset).
// usage: node testagent/bench/startup.js [runs]
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const AGENT = path.join(__dirname, '..', 'anvillm-testagent');
const BARE = "process.stdin.resume(); process.stdout.write('\\n> '); process.stdin.on('data', () => process.exit(0));";
const runs = Number(process.argv[2] || 20);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testagent-bench-'));

function cpuMs(pid) {
  let ns = 0;
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
  } catch (e) { return NaN; }
  return ns / 1e6;
}

function once(argv, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'], env });
    let seen = '';
    let result = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      seen += d;
      if (result === null && seen.includes('\n> ')) {
        result = { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: cpuMs(child.pid) };
        child.stdin.end('/exit\n');
      }
    });
    child.on('error', reject);
    child.on('exit', () => (result ? resolve(result) : reject(new Error(`no prompt from ${argv.join(' ')}`))));
  });
}

function summary(name, samples) {
  const line = (key) => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
    return `min ${at(0)}, median ${at(0.5)}, p90 ${at(0.9)} ms`;
  };
  console.log(`${name}\n  wall: ${line('wall')}\n  cpu:  ${line('cpu')}`);
}

(async () => {
  const inherited = process.env;
  const noExtraCerts = Object.assign({}, process.env, { NODE_EXTRA_CA_CERTS: '' });
  const cases = [
    ['bare node printing "> "', ['-e', BARE], inherited],
    ['anvillm-testagent', [AGENT, '--transcript-dir', dir], inherited],
    ['bare node printing "> ", NODE_EXTRA_CA_CERTS=', ['-e', BARE], noExtraCerts],
    ['anvillm-testagent, NODE_EXTRA_CA_CERTS=', [AGENT, '--transcript-dir', dir], noExtraCerts],
  ];
  if (!process.env.NODE_EXTRA_CA_CERTS) cases.splice(2);
  const samples = cases.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let c = 0; c < cases.length; c++) samples[c].push(await once(cases[c][1], cases[c][2]));
  }
  console.log(`${runs} runs each, spawn to "> " on stdout; load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs`);
  cases.forEach((c, i) => summary(c[0], samples[i]));
  fs.rmSync(dir, { recursive: true, force: true });
})();
