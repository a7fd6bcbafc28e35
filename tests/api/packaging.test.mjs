// packaging/: the Dockerfile and the systemd unit, checked without a container engine or systemd
// (neither runs on the test machines): the Dockerfile's stages are Debian 12, its image runs as a
// user other than root with the data directory as a volume and a healthcheck on /healthz at the
// port it listens on, every file it copies from the checkout exists, what it copies from the build
// stage is what a build makes, and its runtime packages provide every shared library the binary
// links (asked of dpkg on this Debian 12 machine). The unit runs `solder serve` as a user of its
// own with the same data directory, and sets only variables `solder serve` reads. docs/deployment.md
// refers to both. And the command line's conventions: --version, -h, `--` ending options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './server.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p) => readFileSync(path.join(root, p), 'utf8');

// Dockerfile instructions: comments dropped, continuation lines joined; [{op, args}].
function dockerfile(text) {
  const out = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && !cur) continue;
    if (/^\s*#/.test(line)) continue;
    cur += line.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(line)) continue;
    const m = cur.trim().match(/^([A-Za-z]+)\s+(.*)$/);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    cur = '';
  }
  return out;
}

// The build stage's `WORKDIR` is the checkout: /opt/solder/X in the build stage is the checkout's X.
const BUILD_ROOT = '/opt/solder';

test('the Dockerfile: Debian 12, non-root, data volume, healthcheck on /healthz, files it copies exist', () => {
  const steps = dockerfile(read('packaging/Dockerfile'));
  const froms = steps.filter((s) => s.op === 'FROM');
  assert.equal(froms.length, 2, 'a build stage and a run stage');
  for (const f of froms) assert.match(f.args, /^debian:12(-slim)?(\s|$)/, f.args);
  const last = steps.lastIndexOf(froms[1]);
  const run = steps.slice(last);
  const build = steps.slice(0, last);
  assert.equal(build.find((s) => s.op === 'WORKDIR').args, BUILD_ROOT);

  const user = run.filter((s) => s.op === 'USER').pop();
  assert.ok(user, 'the image names its user');
  assert.ok(!/^(root|0)(:|$)/.test(user.args), `runs as ${user.args}`);
  assert.ok(run.some((s) => s.op === 'RUN' && s.args.includes(`useradd`) && s.args.includes(user.args)), 'the user is created');

  const env = Object.fromEntries(run.filter((s) => s.op === 'ENV')
    .flatMap((s) => [...s.args.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]])));
  const volume = JSON.parse(run.find((s) => s.op === 'VOLUME').args);
  assert.deepEqual(volume, [env.SOLDER_DATA], 'the data directory is the volume');
  const port = env.SOLDER_LISTEN.split(':').pop();
  assert.equal(run.find((s) => s.op === 'EXPOSE').args, port);

  const hc = run.find((s) => s.op === 'HEALTHCHECK');
  assert.ok(hc, 'a HEALTHCHECK');
  assert.match(hc.args, /CMD .*curl -f\S* http:\/\/127\.0\.0\.1:(\d+)\/healthz/);
  assert.equal(hc.args.match(/127\.0\.0\.1:(\d+)\/healthz/)[1], port, 'the healthcheck probes the port served');
  const installs = run.filter((s) => s.op === 'RUN').map((s) => s.args).join(' ');
  assert.match(installs, /apt-get install[^&]*\bcurl\b/, 'the healthcheck has curl');

  // Every option the image sets through the environment is one `solder serve` reads.
  const help = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8' }).stdout;
  for (const name of Object.keys(env)) assert.ok(help.includes(name), `${name} is not read by solder serve`);
  const entry = JSON.parse(run.find((s) => s.op === 'ENTRYPOINT').args);
  assert.deepEqual([entry[0], ...JSON.parse(run.find((s) => s.op === 'CMD').args)], ['/usr/local/bin/solder', 'serve']);

  // Files: COPY from the context must exist; COPY --from=build must be checkout paths or what a
  // build makes (the binary, the generated front-end files).
  const copies = steps.filter((s) => s.op === 'COPY');
  assert.ok(copies.length >= 4);
  const buildDir = path.dirname(BIN);
  for (const c of copies) {
    const parts = c.args.split(/\s+/);
    const from = parts.find((p) => p.startsWith('--from='));
    const [src] = parts.filter((p) => !p.startsWith('--'));
    if (!from) {
      assert.ok(src === '.' || existsSync(path.join(root, src)), `COPY ${src}: missing in the checkout`);
      continue;
    }
    assert.equal(from, '--from=build');
    assert.ok(src.startsWith(`${BUILD_ROOT}/`), src);
    const rel = src.slice(BUILD_ROOT.length + 1);
    if (rel === 'build/solder') assert.ok(existsSync(BIN));
    else if (rel.startsWith('build/')) assert.ok(existsSync(path.join(buildDir, rel.slice('build/'.length))), `${rel}: a build makes no such thing (looked in ${buildDir})`);
    else assert.ok(existsSync(path.join(root, rel)), `${rel}: missing in the checkout`);
  }
  // The binary looks for web/ and connectors/ where the image puts them: every directory of web/
  // but its build-time node_modules, and connectors/.
  const copied = (rel) => copies.some((c) => c.args.endsWith(` ${BUILD_ROOT}/${rel}`));
  const webDirs = readdirSync(path.join(root, 'web'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'node_modules').map((e) => `web/${e.name}`);
  assert.ok(webDirs.length >= 4, webDirs.join(' '));
  for (const dir of [...webDirs, 'connectors']) assert.ok(copied(dir), `${dir} is copied to ${BUILD_ROOT}/${dir}`);
  assert.ok(!copied('web'), 'web/ is copied without its node_modules');
  const ignore = read('packaging/Dockerfile.dockerignore');
  for (const p of ['build/', 'data/', 'node_modules/']) assert.ok(ignore.includes(p), `the context leaves out ${p}`);
});

test("the Dockerfile's runtime packages provide every library the binary links", () => {
  const steps = dockerfile(read('packaging/Dockerfile'));
  const runStage = steps.slice(steps.map((s) => s.op).lastIndexOf('FROM'));
  const install = runStage.find((s) => s.op === 'RUN' && s.args.includes('apt-get install')).args;
  const listed = new Set(install.split(/\s+/).filter((w) => /^[a-z0-9][a-z0-9.+-]+$/.test(w)));
  const needed = execFileSync('readelf', ['-d', BIN], { encoding: 'utf8' })
    .split('\n').map((l) => l.match(/\(NEEDED\)\s+Shared library: \[(.+)\]/)?.[1]).filter(Boolean)
    .filter((lib) => !/^lib(asan|ubsan|tsan)\b/.test(lib)); // the sanitizer build's own
  assert.ok(needed.length >= 8, needed.join(' '));
  // Installed with them: debian:12-slim's own packages and the listed packages' dependencies.
  const provided = new Set(['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g', ...listed]);
  for (const pkg of listed) {
    const deps = spawnSync('dpkg-query', ['-W', '-f=${Depends}', pkg], { encoding: 'utf8' }).stdout;
    for (const d of deps.split(/[,|]/)) provided.add(d.trim().split(/[\s(:]/)[0]);
  }
  // The package holding a file, under the names usrmerge gives it.
  const owner = (file) => {
    for (const f of [file, file.replace(/^\/usr/, ''), `/usr${file}`]) {
      const r = spawnSync('dpkg', ['-S', f], { encoding: 'utf8' });
      if (r.status === 0) return r.stdout.split(':')[0];
    }
    return null;
  };
  const missing = [];
  for (const lib of needed) {
    const file = execFileSync('sh', ['-c', `ldconfig -p | awk '$1 == "${lib}" && /x86-64/ {print $NF; exit}'`], { encoding: 'utf8' }).trim();
    assert.ok(file, `${lib} is not installed here`);
    const pkg = owner(file) || owner(execFileSync('readlink', ['-f', file], { encoding: 'utf8' }).trim());
    assert.ok(pkg, `no package holds ${file}`);
    if (!provided.has(pkg)) missing.push(`${lib} (${pkg})`);
  }
  assert.deepEqual(missing, [], 'libraries whose package the image does not install');
});

test('the systemd unit runs solder serve as its own user on the same data directory', () => {
  const unit = {};
  let section;
  for (const line of read('packaging/solder.service').split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const s = line.match(/^\[(\w+)\]$/);
    if (s) { section = unit[s[1]] = {}; continue; }
    const [k, ...v] = line.split('=');
    (section[k] ||= []).push(v.join('='));
  }
  assert.deepEqual(Object.keys(unit), ['Unit', 'Service', 'Install']);
  const svc = unit.Service;
  assert.deepEqual(svc.ExecStart, ['/usr/local/bin/solder serve']);
  assert.ok(svc.User[0] && svc.User[0] !== 'root');
  const env = Object.fromEntries(svc.Environment.map((e) => e.split('=')));
  assert.equal(env.SOLDER_DATA, `/var/lib/${svc.StateDirectory[0]}`, 'the data directory is the state directory');
  assert.ok(svc.ReadWritePaths.includes(env.SOLDER_DATA));
  assert.equal(svc.KillSignal[0], 'SIGTERM');
  const help = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8' }).stdout;
  for (const name of Object.keys(env)) assert.ok(help.includes(name), `${name} is not read by solder serve`);
  assert.deepEqual(unit.Install.WantedBy, ['multi-user.target']);

  const doc = read('docs/deployment.md');
  for (const f of ['packaging/Dockerfile', 'packaging/solder.service']) assert.ok(doc.includes(f), `docs/deployment.md refers to ${f}`);
  assert.match(doc, /Exit status/);
});

test('the command line: --version, -h, -- ends the options, exit statuses', () => {
  const run = (...args) => spawnSync(BIN, args, { encoding: 'utf8', input: '{"a": 1}' });
  const version = run('--version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^solder \d+\.\d+\.\d+ \(store schema \d+, SQLite 3\.\d+/);
  assert.equal(run('-h').status, 0);
  assert.match(run('-h').stdout, /Exit status: 0 success, 1 failure, 2 usage error/);
  for (const cmd of ['serve', 'map', 'backup', 'restore', 'key']) {
    const h = run(cmd, '-h');
    assert.equal(h.status, 0, cmd);
    assert.match(h.stdout, new RegExp(`usage: solder ${cmd}`));
  }
  // Without --, an expression starting with '-' is an unknown option (2); after it, an argument.
  const unknown = run('map', '-(5 - 8)');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option/);
  const ended = run('map', '--', '-(5 - 8)');
  assert.equal(ended.status, 0, ended.stderr);
  assert.equal(ended.stdout.trim(), '3');
  assert.equal(run('map', '--', '-a').stdout.trim(), '-1');
  assert.equal(run('map', '$$.(').status, 1, 'a mapping error is status 1');
});
